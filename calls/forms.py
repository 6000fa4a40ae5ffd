"""Forms of the desk: they read and check what the agent types; services do the writing."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.access import territory_today
from agents.forms import LanguageChoiceField
from agents.models import Agent, PauseReason
from calls.models import CallAttempt, CallTask
from calls.services.outcomes import callback_time_problem
from cases.models import Exposure, IndexCase, Person
from cases.services import isolation_rules_on
from common.bounds import check_exposure_date, check_onset_date, check_plain_moment
from common.widgets import DateInput, DateTimeLocalInput

Outcome = CallAttempt.Outcome

CALLBACK_MINE = "mine"
CALLBACK_ALL = "all"


class StatusForm(forms.Form):
    """The statuses an agent sets by hand; on call and wrap-up follow from the calls themselves."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (s.value, s.label)
            for s in (Agent.Status.READY, Agent.Status.PAUSED, Agent.Status.OFFLINE)
        ],
    )
    pause_reason = forms.ModelChoiceField(
        queryset=PauseReason.objects.filter(active=True),
        required=False,
        label=_("Pause reason"),
        empty_label="—",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Agent.Status.PAUSED:
            if cleaned.get("pause_reason") is None and "pause_reason" not in self.errors:
                self.add_error("pause_reason", _("Choose the reason for your pause."))
        else:
            cleaned["pause_reason"] = None
        return cleaned


class DialForm(forms.Form):
    """A number to dial: only one of the person's numbers in service."""

    number = forms.ChoiceField(label=_("Number"))

    def __init__(self, *args, numbers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = [(n, n) for n in numbers]


class OutcomeForm(forms.Form):
    """How the call ended. The callback time is typed in the person's local time."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    callback_at = forms.DateTimeField(
        label=_("Call back at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
    )
    callback_for = forms.ChoiceField(
        label=_("Callback owner"),
        choices=[(CALLBACK_MINE, _("Owned by me")), (CALLBACK_ALL, _("Open to all"))],
        initial=CALLBACK_MINE,
        required=False,
        widget=forms.RadioSelect,
    )
    notification_given = forms.BooleanField(
        label=_("The notification was given during the call"),
        required=False,
        help_text=_(
            "The person counts as reached, and the callback is a follow-up: it may then come "
            "after the deadline."
        ),
    )
    language = LanguageChoiceField(
        label=_("Language the person speaks"),
        required=False,
        empty_label=_("Unknown"),
        help_text=_("Left unknown, the call goes to a supervisor."),
    )

    def __init__(self, *args, zone: zoneinfo.ZoneInfo, now: datetime, task: CallTask, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.now = now
        self.task = task
        self.fields["language"].pin_for(task.territory)

    def clean_callback_at(self) -> datetime | None:
        value = self.cleaned_data["callback_at"]
        if value is None:
            return None
        # The field read the wall time in the server's zone; the agent typed the person's.
        return timezone.make_aware(timezone.make_naive(value), self.zone)

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome == Outcome.CALLBACK:
            # A time the field could not read has its error already.
            if "callback_at" not in self.errors:
                problem = callback_time_problem(
                    callback_at=cleaned.get("callback_at"),
                    now=self.now,
                    task=self.task,
                    notification_given=bool(cleaned.get("notification_given")),
                )
                if problem:
                    self.add_error("callback_at", problem)
        else:
            cleaned["callback_at"] = None
            cleaned["notification_given"] = False
        if outcome != Outcome.LANGUAGE_BARRIER:
            cleaned["language"] = None
        return cleaned

    def callback_for_all(self) -> bool:
        return self.cleaned_data.get("callback_for") == CALLBACK_ALL

    @property
    def is_reached(self) -> bool:
        return self.is_bound and self.data.get(self.add_prefix("outcome")) == Outcome.REACHED

    @property
    def is_notified(self) -> bool:
        """Say whether the agent gave the notification: reached, or a callback after it."""
        return self.is_reached or (
            self.is_bound
            and self.data.get(self.add_prefix("outcome")) == Outcome.CALLBACK
            and bool(self.data.get(self.add_prefix("notification_given")))
        )


def _check_rules(form: forms.Form, today: date) -> None:
    if isolation_rules_on(day=today) is None:
        form.add_error(None, _("No isolation rules are in force today: ask your supervisor."))


class InterviewForm(forms.Form):
    """The patient zéro's answers; their contacts come in a formset beside it."""

    symptomatic = forms.BooleanField(label=_("Symptomatic"), required=False)
    symptom_onset_on = forms.DateField(
        label=_("Symptom onset date"), required=False, widget=DateInput()
    )
    consent_to_name = forms.BooleanField(
        label=_("Agrees to be named to their contacts"), required=False
    )
    support_needed = forms.BooleanField(
        label=_("Needs support (food, housing, care)"), required=False
    )

    def __init__(self, *args, index_case: IndexCase, now: datetime, **kwargs):
        kwargs.setdefault("prefix", "interview")
        kwargs.setdefault(
            "initial",
            {
                "symptomatic": index_case.symptom_onset_on is not None,
                "symptom_onset_on": index_case.symptom_onset_on,
            },
        )
        super().__init__(*args, **kwargs)
        self.today = territory_today(index_case.territory, now)

    def clean_symptom_onset_on(self) -> date | None:
        value = self.cleaned_data["symptom_onset_on"]
        return None if value is None else check_onset_date(value, today=self.today)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("symptomatic")
            and cleaned.get("symptom_onset_on") is None
            and "symptom_onset_on" not in self.errors
        ):
            self.add_error("symptom_onset_on", _("Give the date the symptoms began."))
        _check_rules(self, self.today)
        return cleaned


class NotificationForm(forms.Form):
    """What the contact confirms and needs."""

    last_exposure_date = forms.DateField(label=_("Last exposure date"), widget=DateInput())
    certificate_needed = forms.BooleanField(
        label=_("Needs an isolation certificate"), required=False
    )
    support_referral = forms.BooleanField(label=_("Refer for support"), required=False)

    def __init__(self, *args, exposure: Exposure, now: datetime, **kwargs):
        kwargs.setdefault("prefix", "notification")
        kwargs.setdefault("initial", {"last_exposure_date": exposure.last_exposure_date})
        super().__init__(*args, **kwargs)
        self.today = territory_today(exposure.index_case.territory, now)

    def clean_last_exposure_date(self) -> date:
        return check_exposure_date(self.cleaned_data["last_exposure_date"], today=self.today)

    def clean(self):
        cleaned = super().clean()
        _check_rules(self, self.today)
        return cleaned


class PeopleSearchForm(forms.Form):
    """The desk's search for the person who calls in."""

    q = forms.CharField(label=_("Phone, name or case reference"), max_length=100, min_length=2)


# An inbound call starts when the agent opens the person's file: the server's time, signed into
# the form. A form older than this was left open, and its call starts when it is sent.
INBOUND_OPENED_SALT = "calls.inbound.opened"
INBOUND_MAX_DURATION = timedelta(hours=2)


class InboundOutcomeForm(OutcomeForm):
    """How an inbound call ended: the outcomes possible with the person on the line."""

    opened = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        # An inbound call's callback is booked before the deadline: the notification, if given,
        # is recorded as reached.
        del self.fields["notification_given"]
        self.fields["outcome"].choices = [
            (value, label)
            for value, label in Outcome.choices
            if value in CallAttempt.INBOUND_OUTCOMES
        ]
        if not self.is_bound:
            self.initial["opened"] = signing.dumps(
                {"person": person.pk, "at": self.now.timestamp()}, salt=INBOUND_OPENED_SALT
            )

    def clean_opened(self) -> datetime | None:
        try:
            opened = signing.loads(
                self.cleaned_data["opened"],
                salt=INBOUND_OPENED_SALT,
                max_age=INBOUND_MAX_DURATION,
            )
        except signing.BadSignature:  # expired, altered or missing
            return None
        if not isinstance(opened, dict) or opened.get("person") != self.person.pk:
            return None
        return datetime.fromtimestamp(opened["at"], tz=UTC)


# --- Moves of a call outside the queue (the escalation lifecycle) -----------------------------


class AssignForm(forms.Form):
    """A named agent: of the call's territory or of one it lends its calls to."""

    agent = forms.ModelChoiceField(label=_("Agent"), queryset=Agent.objects.none())
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, task: CallTask, **kwargs):
        super().__init__(*args, **kwargs)
        territory_ids = [task.territory_id, *task.territory.lends_to.values_list("pk", flat=True)]
        self.fields["agent"].queryset = Agent.objects.filter(
            territory_id__in=territory_ids
        ).select_related("user")


class RequeueForm(forms.Form):
    """A new target time, typed in the person's local time; none: from now."""

    target_at = forms.DateTimeField(
        validators=[check_plain_moment],
        label=_("New target time"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, zone: zoneinfo.ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean_target_at(self) -> datetime | None:
        value = self.cleaned_data["target_at"]
        if value is None:
            return None
        # The field read the wall time in the server's zone; it was typed in the person's.
        return timezone.make_aware(timezone.make_naive(value), self.zone)


class CloseForm(forms.Form):
    """Why nobody will call."""

    reason = forms.ChoiceField(label=_("Reason"), choices=CallTask.STAFF_CLOSED_REASONS)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
