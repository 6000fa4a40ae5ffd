"""Inbound calls: a person calls the platform back (after the fallback SMS, a missed call) and
the téléconseiller who answers records the call against their open or escalated task."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.models import Agent, Language
from agents.services.counters import DayCounts
from agents.services.staff import set_agent_status
from calls.exceptions import InvalidOutcome, TaskHeld, TaskNotOpen
from calls.models import Assignment, CallAttempt, CallTask
from calls.services.dispatch import release_assignment
from calls.services.next_steps import RecordedCall
from calls.services.outcomes import (
    apply_retry_policy,
    callback_time_problem,
    record_answers,
    wrap_up_limit_seconds,
)

Outcome = CallAttempt.Outcome
Status = CallTask.Status


@transaction.atomic
def record_inbound_call(
    *,
    task: CallTask,
    agent: Agent,
    outcome: str,
    now: datetime,
    started_at: datetime | None = None,
    notes: str = "",
    callback_at: datetime | None = None,
    callback_for_all: bool = False,
    language: Language | None = None,
    interview: dict | None = None,
    notification: dict | None = None,
) -> RecordedCall:
    """Record a call the person made to the platform and move their open or escalated task on by
    the retry rules (reached: done), with the interview or notification: one transaction
    (invariant 10).

    No lease is taken, but none is broken either: a task an agent holds under a valid lease is
    refused (TaskHeld) and nothing is written; a closed one too (TaskNotOpen).
    """
    if outcome not in CallAttempt.INBOUND_OUTCOMES:
        raise InvalidOutcome(_("This outcome does not apply to an inbound call."))
    if outcome == Outcome.CALLBACK and (
        problem := callback_time_problem(callback_at=callback_at, now=now, task=task)
    ):
        raise InvalidOutcome(problem)
    started_at = min(started_at or now, now)

    # The lock order of record_outcome (the open assignment, then the task): the late outcome of
    # an expired lease and this call never wait on each other in a cycle. The PostgreSQL claim
    # skips the locked task; a claim that committed first shows as a lease on it.
    held = (
        Assignment.objects.select_for_update(of=("self",))
        .filter(task_id=task.pk, closed_at__isnull=True)
        .first()
    )
    # The task row is locked alone, then read with its relations: after waiting for a concurrent
    # claim, PostgreSQL re-reads the locked row but not the rows joined to it in the same
    # statement (the new lease holder would read as none).
    CallTask.objects.select_for_update().filter(pk=task.pk).values_list("pk").get()
    task = CallTask.objects.select_related(
        "person",
        "territory",
        "lease_holder__user",
        "index_case__territory",
        "exposure__index_case__territory",
    ).get(pk=task.pk)
    if task.status == Status.ASSIGNED:
        holder = task.lease_holder
        assert holder is not None and task.lease_expires_at is not None  # a constraint
        if task.lease_expires_at > now or held is None or held.agent_id != holder.pk:
            until = timezone.localtime(task.lease_expires_at, task.territory.zone)
            raise TaskHeld(
                holder=holder.user.get_full_name() or holder.user.get_username(),
                until=until.strftime("%H:%M"),
                own=holder.pk == agent.pk,
            )
        # The lease ran out and no sweep has given the task back yet: give it back now. A late
        # outcome of its holder is then refused (409), its attempt kept.
        release_assignment(assignment=held, now=now, reason=Assignment.EndReason.EXPIRED)
        task.status, task.lease_holder, task.lease_expires_at = Status.QUEUED, None, None
    if task.status not in (Status.QUEUED, Status.ESCALATED):
        raise TaskNotOpen
    if task.status == Status.ESCALATED:
        # The person called: the task leaves the supervisors' list, and the retry rule of the
        # outcome below decides where it goes (reached: done).
        CallTask.objects.filter(pk=task.pk).update(status=Status.QUEUED, escalation_reason="")
        task.status, task.escalation_reason = Status.QUEUED, ""

    # The person was on the line from the moment the file was opened to the outcome.
    attempt = CallAttempt.objects.create(
        task=task,
        agent=agent,
        channel=CallAttempt.Channel.INBOUND,
        started_at=started_at,
        connected_at=started_at,
        ended_at=now,
        outcome=outcome,
        notes=notes,
    )
    DayCounts(agent).add_attempt(
        started_at=attempt.started_at,
        connected_at=attempt.connected_at,
        ended_at=attempt.ended_at,
        reached=outcome == Outcome.REACHED,
        accepted=True,
    ).save()
    # The person called us: the fallback (SMS, escalation after the maximum attempts) is moot.
    next_step = apply_retry_policy(
        task=task,
        attempt=attempt,
        agent=agent,
        now=now,
        callback_at=callback_at,
        callback_for_all=callback_for_all,
        language=language,
        fallback=False,
    )
    if outcome == Outcome.REACHED:
        record_answers(
            task=task, agent=agent, now=now, interview=interview, notification=notification
        )
    # Like after an outbound call, the agent is in wrap-up; one holding an outbound call stays on
    # it.
    if not Assignment.objects.filter(agent=agent, closed_at__isnull=True).exists():
        set_agent_status(
            agent=agent,
            status=Agent.Status.WRAP_UP,
            now=now,
            limit_seconds=wrap_up_limit_seconds(outcome=outcome, reason=task.reason),
        )
    return RecordedCall(attempt=attempt, next_step=next_step)
