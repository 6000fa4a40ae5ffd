"""Channel modes (issue 15): how a new contact is first told, and when an SMS may go.

- call-first: today's behaviour; the SMS is only the fallback at the deadline or after the
  maximum attempts;
- SMS-first: every new contact gets, at once, an SMS with their instructions and the callback
  number (a "first notice", which claims no call), and is called after;
- SMS-only: contacts whose exposure type the territory lists get that notice and no call; their
  task closes as notified by SMS when the message is sent. The other contacts are SMS-first.

Every SMS, notice or fallback, waits for the person's hours and the daily quota (sms_slots).
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F

from agents.models import Territory
from calls.models import CallTask, SmsMessage
from calls.services.fallback import fallback_body, sms_texts
from calls.services.sms_slots import SmsPlanner
from calls.sms import publish_sms
from cases.models import Exposure, Phone

Mode = Territory.ChannelMode


def sms_only_types(territory: Territory) -> set[str]:
    """Return the exposure types this territory notifies by SMS only (none unless in SMS-only
    mode)."""
    if territory.channel_mode != Mode.SMS_ONLY:
        return set()
    return set(territory.sms_only_exposure_types or [])


@transaction.atomic
def apply_channel_mode(*, tasks: list[CallTask], now: datetime) -> list[SmsMessage]:
    """Send the first notice of new contact calls as their territory's mode says (none in
    call-first), and take SMS-only contacts out of the agents' queue until their deadline
    (sending the notice closes them; unsent by then, the deadline's fallback and escalation
    apply); return the messages queued."""
    fresh = [
        t
        for t in tasks
        if t.reason == CallTask.Reason.CONTACT_NOTIFICATION
        and t.status == CallTask.Status.QUEUED
        and t.attempts == 0
    ]
    territories = {t.territory_id: t.territory for t in fresh}
    modes = {pk: territory.channel_mode for pk, territory in territories.items()}
    fresh = [t for t in fresh if modes[t.territory_id] != Mode.CALL_FIRST]
    if not fresh:
        return []
    exposure_types = dict(
        Exposure.objects.filter(pk__in=[t.exposure_id for t in fresh]).values_list(
            "pk", "exposure_type"
        )
    )
    phones: dict[int, str] = {}
    for person_id, number in (
        Phone.objects.in_service()
        .filter(person_id__in={t.person_id for t in fresh})
        .order_by("person_id", "position")
        .values_list("person_id", "number")
    ):
        phones.setdefault(person_id, number)
    already = set(
        SmsMessage.objects.filter(
            task_id__in=[t.pk for t in fresh], kind=SmsMessage.Kind.NOTICE
        ).values_list("task_id", flat=True)
    )
    planner = SmsPlanner(now=now)
    texts = sms_texts()
    messages, sms_only_ids = [], []
    for task in fresh:
        # No mobile: nothing to send, the call stays the channel (and escalation behind it).
        if task.pk in already or task.person_id not in phones:
            continue
        only_types = sms_only_types(territories[task.territory_id])
        only = exposure_types.get(task.exposure_id) in only_types
        slot = planner.slot(task.territory_id)
        messages.append(
            SmsMessage(
                task=task,
                kind=SmsMessage.Kind.NOTICE,
                phone=phones[task.person_id],
                body=fallback_body(task, SmsMessage.Wording.FIRST_NOTICE, texts),
                wording=SmsMessage.Wording.FIRST_NOTICE,
                created_at=now,
                next_attempt_at=slot.due_at,
                planned_on=slot.planned_on,
                held=slot.held,
                closes_task=only,
            )
        )
        if only:
            sms_only_ids.append(task.pk)
    SmsMessage.objects.bulk_create(messages, ignore_conflicts=True)
    if sms_only_ids:
        # Not offered to agents: the SMS is this contact's channel. Past the deadline unsent (a
        # long quota wait, a failing gateway), the deadline sweep treats it like any other call.
        CallTask.objects.filter(pk__in=sms_only_ids, status=CallTask.Status.QUEUED).update(
            not_before=F("deadline_at")
        )
    for sms in SmsMessage.objects.filter(
        task_id__in=[m.task_id for m in messages],
        kind=SmsMessage.Kind.NOTICE,
        status=SmsMessage.Status.QUEUED,
        next_attempt_at__isnull=True,
    ).values_list("pk", flat=True):
        publish_sms(sms)
    return messages
