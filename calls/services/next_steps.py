"""What an outcome did to its call, as the service that decided it: the desk says it in words.

The retry rules decide what happens after a call (closed, next attempt, callback, SMS,
escalation). The agent must read that decision, not a guess of it made again by a view: the
service returns a NextStep and the desk renders its message().
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agents.models import Language
from calls.models import CallAttempt, CallTask
from common.phones import display_for


class Kind:
    DONE = "done"  # reached: the call is over for good
    CLOSED = "closed"  # closed without reaching (refused, not concerned)
    RETRY = "retry"  # back in the queue, now or from a time
    CALLBACK = "callback"  # a callback booked with the person
    LANGUAGE = "language"  # back in the queue for an agent speaking the person's language
    ESCALATED = "escalated"  # on the supervisors' list


class Sms:
    QUEUED = "queued"  # written to the outbox now: the worker sends it
    SENT_BEFORE = "sent_before"  # one fallback SMS per call, and it went out before
    NO_NUMBER = "no_number"  # no number in service to text


@dataclass(frozen=True)
class NextStep:
    """What happens next to a call whose outcome was just recorded."""

    kind: str
    zone: zoneinfo.ZoneInfo
    now: datetime
    # The territory's phone region: its own numbers are said in national form (06 12 …).
    region: str = "FR"
    # The next attempt's earliest time, the callback's or the follow-up's time.
    at: datetime | None = None
    # The number the next attempt dials, when the rule moved on to another one.
    next_phone: str = ""
    # A wrong number taken out of service.
    retired_phone: str = ""
    callback_for_all: bool = False
    language: Language | None = None
    escalation_reason: str = ""
    closed_reason: str = ""
    attempts: int = 0
    sms: str = ""
    sms_phone: str = ""
    # Reached and notified: a follow-up call booked at `at`.
    follow_up: bool = False
    # An outcome that needs a conversation, recorded without « Answered »: no talk time.
    talk_not_marked: bool = False

    def _when(self, moment: datetime) -> str:
        local = timezone.localtime(moment, self.zone)
        if local.date() == timezone.localtime(self.now, self.zone).date():
            return date_format(local, "H:i")
        return date_format(local, "SHORT_DATETIME_FORMAT")

    def _phone(self, number: str) -> str:
        return display_for(number, self.region)

    def message(self) -> str:
        """Say in words what happens next, then what the agent must know of her own call."""
        parts = [self._what_next()]
        if self.sms == Sms.QUEUED:
            parts.append(_("SMS queued for %(phone)s.") % {"phone": self._phone(self.sms_phone)})
        elif self.sms == Sms.SENT_BEFORE:
            parts.append(_("No new SMS: the person was texted before."))
        elif self.sms == Sms.NO_NUMBER:
            parts.append(_("No SMS: no number in service."))
        if self.talk_not_marked:
            parts.append(
                _(
                    "Talk time not counted: « Answered » was not clicked. It is recorded as "
                    "not marked."
                )
            )
        return " ".join(parts)

    def _what_next(self) -> str:
        if self.kind == Kind.DONE:
            if self.follow_up and self.at is not None:
                return _("Closed: reached. Follow-up call booked for %(when)s.") % {
                    "when": self._when(self.at)
                }
            return _("Closed: reached.")
        if self.kind == Kind.CLOSED:
            label = CallTask.ClosedReason(self.closed_reason).label if self.closed_reason else ""
            if label:
                return _("Closed: %(reason)s.") % {"reason": str(label).lower()}
            return _("Closed.")
        if self.kind == Kind.CALLBACK and self.at is not None:
            if self.callback_for_all:
                text = _("Callback booked for %(when)s, open to all agents.")
            else:
                text = _("Callback booked for %(when)s, owned by you.")
            return text % {"when": self._when(self.at)}
        if self.kind == Kind.LANGUAGE:
            return _("Back in the queue now for an agent who speaks %(language)s.") % {
                "language": self.language
            }
        if self.kind == Kind.ESCALATED:
            return self._escalated()
        # A retry: now or later, on the same number or the next one.
        lead = self._retired()
        if self.at is not None and self.at > self.now:
            if self.next_phone:
                text = _("Next attempt at %(when)s, on %(phone)s.")
            else:
                text = _("Next attempt at %(when)s.")
            when = self._when(self.at)
        else:
            if self.next_phone:
                text = _("Back in the queue now, next attempt on %(phone)s.")
            else:
                text = _("Back in the queue now.")
            when = ""
        phone = self._phone(self.next_phone) if self.next_phone else ""
        return lead + text % {"when": when, "phone": phone}

    def _retired(self) -> str:
        if not self.retired_phone:
            return ""
        return (
            _("%(phone)s taken out of service.") % {"phone": self._phone(self.retired_phone)} + " "
        )

    def _escalated(self) -> str:
        Escalation = CallTask.Escalation
        lead = self._retired()
        if self.escalation_reason == Escalation.NO_PHONE:
            return lead + _("Escalated to the supervisor because no other number is left.")
        if self.escalation_reason == Escalation.LANGUAGE:
            return lead + _("Escalated to the supervisor because the person's language is unknown.")
        if self.escalation_reason == Escalation.MAX_ATTEMPTS:
            return lead + _(
                "Escalated to the supervisor because the maximum of %(count)s attempts is reached."
            ) % {"count": self.attempts}
        return lead + _("Escalated to the supervisor.")


@dataclass(frozen=True)
class RecordedCall:
    """A call's outcome as recorded: its attempt row, and what happens next to its task."""

    attempt: CallAttempt
    next_step: NextStep
