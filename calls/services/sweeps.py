"""The sweeps: due times live in rows, and beat runs these every 30-60 s (DESIGN.md §4).

Each sweep is one set-based transaction, conditional on the state it changes, so that running
it twice, or two at once, changes nothing the second time.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef

from agents.models import Agent
from calls.models import Assignment, CallTask, SmsMessage
from calls.services.fallback import fallback_body
from calls.sms import send_sms
from cases.models import Phone

Status = CallTask.Status

# A priority boost puts an at-risk task before others of the same deadline (the queue orders by
# deadline first, so it never overtakes an earlier deadline).
AT_RISK_PRIORITY_BOOST = 10


def _reached_for_same_reason() -> Exists:
    return Exists(
        CallTask.objects.filter(
            person_id=OuterRef("person_id"), reason=OuterRef("reason"), status=Status.DONE
        )
    )


@transaction.atomic
def expire_leases(*, now: datetime) -> int:
    """Give back to the queue the tasks whose lease has expired; return how many."""
    # Lock first, skipping rows a claim or an outcome holds: they lock tasks and assignments in
    # different orders, so waiting on one of them could deadlock. What is skipped now is swept
    # on the next run.
    assignment_ids = list(
        Assignment.objects.select_for_update(skip_locked=True)
        .filter(closed_at__isnull=True, lease_expires_at__lte=now)
        .values_list("pk", flat=True)
    )
    task_ids = list(
        CallTask.objects.select_for_update(skip_locked=True)
        .filter(status=Status.ASSIGNED, lease_expires_at__lte=now)
        .values_list("pk", flat=True)
    )
    Assignment.objects.filter(pk__in=assignment_ids).update(closed_at=now)
    return CallTask.objects.filter(pk__in=task_ids).update(
        status=Status.QUEUED, lease_holder=None, lease_expires_at=None
    )


@transaction.atomic
def release_callbacks(*, now: datetime) -> int:
    """Open to all agents the due callbacks whose owner is offline; return how many."""
    return CallTask.objects.filter(
        status=Status.QUEUED,
        reserved_for__isnull=False,
        not_before__lte=now,
        reserved_for__status=Agent.Status.OFFLINE,
    ).update(reserved_for=None)


@transaction.atomic
def flag_at_risk(*, now: datetime, batch_size: int = 5000) -> int:
    """Flag the queued tasks close to their deadline and raise their priority, once; return how
    many."""
    # In batches, most urgent first: after an outage or a mass import a single UPDATE of every
    # row could outlast the task's time limit, be killed, and never get done.
    due = CallTask.objects.filter(
        status=Status.QUEUED,
        at_risk_since__isnull=True,
        deadline_at__lte=now + timedelta(hours=settings.AT_RISK_HOURS),
    )
    batch = due.order_by("deadline_at").values("pk")[:batch_size]
    return due.filter(pk__in=batch).update(
        at_risk_since=now, priority=F("priority") + AT_RISK_PRIORITY_BOOST
    )


@transaction.atomic
def fallback_at_deadline(*, now: datetime, batch_size: int = 1000) -> int:
    """Text and escalate the queued tasks past their deadline, one SMS per task ever; return how
    many."""
    # Invariant 6. An assigned task is left alone: an agent is on the line, and their outcome
    # decides. Rows locked by a claim are skipped: they are being taken, or come back next run.
    # A person already reached for the reason gets no "we tried to call you":
    # close_reached_duplicates cancels that task, whichever of the two sweeps runs first.
    tasks = list(
        CallTask.objects.select_for_update(skip_locked=True)
        .filter(status=Status.QUEUED, deadline_at__lte=now)
        .exclude(_reached_for_same_reason())
        .annotate(
            has_sms=Exists(
                SmsMessage.objects.filter(task=OuterRef("pk"), kind=SmsMessage.Kind.FALLBACK)
            )
        )
        .order_by("deadline_at")[:batch_size]
    )
    if not tasks:
        return 0
    first_phones: dict[int, str] = {}
    for person_id, number in (
        Phone.objects.in_service()
        .filter(person_id__in={t.person_id for t in tasks if not t.has_sms})
        .order_by("person_id", "position")
        .values_list("person_id", "number")
    ):
        first_phones.setdefault(person_id, number)
    messages = [
        SmsMessage(
            task=t,
            kind=SmsMessage.Kind.FALLBACK,
            phone=first_phones[t.person_id],
            body=fallback_body(t),
            created_at=now,
        )
        for t in tasks
        if not t.has_sms and t.person_id in first_phones
    ]
    # The unique constraint (task, kind) is the last word on "once": a message queued by a
    # concurrent outcome is ignored here, and only messages still queued are sent (send_sms
    # claims each one before sending, so a second enqueue would send nothing either).
    SmsMessage.objects.bulk_create(messages, ignore_conflicts=True)
    sms_ids = list(
        SmsMessage.objects.filter(
            task_id__in=[m.task_id for m in messages],
            kind=SmsMessage.Kind.FALLBACK,
            status=SmsMessage.Status.QUEUED,
        ).values_list("pk", flat=True)
    )
    escalated = CallTask.objects.filter(pk__in=[t.pk for t in tasks], status=Status.QUEUED).update(
        status=Status.ESCALATED,
        escalation_reason=CallTask.Escalation.DEADLINE,
        escalated_at=now,
        reserved_for=None,
    )
    for sms_id in sms_ids:
        send_sms.delay_on_commit(sms_id)
    return escalated


@transaction.atomic
def close_reached_duplicates(*, now: datetime) -> int:
    """Cancel the waiting tasks of people already reached for the same reason; return how many."""
    # Invariant 7. Intake queues no task for a reached person, but an intake racing the outcome
    # that reaches them can. An assigned task is left to its agent, who is on the line; if it
    # comes back to the queue, the next run cancels it.
    return (
        CallTask.objects.filter(status__in=(Status.QUEUED, Status.ESCALATED))
        .filter(_reached_for_same_reason())
        .update(status=Status.CANCELLED, closed_at=now, escalation_reason="", reserved_for=None)
    )
