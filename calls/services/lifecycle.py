"""The escalation lifecycle: what a supervisor (or the agent a call is reserved for) does with a
call the queue could not finish. One service per transition; each is logged as a TaskEvent in the
same transaction as the change (docs/queue.md, "Past the deadline, and escalations").

    escalated ─┬─ assign to a named agent ──▶ queued, reserved for them, first in their queue
    (or queued)├─ put back, new target time ─▶ queued for all from that time
               ├─ call now ─────────────────▶ assigned to the actor (an agent), at the desk
               └─ close with a reason ──────▶ closed (final: the retention purge may proceed)

The sweeps and outcomes escalate (calls.services.fallback.escalate): past the deadline and its
late period, after the maximum attempts, with no number left, in an unknown language.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Case, F, PositiveSmallIntegerField, Value, When
from django.db.models.functions import Now
from django.utils.translation import gettext as _

from agents import roles
from agents.models import Agent, staff_territory_id
from calls.exceptions import NotACallingAgent, TransitionNotAllowed, TransitionRefused
from calls.models import Assignment, CallTask, TaskEvent
from calls.services.dispatch import agent_may_take, claim_task

Status, Band, Kind = CallTask.Status, CallTask.Band, TaskEvent.Kind


class Transition(StrEnum):
    ASSIGN = "assign"
    REQUEUE = "requeue"
    CALL_NOW = "call_now"
    CLOSE = "close"


# The agent a call is reserved for may hand it back or close it; assigning and calling now are
# for supervisors and CPAM admins of its territory.
OWNER_TRANSITIONS = frozenset({Transition.REQUEUE, Transition.CLOSE})
# A call being made is left to its agent: their outcome decides. Closed calls are final.
MOVABLE = (Status.QUEUED, Status.ESCALATED)


def own_agent(user: User | AnonymousUser) -> Agent | None:
    """Return the user's agent profile, or None."""
    try:
        return user.agent  # type: ignore[union-attr]  # an anonymous user has none either
    except (AttributeError, ObjectDoesNotExist):
        return None


def manages(*, user: User | AnonymousUser, task: CallTask) -> bool:
    """Say whether the user supervises the task's territory (a superuser supervises all)."""
    if user.is_superuser:
        return True
    return roles.has_role(user, roles.SUPERVISEUR, roles.ADMIN_CPAM) and (
        staff_territory_id(user) == task.territory_id
    )


def owns(*, user: User | AnonymousUser, task: CallTask) -> bool:
    """Say whether the task is reserved for the user's own agent profile."""
    agent = own_agent(user)
    return agent is not None and task.reserved_for_id == agent.pk


def may_transition(*, user: User | AnonymousUser, task: CallTask, transition: str) -> bool:
    """The one rule of who may move a call: a supervisor or CPAM admin of its territory, or, to
    put it back or close it, the agent it is reserved for."""
    return manages(user=user, task=task) or (
        transition in OWNER_TRANSITIONS and owns(user=user, task=task)
    )


def _lock(*, actor: User, task: CallTask, transition: str) -> CallTask:
    """Lock the task, check the actor's right and that it can move; return it as it is now."""
    locked = (
        CallTask.objects.select_for_update(of=("self",))
        .select_related("territory", "reserved_for")
        .get(pk=task.pk)
    )
    if not may_transition(user=actor, task=locked, transition=transition):
        raise TransitionNotAllowed
    if locked.status == Status.ASSIGNED:
        raise TransitionRefused(_("An agent is on this call: wait for their outcome."))
    if locked.status not in MOVABLE:
        raise TransitionRefused(_("This call is closed."))
    return locked


def _late_period_from(task: CallTask, start: datetime) -> datetime:
    # A call handed out or put back stays in the queue a whole late period, counted from its
    # deadline or from its new start, whichever is later; then it comes back to the supervisors.
    return max(task.deadline_at, start) + timedelta(hours=settings.LATE_CALLABLE_HOURS)


def band_for(*, deadline_at: datetime, now: datetime) -> int:
    """Return the queue band of a task going back to the queue for all."""
    return Band.LATE if deadline_at <= now else Band.IN_TIME


def band_when_opened(now: datetime | Now) -> Case:
    """band_for() in an UPDATE of several tasks: a task handed to an agent goes back to its place
    among all the others by its deadline; any other keeps its band."""
    return Case(
        When(queue_band=Band.HANDED, deadline_at__lte=now, then=Value(Band.LATE)),
        When(queue_band=Band.HANDED, then=Value(Band.IN_TIME)),
        default=F("queue_band"),
        output_field=PositiveSmallIntegerField(),
    )


def _move(locked: CallTask, changes: dict, **event: Any) -> None:
    """Write a transition's changes to the locked call and log it (same transaction)."""
    from_status = locked.status
    CallTask.objects.filter(pk=locked.pk).update(**changes)
    _log(task=locked, from_status=from_status, **event)
    for name, value in changes.items():
        setattr(locked, name, value)


def _log(
    *,
    task: CallTask,
    kind: str,
    from_status: str,
    to_status: str,
    actor: User,
    now: datetime,
    agent: Agent | None = None,
    reason: str = "",
    target_at: datetime | None = None,
    note: str = "",
) -> TaskEvent:
    return TaskEvent.objects.create(
        task=task,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        by=actor,
        agent=agent,
        reason=reason,
        target_at=target_at,
        note=note,
        at=now,
    )


