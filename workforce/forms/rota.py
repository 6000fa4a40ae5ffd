"""Forms of the rota pages: they read and check what admins type; the rota services do the
writing."""

from datetime import date, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, OpeningHours, Plateau, Territory
from common.bounds import check_plain_date
from common.widgets import DateInput, MonthInput, TimeInput
from workforce.models.rota import ShiftPattern


def _time_field(label, *, required: bool = True) -> forms.TimeField:
    return forms.TimeField(label=label, required=required, widget=TimeInput())


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _check_times(
    form: forms.Form, starts_at: time | None, ends_at: time | None, break_minutes: int | None
) -> None:
    if starts_at and ends_at:
        if starts_at >= ends_at:
            form.add_error("ends_at", _("The shift must end after it starts."))
        elif break_minutes and break_minutes >= _minutes(ends_at) - _minutes(starts_at):
            form.add_error("break_minutes", _("The break must be shorter than the shift."))


class OpeningHoursForm(forms.Form):
    """The opening hours of the seven weekdays and of public holidays: opens, closes, or closed."""

    def __init__(self, data=None, *, hours: dict[int, OpeningHours], **kwargs):
        super().__init__(data, **kwargs)
        for weekday, _label in OpeningHours.Day.choices:
            row = hours.get(weekday)
            self.fields[f"closed_{weekday}"] = forms.BooleanField(
                label=_("Closed"), required=False, initial=row is None
            )
            self.fields[f"opens_{weekday}"] = _time_field(_("Opens at"), required=False)
            self.fields[f"closes_{weekday}"] = _time_field(_("Closes at"), required=False)
            if row is not None:
                self.fields[f"opens_{weekday}"].initial = row.opens_at
                self.fields[f"closes_{weekday}"].initial = row.closes_at

    def days(self) -> list[tuple[str, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (label, self[f"closed_{d}"], self[f"opens_{d}"], self[f"closes_{d}"])
            for d, label in OpeningHours.Day.choices
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        for weekday, _label in OpeningHours.Day.choices:
            if cleaned.get(f"closed_{weekday}"):
                continue
            opens, closes = cleaned.get(f"opens_{weekday}"), cleaned.get(f"closes_{weekday}")
            if f"opens_{weekday}" in self.errors or f"closes_{weekday}" in self.errors:
                continue
            if opens is None:
                self.add_error(f"opens_{weekday}", _("Give the opening time, or tick Closed."))
            if closes is None:
                self.add_error(f"closes_{weekday}", _("Give the closing time, or tick Closed."))
            if opens and closes and opens >= closes:
                self.add_error(f"closes_{weekday}", _("The floor must close after it opens."))
        return cleaned

    def hours(self) -> dict[int, tuple[time, time] | None]:
        return {
            weekday: None
            if self.cleaned_data[f"closed_{weekday}"]
            else (self.cleaned_data[f"opens_{weekday}"], self.cleaned_data[f"closes_{weekday}"])
            for weekday, _label in OpeningHours.Day.choices
        }


class ShiftPatternForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    starts_at = _time_field(_("Starts at"))
    ends_at = _time_field(_("Ends at"))
    break_minutes = forms.IntegerField(
        label=_("Unpaid break (minutes)"), min_value=0, max_value=600, initial=0
    )

    def __init__(self, data=None, *, territory: Territory, **kwargs):
        super().__init__(data, **kwargs)
        self.territory = territory

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if ShiftPattern.objects.filter(territory=self.territory, name=name).exists():
            raise ValidationError(
                _("A shift pattern with this name already exists."), code="unique"
            )
        return name

    def clean(self) -> dict:
        cleaned = super().clean()
        _check_times(
            self, cleaned.get("starts_at"), cleaned.get("ends_at"), cleaned.get("break_minutes")
        )
        return cleaned


def _agent_field(territory: Territory) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Agent.objects.filter(territory=territory, user__is_active=True).select_related(
            "user"
        ),
        label=_("Agent"),
    )


def _pattern_field(territory: Territory, *, required: bool) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=ShiftPattern.objects.filter(territory=territory),
        required=required,
        label=_("Shift pattern"),
        empty_label=_("— times below —") if not required else "---------",
    )


