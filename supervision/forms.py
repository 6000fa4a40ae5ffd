"""Filters of the supervisors' boards and reports: read from the query string, checked, never a
500."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agents.models import Language, Team, Territory
from calls.models import CallTask
from calls.services.messages import MAX_BODY_CHARS, message_body_problem
from cases.models import Cluster, Exposure
from common.bounds import check_plain_date, parse_bounded_date
from common.widgets import DateInput
from supervision.selectors.audit import MAX_DAYS
from supervision.selectors.messages import Recipients, find_recipients

# A longer range is a query over years of rows for a page nobody reads to the end.
MAX_RANGE_DAYS = 366


def _territory_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Territory.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All territories"),
        label=_("Territory"),
    )


class TerritoryFilterForm(forms.Form):
    """The territory filter: only a superuser chooses one; everyone else sees their own."""

    territory = _territory_field()

    def __init__(self, data: QueryDict | None = None, *, user, **kwargs):
        super().__init__(data if data is not None else QueryDict(), **kwargs)
        if not user.is_superuser:
            del self.fields["territory"]

    def selected_territory(self) -> Territory | None:
        return self.cleaned_data.get("territory")


class DateRangeForm(TerritoryFilterForm):
    """A range of local days, the last `default_days` up to today unless the user chose one."""

    default_days = 14

    start = forms.DateField(
        validators=[check_plain_date], label=_("From"), required=False, widget=DateInput()
    )
    end = forms.DateField(
        validators=[check_plain_date], label=_("To"), required=False, widget=DateInput()
    )

    field_order = ["start", "end", "territory"]

    def __init__(self, data: QueryDict | None = None, *, user, today: date, **kwargs):
        # Bound with the defaults filled in: the form shows the range in effect.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("end"):
            data["end"] = today.isoformat()
        if not data.get("start"):
            end = parse_bounded_date(data["end"]) or today
            data["start"] = (end - timedelta(days=self.default_days - 1)).isoformat()
        super().__init__(data, user=user, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise ValidationError(
                    _("The start of the range is after its end."), code="reversed"
                )
            if (end - start).days + 1 > MAX_RANGE_DAYS:
                raise ValidationError(
                    _("Choose a range of at most %(days)s days."),
                    code="too_long",
                    params={"days": MAX_RANGE_DAYS},
                )
        return cleaned

    def filters(self) -> dict:
        return {
            "start": self.cleaned_data["start"],
            "end": self.cleaned_data["end"],
            "territory": self.selected_territory(),
        }


class SlaReportForm(DateRangeForm):
    default_days = 14


class ProductivityReportForm(DateRangeForm):
    default_days = 7

    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label=_("All teams"), label=_("Team")
    )

    field_order = ["start", "end", "territory", "team"]

    def __init__(self, data: QueryDict | None = None, *, user, today: date, **kwargs):
        super().__init__(data, user=user, today=today, **kwargs)
        self.fields["team"].queryset = Team.objects.for_user(user).select_related("plateau")

    def filters(self) -> dict:
        return {**super().filters(), "team": self.cleaned_data.get("team")}


class EscalationFilterForm(forms.Form):
    """The escalations page's filters: why a call was escalated, its language, how late it is.
    A value the form cannot read is ignored (all calls), never a 500."""

    AGE_CHOICES = [
        ("", _("Any age")),
        ("due", _("Deadline still ahead")),
        ("day", _("Late by less than 24 h")),
        ("days", _("Late by 1 to 3 days")),
        ("older", _("Late by more than 3 days")),
    ]

    reason = forms.ChoiceField(
        label=_("Escalated because"),
        required=False,
        choices=[("", _("Any reason")), *CallTask.Escalation.choices],
    )
    language = forms.ModelChoiceField(
        label=_("Language"),
        queryset=Language.objects.all(),
        required=False,
        empty_label=_("All languages"),
    )
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGE_CHOICES)

    def __init__(self, data: QueryDict | None = None, **kwargs):
        super().__init__(data if data is not None else QueryDict(), **kwargs)

    def filters(self) -> dict:
        """Return the filters in effect: those the form could read."""
        if self.is_valid():
            return {name: value for name, value in self.cleaned_data.items() if value}
        return {}


class AuditFilterForm(forms.Form):
    person = forms.CharField(label=_("Person (id or name)"), required=False)
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    start = forms.DateField(
        validators=[check_plain_date], label=_("From"), required=False, widget=DateInput()
    )
    end = forms.DateField(
        validators=[check_plain_date], label=_("To"), required=False, widget=DateInput()
    )

    def clean(self) -> dict:
        data = super().clean()
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=30)
        if start > end or (end - start).days > MAX_DAYS:
            raise forms.ValidationError(
                gettext("Choose a period of at most a year, from before to.")
            )
        data["start"], data["end"] = start, end
        return data

    def period(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        return (
            datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
        )


class DeskMessageForm(forms.Form):
    """A message to desks: to whom (one agent, a team, a plateau, the territory) and what."""

    to = forms.CharField(label=_("Send to"), widget=forms.Select)
    body = forms.CharField(
        label=_("Message"),
        # Its bounds (not empty, MAX_BODY_CHARS) are the service's rule, read in clean_body.
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on each recipient's desk until they mark it read."),
    )

    def __init__(self, data=None, *, user, choices: list, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["to"].widget.choices = choices
        # The browser stops at the bound; the server says it in words (one rule: the service's).
        self.fields["body"].widget.attrs["maxlength"] = MAX_BODY_CHARS

    def clean_to(self) -> Recipients:
        recipients = find_recipients(user=self.user, to=self.cleaned_data["to"])
        if recipients is None:
            raise ValidationError(gettext("Choose who receives the message."), code="invalid")
        return recipients

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        problem = message_body_problem(body)
        if problem is not None:
            raise ValidationError(problem, code="invalid")
        return body


class ChannelModeForm(forms.Form):
    """A territory's channel mode, the exposure types notified by SMS only and the SMS quota."""

    mode = forms.ChoiceField(
        label=_("Channel mode"), choices=Territory.ChannelMode.choices, widget=forms.RadioSelect
    )
    sms_only_exposure_types = forms.MultipleChoiceField(
        label=_("Contacts notified by SMS only (SMS-only mode)"),
        choices=Exposure.Type.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sms_daily_quota = forms.IntegerField(
        label=_("SMS per day"),
        min_value=1,
        max_value=10_000_000,
        help_text=_("Past it, messages wait for the next day; supervisors see them waiting."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("mode") == Territory.ChannelMode.SMS_ONLY and not data.get(
            "sms_only_exposure_types"
        ):
            self.add_error(
                "sms_only_exposure_types",
                _("Choose the contacts notified by SMS only, or another mode."),
            )
        return data


class ClusterFilterForm(forms.Form):
    """The cluster list's filter: one status, or all."""

    status = forms.ChoiceField(
        choices=[("", _("All statuses"))] + Cluster.Status.choices,
        required=False,
        label=_("Status"),
    )

    def selected_status(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""


class ClusterReasonForm(forms.Form):
    """Why the ARS closes a cluster or returns it to the CPAM."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Read by the CPAM's admins: no names, please."),
    )
