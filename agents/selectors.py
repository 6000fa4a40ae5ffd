"""Reads of the foundation shared by the apps above it: a territory's opening hours, an agent's
own day."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from agents.access import territory_today
from agents.models import (
    Agent,
    AgentDay,
    AgentStatusPeriod,
    OpeningHours,
    PauseCapDecision,
    Territory,
)
from agents.public_holidays import holiday_name
from common.durations import clock


def opening_hours_of(*, territory: Territory) -> dict[int, OpeningHours]:
    """Return the territory's opening hours by weekday (0 Monday … 6 Sunday, 7 public holidays)."""
    return {row.weekday: row for row in OpeningHours.objects.filter(territory=territory)}


def opening_hours_on(
    *, territory: Territory, day: date, hours: dict[int, OpeningHours] | None = None
) -> OpeningHours | None:
    """Return the hours the floor keeps on a day (its public-holiday row on a holiday), None if
    closed."""
    if hours is None:
        hours = opening_hours_of(territory=territory)
    weekday = OpeningHours.PUBLIC_HOLIDAY if holiday_name(territory, day) else day.weekday()
    return hours.get(weekday)


@dataclass(frozen=True)
class OwnDay:
    """An agent's own figures for today, as her desk shows them."""

    day: date
    calls: int = 0
    reached: int = 0
    talk_seconds: int = 0
    # Calls that needed a conversation, recorded without « Answered »: talk time unknown.
    talk_not_marked: int = 0
    paused_seconds: int = 0

    @property
    def talk(self) -> str:
        return clock(self.talk_seconds)

    @property
    def paused(self) -> str:
        return clock(self.paused_seconds)


def own_day(*, agent: Agent, now: datetime) -> OwnDay:
    """Return the agent's own figures for today in her territory, from her day counters (one
    query): calls made, people reached, talk time, time in pause (the pause she is in counted up
    to now, from the territory's midnight at the earliest)."""
    zone = agent.territory.zone
    today = territory_today(agent.territory, now)
    row = (
        AgentDay.objects.filter(agent=agent, day=today)
        .values("calls", "reached", "talk_seconds", "talk_not_marked", "paused_seconds")
        .first()
    ) or {}
    paused = row.get("paused_seconds", 0)
    if agent.status == Agent.Status.PAUSED and agent.status_since is not None:
        midnight = datetime.combine(today, time.min, tzinfo=zone)
        paused += max(0, int((now - max(agent.status_since, midnight)).total_seconds()))
    return OwnDay(
        day=today,
        calls=row.get("calls", 0),
        reached=row.get("reached", 0),
        talk_seconds=row.get("talk_seconds", 0),
        talk_not_marked=row.get("talk_not_marked", 0),
        paused_seconds=paused,
    )


@dataclass(frozen=True)
class PauseCap:
    """Where an agent's current pause stands against its reason's daily cap (the desk says it)."""

    cap_minutes: int
    today_minutes: int
    over: bool
    # A supervisor's decision on today's pause past the cap: True, False, or None (none yet).
    confirmed: bool | None


def pause_cap_of(*, agent: Agent, now: datetime) -> PauseCap | None:
    """Return today's standing of the agent's pause against its reason's daily cap, or None when
    the agent is not in a capped pause (two queries when they are, none otherwise)."""
    reason = agent.pause_reason if agent.status == Agent.Status.PAUSED else None
    if reason is None or reason.daily_cap_minutes is None:
        return None
    day = timezone.localdate(now, timezone=agent.territory.zone)
    midnight = datetime.combine(day, time.min, tzinfo=agent.territory.zone)
    seconds = 0
    for started_at, ended_at in AgentStatusPeriod.objects.filter(
        agent=agent, pause_reason=reason, started_at__gte=midnight
    ).values_list("started_at", "ended_at"):
        seconds += int(((ended_at or now) - started_at).total_seconds())
    decision = (
        PauseCapDecision.objects.filter(agent=agent, day=day, pause_reason=reason)
        .values_list("confirmed", flat=True)
        .first()
    )
    return PauseCap(
        cap_minutes=reason.daily_cap_minutes,
        today_minutes=seconds // 60,
        over=seconds > reason.daily_cap_minutes * 60,
        confirmed=decision,
    )
