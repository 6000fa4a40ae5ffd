"""Form pieces every app's pages share: acting in the user's own territory, or a chosen one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.models import Territory


class TerritoryChoiceForm(forms.Form):
    """A form acting in a territory: the user's own, or, for a superuser, one chosen in the form."""

    territory = forms.ModelChoiceField(queryset=Territory.objects.none(), label=_("Territory"))

    def __init__(self, *args, territory: Territory | None = None, territories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_territory = territory
        if territory is not None:
            del self.fields["territory"]
        else:
            self.fields["territory"].queryset = (
                territories if territories is not None else Territory.objects.all()
            )

    def chosen_territory(self) -> Territory | None:
        """Return the territory once the form is cleaned (None if the choice was invalid)."""
        if self.fixed_territory is not None:
            return self.fixed_territory
        return getattr(self, "cleaned_data", {}).get("territory")
