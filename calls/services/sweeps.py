"""The sweeps: due times live in rows, and beat runs these every 30-60 s (DESIGN.md §4).

Each sweep is one set-based transaction, conditional on the state it changes, so that running
it twice, or two at once, changes nothing the second time.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import Coalesce

from agents.models import Agent
from agents.services.staff import set_agent_status
from calls.models import Assignment, CallTask, SmsMessage, TaskEvent
from calls.services.dispatch import release_assignment
from calls.services.fallback import CALLBACK_GRACE, fallback_body, fallback_wording, sms_texts
from calls.services.sms_slots import SmsPlanner
from calls.sms import publish_sms, sendable
from cases.models import Phone

Status, Band = CallTask.Status, CallTask.Band

# A priority boost puts an at-risk task before others of the same deadline (the queue orders by
# deadline first, so it never overtakes an earlier deadline).
AT_RISK_PRIORITY_BOOST = 10
# Agents settled by one run of the status sweeps, at most.
ABSENT_BATCH = 500


def _reached_for_same_reason() -> Exists:
    # A follow-up is a call agreed with the person: one done does not make the next a duplicate.
    return Exists(
        CallTask.objects.filter(
            person_id=OuterRef("person_id"), reason=OuterRef("reason"), status=Status.DONE
        ).exclude(reason=CallTask.Reason.FOLLOW_UP)
    )


def expire_leases(*, now: datetime) -> int:
    """Give back to the queue the tasks whose lease has expired, then settle their agents'
    status; return how many tasks went back."""
    expired = _expire_leases(now=now)
    # In transactions of their own, after the leases': an agent row is locked by claims before
    # their tasks, so locking it here under the tasks' locks could deadlock.
    settle_agents_without_a_call(now=now)
    return expired


@transaction.atomic
def _expire_leases(*, now: datetime) -> int:
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
    Assignment.objects.filter(pk__in=assignment_ids).update(
        closed_at=now, end_reason=Assignment.EndReason.EXPIRED
    )
    return CallTask.objects.filter(pk__in=task_ids).update(
        status=Status.QUEUED, lease_holder=None, lease_expires_at=None
    )


# An agent on a call holds it: one on a call with nothing in hand (the lease expired, a
# supervisor freed it) is settled once the status is this old.
STRANDED_AFTER = timedelta(minutes=1)


def settle_agents_without_a_call(*, now: datetime) -> int:
    """Take out of "on a call" the agents who hold no call any more: back to ready if their desk
    is alive, offline (closed when last seen) if not (docs/queue.md); return how many."""
    holding = Assignment.objects.filter(agent_id=OuterRef("pk"), closed_at__isnull=True)
    stranded = list(
        Agent.objects.filter(status=Agent.Status.ON_CALL, status_since__lt=now - STRANDED_AFTER)
        .exclude(Exists(holding))
        .order_by("pk")
        .values_list("pk", flat=True)[:ABSENT_BATCH]
    )
    done = 0
    for agent_id in stranded:
        with transaction.atomic():
            agent = Agent.objects.select_for_update(of=("self",)).get(pk=agent_id)
            if (
                agent.status != Agent.Status.ON_CALL
                or Assignment.objects.filter(agent=agent, closed_at__isnull=True).exists()
            ):
                continue
            if _is_absent(agent, now):
                set_agent_status(
                    agent=agent, status=Agent.Status.OFFLINE, now=_last_sign_of_life(agent)
                )
            else:
                set_agent_status(agent=agent, status=Agent.Status.READY, now=now)
            done += 1
    return done


def _absent_since(now: datetime) -> datetime:
    return now - timedelta(minutes=settings.AGENT_ABSENT_AFTER_MINUTES)


def _last_sign_of_life(agent: Agent) -> datetime:
    # Never before the period it closes began.
    return max(agent.last_seen_at or agent.status_since, agent.status_since)


def _is_absent(agent: Agent, now: datetime) -> bool:
    return _last_sign_of_life(agent) < _absent_since(now)


# An agent whose desk is closed without logging out (a tab closed, a crash) is set offline once
# this sweep sees them.


def set_absent_agents_offline(*, now: datetime) -> int:
    """Set offline the agents whose desk has given no sign of life for a while, closing their
    period when they were last seen, and give back any call they held; return how many."""
    cutoff = _absent_since(now)
    absent = list(
        Agent.objects.exclude(status=Agent.Status.OFFLINE)
        .filter(Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True, status_since__lt=cutoff))
        .order_by("pk")
        .values_list("pk", flat=True)[:ABSENT_BATCH]
    )
    done = 0
    for agent_id in absent:
        # One transaction per agent: an agent who came back meanwhile is left alone.
        with transaction.atomic():
            agent = (
                Agent.objects.select_for_update(of=("self",))
                .select_related("territory")
                .get(pk=agent_id)
            )
            if agent.status == Agent.Status.OFFLINE or not _is_absent(agent, now):
                continue
            held = Assignment.objects.filter(agent=agent, closed_at__isnull=True).first()
            if held is not None:
                release_assignment(assignment=held, now=now, reason=Assignment.EndReason.OFFLINE)
            set_agent_status(
                agent=agent, status=Agent.Status.OFFLINE, now=_last_sign_of_life(agent)
            )
            done += 1
    return done


@transaction.atomic
def release_callbacks(*, now: datetime) -> int:
    """Open to all agents the due callbacks whose owner is offline; return how many."""
    # A call handed to an agent by a supervisor is not a callback: it waits for that agent (a
    # shift that starts later) until a supervisor moves it or its late period ends.
    return (
        CallTask.objects.filter(
            status=Status.QUEUED,
            reserved_for__isnull=False,
            not_before__lte=now,
            reserved_for__status=Agent.Status.OFFLINE,
        )
        .exclude(queue_band=Band.HANDED)
        .update(reserved_for=None)
    )


# Retries let through by one run of the rejoin sweep, at most.
REJOIN_BATCH = 5000


@transaction.atomic
def rejoin_due_retries(*, now: datetime, batch_size: int = REJOIN_BATCH) -> int:
    """Let the retries and callbacks open to all whose not_before has passed back into the fresh
    queue, in deadline order with the others; return how many.

    Only where the claim finds them changes (from call_task_waiting to call_task_fresh_queue):
    not what it takes, nor not_before, which stays what the outcome set (the pages show it). Owned
    callbacks are left to their owner (release_callbacks opens them to all).
    """
    # Rows a claim or another sweep holds are skipped, not waited for: they are taken, or come
    # next run. The due ones are a short range of call_task_waiting per (territory, language).
    task_ids = list(
        CallTask.objects.waiting()
        .select_for_update(skip_locked=True)
        .filter(not_before__lte=now)
        .order_by("not_before")
        .values_list("pk", flat=True)[:batch_size]
    )
    if not task_ids:
        return 0
    return (
        CallTask.objects.waiting()
        .filter(pk__in=task_ids, not_before__lte=now)
        .update(rejoined_at=F("not_before"))
    )


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


def _late_period_end() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("deadline_at") + timedelta(hours=settings.LATE_CALLABLE_HOURS),
        output_field=DateTimeField(),
    )


def _events(
    task_ids: list[int],
    *,
    kind: str,
    from_status: str,
    to_status: str,
    now: datetime,
    reason: str = "",
) -> None:
    TaskEvent.objects.bulk_create(
        TaskEvent(
            task_id=pk,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            at=now,
        )
        for pk in task_ids
    )


@transaction.atomic
def fallback_at_deadline(*, now: datetime, batch_size: int = 1000) -> int:
    """Move the queued tasks past their deadline behind the tasks still in time, where they stay
    callable for LATE_CALLABLE_HOURS, and text each once with the words that fit what happened;
    return how many."""
    # Invariant 6. An assigned task is left alone: an agent is on the line, and their outcome
    # decides; back in the queue, it is swept on a later run. Rows locked by a claim are skipped:
    # they are being taken, or come back next run. A booked callback is never pre-empted: a task
    # waits here until its callback time is CALLBACK_GRACE behind (then the callback was
    # missed). A person already reached for the reason gets no SMS: close_reached_duplicates
    # cancels that task, whichever of the two sweeps runs first.
    tasks = list(
        CallTask.objects.select_for_update(skip_locked=True)
        .filter(status=Status.QUEUED, queue_band=Band.IN_TIME, deadline_at__lte=now)
        .filter(Q(callback_at__isnull=True) | Q(callback_at__lte=now - CALLBACK_GRACE))
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
    messages = []
    texts = sms_texts()
    planner = SmsPlanner(now=now)
    for t in tasks:
        if not t.has_sms and t.person_id in first_phones:
            wording = fallback_wording(t)
            slot = planner.slot(t.territory_id)
            messages.append(
                SmsMessage(
                    task=t,
                    kind=SmsMessage.Kind.FALLBACK,
                    phone=first_phones[t.person_id],
                    body=fallback_body(t, wording, texts),
                    wording=wording,
                    created_at=now,
                    next_attempt_at=slot.due_at,
                    planned_on=slot.planned_on,
                    held=slot.held,
                )
            )
    # The unique constraint (task, kind) is the last word on "once": a message queued by a
    # concurrent outcome is ignored here, and only messages still queued are sent (send_sms
    # claims each one before sending, so a second enqueue would send nothing either).
    SmsMessage.objects.bulk_create(messages, ignore_conflicts=True)
    sms_ids = list(
        SmsMessage.objects.filter(
            task_id__in=[m.task_id for m in messages],
            kind=SmsMessage.Kind.FALLBACK,
            status=SmsMessage.Status.QUEUED,
            next_attempt_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    task_ids = [t.pk for t in tasks]
    # An owner who missed their callback gives it to everyone; the booked time is kept in the
    # SMS only.
    late = CallTask.objects.filter(
        pk__in=task_ids, status=Status.QUEUED, queue_band=Band.IN_TIME
    ).update(
        queue_band=Band.LATE,
        callable_until=Coalesce(F("callable_until"), _late_period_end()),
        reserved_for=None,
        callback_at=None,
    )
    _events(task_ids, kind=TaskEvent.Kind.LATE, from_status=Status.QUEUED,
            to_status=Status.QUEUED, now=now)  # fmt: skip
    for sms_id in sms_ids:
        publish_sms(sms_id)
    return late


@transaction.atomic
def escalate_overdue(*, now: datetime, batch_size: int = 1000) -> int:
    """Escalate to the supervisors the queued tasks whose late period is over; return how
    many."""
    # Rows a claim holds are skipped (they come back next run); an assigned task is left to its
    # agent. A callback booked for later is kept, as at the deadline.
    task_ids = list(
        CallTask.objects.select_for_update(skip_locked=True)
        .filter(status=Status.QUEUED, callable_until__lte=now)
        .filter(Q(callback_at__isnull=True) | Q(callback_at__lte=now - CALLBACK_GRACE))
        .exclude(_reached_for_same_reason())
        .order_by("callable_until")
        .values_list("pk", flat=True)[:batch_size]
    )
    escalated = CallTask.objects.filter(pk__in=task_ids, status=Status.QUEUED).update(
        status=Status.ESCALATED,
        escalation_reason=CallTask.Escalation.DEADLINE,
        escalated_at=now,
        reserved_for=None,
        callback_at=None,
    )
    _events(
        task_ids,
        kind=TaskEvent.Kind.ESCALATED,
        from_status=Status.QUEUED,
        to_status=Status.ESCALATED,
        reason=CallTask.Escalation.DEADLINE,
        now=now,
    )
    return escalated


@transaction.atomic
def close_reached_duplicates(*, now: datetime) -> int:
    """Cancel the waiting tasks of people already reached for the same reason; return how many."""
    # Invariant 7. Intake queues no task for a reached person, but an intake racing the outcome
    # that reaches them can. An assigned task is left to its agent, who is on the line; if it
    # comes back to the queue, the next run cancels it.
    rows = list(
        CallTask.objects.select_for_update(skip_locked=True)
        .filter(status__in=(Status.QUEUED, Status.ESCALATED))
        .filter(_reached_for_same_reason())
        .values_list("pk", "status")
    )
    cancelled = CallTask.objects.filter(
        pk__in=[pk for pk, _ in rows], status__in=(Status.QUEUED, Status.ESCALATED)
    ).update(
        status=Status.CANCELLED,
        closed_at=now,
        escalation_reason="",
        reserved_for=None,
        callback_at=None,
    )
    TaskEvent.objects.bulk_create(
        TaskEvent(
            task_id=pk,
            kind=TaskEvent.Kind.CANCELLED,
            from_status=status,
            to_status=Status.CANCELLED,
            at=now,
        )
        for pk, status in rows
    )
    return cancelled


# Messages published by one run of the outbox sweep, at most.
SMS_BATCH = 500


def republish_sms(*, now: datetime) -> int:
    """Publish again every message of the outbox a worker may take: queued and due (the broker
    was down when it was queued, or its backoff is over) or lost while sending; return how
    many. Sending claims each message, so a message published twice is sent once."""
    sms_ids = list(
        SmsMessage.objects.filter(sendable(now))
        .order_by("pk")
        .values_list("pk", flat=True)[:SMS_BATCH]
    )
    for sms_id in sms_ids:
        publish_sms(sms_id)
    return len(sms_ids)
