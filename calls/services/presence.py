"""An agent's availability, where it touches the calls they hold."""

from datetime import datetime

from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone

from agents.models import Agent, PauseReason
from agents.services.staff import set_agent_status
from calls.exceptions import CallInProgress
from calls.models import Assignment, CallTask, TaskEvent
from calls.services.dispatch import release_assignment
from calls.services.lifecycle import band_when_opened


@transaction.atomic
def go_offline(*, agent: Agent, now: datetime, reason: str = Assignment.EndReason.OFFLINE) -> Agent:
    """Set the agent offline, giving back the call they held: offline never still holds a call."""
    held = Assignment.objects.filter(agent=agent, closed_at__isnull=True).first()
    if held is not None:
        release_assignment(assignment=held, now=now, reason=reason)
    return set_agent_status(agent=agent, status=Agent.Status.OFFLINE, now=now)


def release_owned_callbacks(*, agent: Agent) -> int:
    """Open to all agents the queued callbacks this agent booked, and the calls a supervisor
    handed to them; return how many."""
    # For an agent who leaves for good (end of contract): the sweep would release callbacks only
    # when due, and only while the agent is offline, and never a handed call; nobody should wait
    # for a departed owner.
    owned = CallTask.objects.filter(status=CallTask.Status.QUEUED, reserved_for=agent)
    handed = list(owned.filter(queue_band=CallTask.Band.HANDED).values_list("pk", flat=True))
    released = owned.update(reserved_for=None, queue_band=band_when_opened(Now()))
    TaskEvent.objects.bulk_create(
        TaskEvent(
            task_id=pk,
            kind=TaskEvent.Kind.REQUEUED,
            from_status=CallTask.Status.QUEUED,
            to_status=CallTask.Status.QUEUED,
            at=timezone.now(),
        )
        for pk in handed
    )
    return released


@transaction.atomic
def change_status(
    *, agent: Agent, status: str, now: datetime, pause_reason: PauseReason | None = None
) -> Agent:
    """Change the status an agent chose (desk or API): offline gives back the held call; ready or
    paused waits until the call in hand has its outcome."""
    if status == Agent.Status.OFFLINE:
        return go_offline(agent=agent, now=now)
    if Assignment.objects.filter(
        agent=agent, closed_at__isnull=True, lease_expires_at__gt=now
    ).exists():
        raise CallInProgress
    return set_agent_status(agent=agent, status=status, now=now, pause_reason=pause_reason)