@transaction.atomic
def assign_task(
    *, actor: User, task: CallTask, agent: Agent, now: datetime, note: str = ""
) -> CallTask:
    """Queue the call for one named agent, first in their queue; refused when they do not speak
    its language or work outside its territory (and the territories it lends to)."""
    locked = _lock(actor=actor, task=task, transition=Transition.ASSIGN)
    if not (
        agent.user.is_active
        and roles.has_role(agent.user, roles.TELECONSEILLER)
        and agent_may_take(agent=agent, task=locked)
    ):
        raise TransitionRefused(
            _(
                "%(agent)s cannot take this call: not a téléconseiller, another language or "
                "another territory."
            )
            % {"agent": agent}
        )
    changes = {
        "status": Status.QUEUED,
        "reserved_for": agent,
        "queue_band": Band.HANDED,
        "escalation_reason": "",
        "not_before": None,
        "callback_at": None,
        "callable_until": _late_period_from(locked, now),
    }
    _move(
        locked,
        changes,
        kind=Kind.ASSIGNED,
        to_status=Status.QUEUED,
        actor=actor,
        agent=agent,
        note=note,
        now=now,
    )
    return locked


@transaction.atomic
def requeue_task(
    *,
    actor: User,
    task: CallTask,
    now: datetime,
    target_at: datetime | None = None,
    note: str = "",
) -> CallTask:
    """Put the call back in the queue for all agents, from a new target time (now when none),
    after the calls still in time if its deadline has passed."""
    locked = _lock(actor=actor, task=task, transition=Transition.REQUEUE)
    if target_at is not None and target_at <= now:
        raise TransitionRefused(_("The new target time must be in the future."))
    changes = {
        "status": Status.QUEUED,
        "reserved_for": None,
        "queue_band": band_for(deadline_at=locked.deadline_at, now=now),
        "escalation_reason": "",
        "not_before": target_at,
        "callback_at": None,
        "callable_until": _late_period_from(locked, target_at or now),
    }
    _move(
        locked,
        changes,
        kind=Kind.REQUEUED,
        to_status=Status.QUEUED,
        actor=actor,
        target_at=target_at,
        note=note,
        now=now,
    )
    return locked


@transaction.atomic
def call_task_now(*, actor: User, task: CallTask, now: datetime) -> Assignment:
    """Lease the call to the actor, who must be a téléconseiller speaking its language: they make
    it from their desk at once."""
    agent = own_agent(actor)
    if not manages(user=actor, task=task):
        raise TransitionNotAllowed
    # The role itself, not has_role(): a superuser without it has no calls to make.
    if agent is None or roles.TELECONSEILLER not in roles.roles_of(actor):
        raise NotACallingAgent
    if not agent_may_take(agent=agent, task=task):
        raise TransitionRefused(
            _("You cannot take this call: another language or another territory.")
        )
    assignment, from_status = claim_task(agent=agent, task_id=task.pk, now=now)
    _log(
        task=assignment.task,
        kind=Kind.CALLED_NOW,
        from_status=from_status,
        to_status=Status.ASSIGNED,
        actor=actor,
        agent=agent,
        now=now,
    )
    return assignment


@transaction.atomic
def close_task(
    *, actor: User, task: CallTask, reason: str, now: datetime, note: str = ""
) -> CallTask:
    """Close the call for good, with the reason why nobody will call: its person may then be
    forgotten after the retention period."""
    locked = _lock(actor=actor, task=task, transition=Transition.CLOSE)
    if reason not in dict(CallTask.STAFF_CLOSED_REASONS):
        raise TransitionRefused(_("Choose why the call is closed."))
    changes = {
        "status": Status.CLOSED,
        "closed_at": now,
        "closed_reason": reason,
        "reserved_for": None,
        "escalation_reason": "",
        "callback_at": None,
        "callable_until": None,
    }
    _move(
        locked,
        changes,
        kind=Kind.CLOSED,
        to_status=Status.CLOSED,
        actor=actor,
        reason=reason,
        note=note,
        now=now,
    )
    return locked


@transaction.atomic
def close_for_retention(*, person_ids: list[int], now: datetime) -> int:
    """Close the escalated calls of persons past the retention period (reason 'retention'), each
    with its history row written by the sweep: nobody decided on them in time, and their person
    must now be forgotten."""
    tasks = list(
        CallTask.objects.select_for_update()
        .filter(person_id__in=person_ids, status=Status.ESCALATED)
        .order_by("pk")
    )
    if not tasks:
        return 0
    CallTask.objects.filter(pk__in=[t.pk for t in tasks]).update(
        status=Status.CLOSED,
        closed_at=now,
        closed_reason=CallTask.ClosedReason.RETENTION,
        reserved_for=None,
        escalation_reason="",
        callback_at=None,
        callable_until=None,
    )
    TaskEvent.objects.bulk_create(
        [
            TaskEvent(
                task=t,
                kind=Kind.CLOSED,
                from_status=Status.ESCALATED,
                to_status=Status.CLOSED,
                reason=CallTask.ClosedReason.RETENTION,
                at=now,
            )
            for t in tasks
        ]
    )
    return len(tasks)