class AssignShiftForm(forms.Form):
    """One shift: a pattern, or a start and an end (with a break)."""

    agent = forms.ModelChoiceField(queryset=Agent.objects.none(), label=_("Agent"))
    day = forms.DateField(validators=[check_plain_date], label=_("Day"), widget=DateInput())
    pattern = forms.ModelChoiceField(queryset=ShiftPattern.objects.none(), required=False)
    starts_at = _time_field(_("Starts at"), required=False)
    ends_at = _time_field(_("Ends at"), required=False)
    break_minutes = forms.IntegerField(
        label=_("Unpaid break (minutes)"), min_value=0, max_value=600, required=False
    )

    def __init__(self, data=None, *, plateau: Plateau, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["agent"] = _agent_field(plateau.territory)
        self.fields["pattern"] = _pattern_field(plateau.territory, required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        pattern = cleaned.get("pattern")
        if pattern is not None:
            cleaned["starts_at"], cleaned["ends_at"] = pattern.starts_at, pattern.ends_at
            if cleaned.get("break_minutes") is None:
                cleaned["break_minutes"] = pattern.break_minutes
            return cleaned
        if "starts_at" not in self.errors and cleaned.get("starts_at") is None:
            self.add_error("starts_at", _("Choose a shift pattern, or give the start and end."))
        if "ends_at" not in self.errors and cleaned.get("ends_at") is None:
            self.add_error("ends_at", _("Choose a shift pattern, or give the start and end."))
        cleaned["break_minutes"] = cleaned.get("break_minutes") or 0
        _check_times(
            self, cleaned.get("starts_at"), cleaned.get("ends_at"), cleaned["break_minutes"]
        )
        return cleaned

    def shift(self) -> dict:
        data = self.cleaned_data
        return {
            key: data[key]
            for key in ("agent", "day", "starts_at", "ends_at", "break_minutes", "pattern")
        }


class ApplyPatternForm(forms.Form):
    """A pattern put on chosen days of the week shown."""

    agent = forms.ModelChoiceField(queryset=Agent.objects.none(), label=_("Agent"))
    pattern = forms.ModelChoiceField(queryset=ShiftPattern.objects.none())
    days = forms.TypedMultipleChoiceField(
        label=_("Days"),
        choices=OpeningHours.Day.choices[:7],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4],
    )
    week = forms.DateField(validators=[check_plain_date], widget=forms.HiddenInput)

    def __init__(self, data=None, *, plateau: Plateau, week_start: date | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["agent"] = _agent_field(plateau.territory)
        self.fields["pattern"] = _pattern_field(plateau.territory, required=True)
        if week_start is not None:
            self.fields["week"].initial = week_start


class AdherenceForm(forms.Form):
    plateau = forms.ModelChoiceField(
        queryset=Plateau.objects.none(), label=_("Plateau"), empty_label=None
    )
    day = forms.DateField(validators=[check_plain_date], label=_("Day"), widget=DateInput())

    def __init__(self, data=None, *, user, today: date, **kwargs):
        data = data.copy() if data is not None else {}
        plateaux = Plateau.objects.for_user(user).select_related("territory")
        if not data.get("day"):
            data["day"] = today.isoformat()
        if not data.get("plateau"):
            first = plateaux.first()
            data["plateau"] = str(first.pk) if first else ""
        super().__init__(data, **kwargs)
        self.fields["plateau"].queryset = plateaux


class PayrollForm(forms.Form):
    month = forms.DateField(
        validators=[check_plain_date],
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=MonthInput(),
    )

    def __init__(self, data=None, *, today: date, **kwargs):
        data = data.copy() if data is not None else {}
        if not data.get("month"):
            data["month"] = f"{today:%Y-%m}"
        super().__init__(data, **kwargs)
