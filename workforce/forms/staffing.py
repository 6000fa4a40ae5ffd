"""Forms of the staffing pages: the horizon, the parameters and the grid of expected volumes."""

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from agents.models import Language
from common.bounds import check_plain_date
from common.widgets import DateInput
from workforce.models.staffing import StaffingParameters
from workforce.selectors.staffing import DEFAULT_HORIZON_DAYS, MAX_HORIZON_DAYS

# Far above any CPAM's daily volume: a typo with three more zeros is refused, not planned for.
MAX_DAILY_VOLUME = 100_000


class HorizonForm(forms.Form):
    """The days shown: from a local day (today by default), for a number of days (7 by default)."""

    start = forms.DateField(
        validators=[check_plain_date], label=_("From"), required=False, widget=DateInput()
    )
    days = forms.IntegerField(
        label=_("Days"), required=False, min_value=1, max_value=MAX_HORIZON_DAYS
    )

    def __init__(self, data: QueryDict | None = None, *, today: date, **kwargs):
        # Bound with the defaults filled in: the form shows the horizon in effect.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("start"):
            data["start"] = today.isoformat()
        if not data.get("days"):
            data["days"] = str(DEFAULT_HORIZON_DAYS)
        super().__init__(data, **kwargs)

    def horizon(self) -> tuple[date, int]:
        return self.cleaned_data["start"], self.cleaned_data["days"]


class StaffingParametersForm(forms.ModelForm):
    class Meta:
        model = StaffingParameters
        fields = [
            "index_handle_minutes",
            "contact_handle_minutes",
            "use_observed_handle_times",
            "attempts_per_contact",
            "unanswered_attempt_minutes",
            "occupancy",
            "shrinkage",
            "paid_hours_per_day",
        ]

    def clean_index_handle_minutes(self) -> int:
        return _at_least_one_minute(self.cleaned_data["index_handle_minutes"])

    def clean_contact_handle_minutes(self) -> int:
        return _at_least_one_minute(self.cleaned_data["contact_handle_minutes"])


def _at_least_one_minute(value: int) -> int:
    if value < 1:
        raise ValidationError(_("A call takes at least one minute."), code="min_value")
    return value


class VolumeForecastForm(forms.Form):
    """One language on one day: the patients zéro and contacts expected, or the observed average."""

    language = forms.CharField(widget=forms.HiddenInput)
    day = forms.DateField(validators=[check_plain_date], widget=forms.HiddenInput)
    index_cases = forms.IntegerField(
        label=_("Patients zéro"), required=False, min_value=0, max_value=MAX_DAILY_VOLUME
    )
    contacts = forms.IntegerField(
        label=_("Contacts"), required=False, min_value=0, max_value=MAX_DAILY_VOLUME
    )
    use_observed = forms.BooleanField(label=_("Use observed"), required=False)

    def __init__(self, *args, languages: dict[str, Language], days: list[date], **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = languages
        self.days = days

    def clean_language(self) -> Language:
        language = self.languages.get(self.cleaned_data["language"])
        if language is None:
            raise ValidationError(_("Unknown language."), code="invalid")
        return language

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        if day not in self.days:
            raise ValidationError(_("This day is outside the days shown."), code="invalid")
        return day

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("use_observed"):
            for name in ("index_cases", "contacts"):
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(
                        name,
                        ValidationError(
                            _("Enter a number, or tick “use observed”."), code="required"
                        ),
                    )
        return cleaned


class BaseVolumeForecastFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.errors:
                continue
            key = (form.cleaned_data["language"].code, form.cleaned_data["day"])
            if key in seen:
                raise ValidationError(
                    _("The same language and day appear twice."), code="duplicate"
                )
            seen.add(key)


def volume_forecast_formset(*, size: int):
    return forms.formset_factory(
        VolumeForecastForm,
        formset=BaseVolumeForecastFormSet,
        extra=0,
        max_num=size,
        validate_max=True,
        absolute_max=size,
    )


def horizon_days(start: date, days: int) -> list[date]:
    return [start + timedelta(days=offset) for offset in range(days)]
