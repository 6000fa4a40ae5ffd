"""Channel modes seen from supervision: the projection that proposes SMS-first, and the messages
waiting for the morning or for the daily quota (never silently dropped: invariant 12)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q

from agents import roles
from agents.access import RequestUser
from agents.models import Territory, staff_territory_id
from calls.models import SmsMessage
from supervision.selectors.queue_health import QueueHealth, queue_health


def projected_misses(
    *, user: RequestUser, territory: Territory, now: datetime, health: QueueHealth | None = None
) -> int:
    """Return how many calls the territory is projected to miss (24 h promise): queue health's
    projection, which runs the backlog and the agents working now through the queue simulator
    (supervision.services.projection); `health` is the page's own, when the caller has it."""
    if health is None:
        health = queue_health(user=user, territory=territory, now=now)
    return health.projected_misses


@dataclass(frozen=True)
class WaitingSms:
    """Queued messages of a territory that wait, by why, and the earliest time one may go."""

    night: int
    quota: int
    next_due_at: datetime | None

    @property
    def total(self) -> int:
        return self.night + self.quota


def waiting_sms(*, territory: Territory) -> WaitingSms:
    """Count a territory's queued messages waiting for the person's hours or the daily quota."""
    Held = SmsMessage.Held
    row = SmsMessage.objects.filter(
        task__territory=territory, status=SmsMessage.Status.QUEUED
    ).aggregate(
        night=Count("pk", filter=Q(held=Held.NIGHT)),
        quota=Count("pk", filter=Q(held=Held.QUOTA)),
        next_due_at=Min("next_attempt_at", filter=~Q(held="")),
    )
    return WaitingSms(night=row["night"], quota=row["quota"], next_due_at=row["next_due_at"])


@dataclass(frozen=True)
class ChannelProposal:
    """What the queue-health banner shows: the projected misses and whether to propose SMS-first
    (and whether this user may switch it in one click)."""

    territory: Territory
    projected_misses: int
    may_switch: bool

    @property
    def propose(self) -> bool:
        return (
            self.projected_misses > 0
            and self.territory.channel_mode == Territory.ChannelMode.CALL_FIRST
        )


def may_switch_channel_mode(user: RequestUser, territory: Territory) -> bool:
    """Say whether the user may change this territory's channel mode: its CPAM admin, a national
    admin or a superuser; a supervisor sees the proposal but asks their admin."""
    if roles.is_national_admin(user):
        return True
    return roles.has_role(user, roles.ADMIN_CPAM) and staff_territory_id(user) == territory.pk


def channel_proposal(
    *, user: RequestUser, territory: Territory, now: datetime, health: QueueHealth | None = None
) -> ChannelProposal:
    """Return the queue-health banner's proposal for a territory."""
    return ChannelProposal(
        territory=territory,
        projected_misses=projected_misses(user=user, territory=territory, now=now, health=health),
        may_switch=may_switch_channel_mode(user, territory),
    )
