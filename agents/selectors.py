"""Reads of the foundation shared by the apps above it: a territory's opening hours, an agent's
own day."""

from dataclasses import dataclass
from datetime import date, datetime, time

from agents.access import territory_today
from agents.models import Agent, AgentDay, OpeningHours, Territory
from agents.public_holidays import holiday_name


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

    @staticmethod
    def _clock(seconds: int) -> str:
        hours, rest = divmod(int(seconds), 3600)
        return (
            f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
            if hours
            else f"{rest // 60}:{rest % 60:02d}"
        )

    @property
    def talk(self) -> str:
        return self._clock(self.talk_seconds)

    @property
    def paused(self) -> str:
        return self._clock(self.paused_seconds)


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
