"""An agent's availability, where it touches the calls they hold."""

from datetime import datetime

from django.db import transaction

from agents.models import Agent, PauseReason
from agents.services.staff import set_agent_status
from calls.exceptions import CallInProgress
from calls.models import Assignment, CallTask
from calls.services.dispatch import release_assignment


@transaction.atomic
def go_offline(*, agent: Agent, now: datetime) -> Agent:
    """Set the agent offline, giving back the call they held: offline never still holds a call."""
    held = Assignment.objects.filter(agent=agent, closed_at__isnull=True).first()
    if held is not None:
        release_assignment(assignment=held, now=now)
    return set_agent_status(agent=agent, status=Agent.Status.OFFLINE, now=now)


def release_owned_callbacks(*, agent: Agent) -> int:
    """Open to all agents the queued callbacks this agent booked; return how many."""
    # For an agent who leaves for good (end of contract): the sweep would release them only when
    # due, and only while the agent is offline; nobody should wait for a departed owner.
    return CallTask.objects.filter(status=CallTask.Status.QUEUED, reserved_for=agent).update(
        reserved_for=None
    )


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
