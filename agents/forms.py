"""Form pieces every app's pages share: acting in the user's own territory, or a chosen one;
language pickers with the territory's usual languages first."""

from django import forms
from django.core.cache import cache
from django.db.models import Count
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, Language, Territory


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


# How many languages a picker pins at its top, French first; recomputed every so often.
PINNED_LANGUAGES = 8
PINNED_CACHE_SECONDS = 600


def pinned_language_codes(territory: Territory | None) -> list[str]:
    """Return the languages a picker shows first: French, then those most spoken on the
    territory's floors (a CPAM staffs its floors for the people it calls)."""
    if territory is None:
        return ["fr"]
    key = f"agents:pinned-languages:{territory.pk}"
    codes = cache.get(key)
    if codes is None:
        spoken = (
            Agent.languages.through.objects.filter(agent__territory=territory)
            .values("language_id")
            .annotate(agents=Count("agent_id"))
            .order_by("-agents", "language_id")
            .values_list("language_id", flat=True)[: PINNED_LANGUAGES + 1]
        )
        codes = list(dict.fromkeys(["fr", *spoken]))[:PINNED_LANGUAGES]
        cache.set(key, codes, PINNED_CACHE_SECONDS)
    return codes


class _PinnedChoices(BaseChoiceIterator):
    """The choices of a language picker, computed when the page renders (not when the form class
    is defined): an empty choice if any, the territory's usual languages, then all of them."""

    def __init__(self, *, territory: Territory | None, empty_label: str | None):
        self.territory = territory
        self.empty_label = empty_label

    def __bool__(self) -> bool:
        return True

    def __iter__(self):
        languages = list(Language.objects.all())
        by_code = {language.code: language for language in languages}
        codes = pinned_language_codes(self.territory)
        pinned = [by_code[code] for code in codes if code in by_code]
        rest = sorted((lang for lang in languages if lang.code not in codes), key=str)
        if self.empty_label is not None:
            yield ("", self.empty_label)
        yield (_("Usual here"), [(lang.code, str(lang)) for lang in pinned])
        yield (_("All languages"), [(lang.code, str(lang)) for lang in rest])


class PinnedLanguagesMixin:
    """A language picker in two groups, the territory's usual languages first, then all in the
    reader's alphabetical order; typing filters it (static/js/pickers.js)."""

    _territory: Territory | None = None

    def pin_for(self, territory: Territory | None) -> None:
        """Put this territory's usual languages first."""
        self._territory = territory
        self.widget.choices = self.choices  # type: ignore[attr-defined]

    def _get_choices(self):
        if hasattr(self, "_choices"):
            return self._choices
        multiple = isinstance(self, forms.ModelMultipleChoiceField)
        empty_label = None if multiple else getattr(self, "empty_label", None)
        return _PinnedChoices(territory=self._territory, empty_label=empty_label)

    choices = property(_get_choices, forms.ChoiceField.choices.fset)  # type: ignore[attr-defined]


class LanguageChoiceField(PinnedLanguagesMixin, forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Language.objects.all())
        super().__init__(**kwargs)
        self.widget.attrs["data-language-picker"] = ""


class LanguageMultipleChoiceField(PinnedLanguagesMixin, forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Language.objects.all())
        super().__init__(**kwargs)
        self.widget.attrs["data-language-picker"] = ""
