"""Forms of the contracts pages: the list's filters, renewal, early end, a new contract, the
headcount's territory."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from agents.models import Territory
from common.widgets import DateInput
from workforce.models.contracts import Contract
from workforce.selectors.contracts import STATUS_ACTIVE, STATUS_ENDED

# Further than a year ahead, "ending within" is every contract.
MAX_WINDOW_DAYS = 366


class ContractFilterForm(forms.Form):
    """The list's filters, read from the query string; a bad value is ignored, never a 500."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Contract.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Running or ended")),
            (STATUS_ACTIVE, _("Running")),
            (STATUS_ENDED, _("Ended")),
        ],
    )
    ending_within_days = forms.IntegerField(
        label=_("Ending within (days)"), required=False, min_value=0, max_value=MAX_WINDOW_DAYS
    )

    def __init__(self, data: QueryDict | None = None, **kwargs):
        super().__init__(data if data is not None else QueryDict(), **kwargs)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {
            "kind": self.cleaned_data["kind"],
            "status": self.cleaned_data["status"],
            "ending_within_days": self.cleaned_data["ending_within_days"],
        }


class RenewContractForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Renew for"),
        coerce=int,
        choices=[(3, _("3 months")), (6, _("6 months"))],
    )


class EndContractForm(forms.Form):
    end_on = forms.DateField(label=_("Last day"), widget=DateInput())


class AddContractForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Contract.Kind.choices)
    start_on = forms.DateField(label=_("First day"), widget=DateInput())
    end_on = forms.DateField(
        label=_("Last day"), required=False, widget=DateInput(), help_text=_("Required for a CDD.")
    )


class HeadcountForm(forms.Form):
    """The territory of the headcount: only a superuser chooses one."""

    territory = forms.ModelChoiceField(
        queryset=Territory.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=None,
        label=_("Territory"),
    )
