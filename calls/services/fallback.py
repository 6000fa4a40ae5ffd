"""The fallback channel and escalation: nothing silently misses its deadline."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from calls.models import CallTask, SmsMessage
from calls.sms import send_sms


def fallback_body(task: CallTask) -> str:
    # The text is in French: the fallback reaches people the call could not, whatever their
    # language.
    with translation.override("fr"):
        if task.reason == CallTask.Reason.INDEX_INTERVIEW:
            text = _(
                "Assurance Maladie: your test for Covid-19 is positive. We tried to call you. "
                "Please isolate and call us back at %(number)s."
            )
        else:
            text = _(
                "Assurance Maladie: you have been in contact with a person who has Covid-19. "
                "We tried to call you. "
                "Please get tested, limit your contacts and call us back at %(number)s."
            )
    return text % {"number": settings.CALLBACK_NUMBER}


@transaction.atomic
def queue_fallback_sms(*, task: CallTask, now: datetime) -> SmsMessage | None:
    """Queue the fallback SMS of a task, once ever; None when it has no mobile or had one
    already."""
    numbers = list(
        task.person.phones.in_service().order_by("position").values_list("number", flat=True)
    )
    if not numbers:
        return None
    # A unique constraint holds "once": a second sweep, or two at once, find the first message.
    sms, created = SmsMessage.objects.get_or_create(
        task=task,
        kind=SmsMessage.Kind.FALLBACK,
        defaults={"phone": numbers[0], "body": fallback_body(task), "created_at": now},
    )
    if not created:
        return None
    send_sms.delay_on_commit(sms.pk)
    return sms


@transaction.atomic
def escalate(*, task: CallTask, reason: str, now: datetime) -> CallTask:
    """Put a task on the supervisors' escalation list, out of the agents' queue."""
    CallTask.objects.filter(pk=task.pk).update(
        status=CallTask.Status.ESCALATED,
        escalation_reason=reason,
        escalated_at=now,
        lease_holder=None,
        lease_expires_at=None,
        reserved_for=None,
    )
    task.status, task.escalation_reason, task.escalated_at = CallTask.Status.ESCALATED, reason, now
    task.lease_holder, task.lease_expires_at, task.reserved_for = None, None, None
    return task
