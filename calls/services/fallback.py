"""The fallback channel and escalation: nothing silently misses its deadline."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from calls.models import CallTask, SmsMessage, SmsTemplate, TaskEvent
from calls.services.sms_slots import SmsPlanner
from calls.sms import publish_sms

Reason, Wording = CallTask.Reason, SmsMessage.Wording

# A booked callback counts as missed once its time is this far behind with no call made: until
# then the deadline's SMS waits for it (a booked callback is never pre-empted by the deadline).
# A follow-up booked after the notification is due by its callback time plus this much.
CALLBACK_GRACE = timedelta(hours=1)

# What the SMS says depends on what happened, and says nothing that is not true: "we tried to
# call you" only after a call was made, "we could not call you back" only after a callback was
# booked and not made. The texts are data (SmsTemplate, per language, seeded from these); these
# stay as the last resort when the data has no French text for a case.
_TEXTS: dict[tuple[str, str], Promise] = {
    (Reason.INDEX_INTERVIEW, Wording.CALLED): _(
        "Assurance Maladie: your test for Covid-19 is positive. We tried to call you. "
        "Please isolate and call us back at %(number)s."
    ),
    (Reason.INDEX_INTERVIEW, Wording.NOT_CALLED): _(
        "Assurance Maladie: your test for Covid-19 is positive. We have not been able to call "
        "you yet. Please isolate and call us at %(number)s."
    ),
    (Reason.INDEX_INTERVIEW, Wording.CALLBACK_MISSED): _(
        "Assurance Maladie: your test for Covid-19 is positive. We could not call you back at "
        "the time agreed. Please isolate and call us at %(number)s."
    ),
    (Reason.CONTACT_NOTIFICATION, Wording.CALLED): _(
        "Assurance Maladie: you have been in contact with a person who has Covid-19. "
        "We tried to call you. "
        "Please get tested, limit your contacts and call us back at %(number)s."
    ),
    (Reason.CONTACT_NOTIFICATION, Wording.NOT_CALLED): _(
        "Assurance Maladie: you have been in contact with a person who has Covid-19. We have "
        "not been able to call you yet. Please get tested, limit your contacts and call us at "
        "%(number)s."
    ),
    (Reason.CONTACT_NOTIFICATION, Wording.CALLBACK_MISSED): _(
        "Assurance Maladie: you have been in contact with a person who has Covid-19. We could "
        "not call you back at the time agreed. Please get tested, limit your contacts and call "
        "us at %(number)s."
    ),
    # The SMS-first notice goes before any call: instructions and the number, no claim of a call.
    (Reason.CONTACT_NOTIFICATION, Wording.FIRST_NOTICE): _(
        "Assurance Maladie: you have been in contact with a person who has Covid-19. "
        "Please get tested, limit your contacts and call us at %(number)s for your "
        "instructions."
    ),
    (Reason.FOLLOW_UP, Wording.CALLED): _(
        "Assurance Maladie: we tried to call you for your Covid-19 follow-up. "
        "Please call us back at %(number)s."
    ),
    (Reason.FOLLOW_UP, Wording.NOT_CALLED): _(
        "Assurance Maladie: we have not been able to call you yet for your Covid-19 follow-up. "
        "Please call us at %(number)s."
    ),
    (Reason.FOLLOW_UP, Wording.CALLBACK_MISSED): _(
        "Assurance Maladie: we could not call you back at the time agreed for your Covid-19 "
        "follow-up. Please call us at %(number)s."
    ),
}


def fallback_wording(task: CallTask) -> str:
    """Say what happened to the task, for its SMS: a callback booked and not made, calls made
    without reaching the person, or no call yet."""
    if task.callback_at is not None:
        return Wording.CALLBACK_MISSED
    if task.attempts:
        return Wording.CALLED
    return Wording.NOT_CALLED


SmsTexts = dict[tuple[str, str, str], str]


def sms_texts() -> SmsTexts:
    """Every SMS template, by (language, reason, wording): a small table, read in one query."""
    return {
        (language, reason, wording): body
        for language, reason, wording, body in SmsTemplate.objects.values_list(
            "language_id", "reason", "wording", "body"
        )
    }


def fallback_body(task: CallTask, wording: str | None = None, texts: SmsTexts | None = None) -> str:
    """Return the SMS text of a task in the person's language (the call's) when it has a
    template, in French otherwise (`texts`: sms_texts(), passed in by a caller writing many)."""
    wording = wording or fallback_wording(task)
    texts = sms_texts() if texts is None else texts
    language = task.language_id
    body = texts.get((language, task.reason, wording)) or texts.get(("fr", task.reason, wording))
    if body is None:
        with translation.override("fr"):
            body = str(_TEXTS[(task.reason, wording)])
    return body % {"number": settings.CALLBACK_NUMBER}


@transaction.atomic
def queue_fallback_sms(*, task: CallTask, now: datetime) -> SmsMessage | None:
    """Queue the fallback SMS of a task, once ever; None when it has no mobile or had one
    already."""
    numbers = list(
        task.person.phones.in_service().order_by("position").values_list("number", flat=True)
    )
    if not numbers:
        return None
    wording = fallback_wording(task)
    if SmsMessage.objects.filter(task=task, kind=SmsMessage.Kind.FALLBACK).exists():
        return None
    slot = SmsPlanner(now=now).slot(task.territory_id)
    # A unique constraint holds "once": a second sweep, or two at once, find the first message.
    sms, created = SmsMessage.objects.get_or_create(
        task=task,
        kind=SmsMessage.Kind.FALLBACK,
        defaults={
            "phone": numbers[0],
            "body": fallback_body(task, wording),
            "wording": wording,
            "created_at": now,
            "next_attempt_at": slot.due_at,
            "planned_on": slot.planned_on,
            "held": slot.held,
        },
    )
    if not created:
        return None
    if slot.due_at is None:
        publish_sms(sms.pk)
    return sms


@transaction.atomic
def escalate(*, task: CallTask, reason: str, now: datetime, by_id: int | None = None) -> CallTask:
    """Put a task on the supervisors' escalation list, out of the agents' queue, and log it
    (by_id: the user whose action escalated it; None for the sweeps)."""
    from_status = task.status
    CallTask.objects.filter(pk=task.pk).update(
        status=CallTask.Status.ESCALATED,
        escalation_reason=reason,
        escalated_at=now,
        lease_holder=None,
        lease_expires_at=None,
        reserved_for=None,
        callback_at=None,
    )
    TaskEvent.objects.create(
        task_id=task.pk,
        kind=TaskEvent.Kind.ESCALATED,
        from_status=from_status,
        to_status=CallTask.Status.ESCALATED,
        by_id=by_id,
        reason=reason,
        at=now,
    )
    task.status, task.escalation_reason, task.escalated_at = CallTask.Status.ESCALATED, reason, now
    task.lease_holder, task.lease_expires_at, task.reserved_for = None, None, None
    task.callback_at = None
    return task


@transaction.atomic
def retry_failed_sms(*, sms_id: int) -> bool:
    """Queue again a message that failed after every try (a supervisor's action, once the
    gateway or the number is fixed); False when it is not failed (any more)."""
    retried = SmsMessage.objects.filter(pk=sms_id, status=SmsMessage.Status.FAILED).update(
        status=SmsMessage.Status.QUEUED, attempts=0, next_attempt_at=None, claimed_at=None
    )
    if retried:
        publish_sms(sms_id)
    return bool(retried)
