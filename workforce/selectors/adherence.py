"""Adherence: how each agent's day matched their rota, from the shifts, the time clock and the
status log.

Per agent and local day, every period clipped to the local day (an open period counts until now):
- scheduled: the shifts of the day, minus their unpaid breaks;
- clocked: time between clock-in and clock-out;
- logged in: time in any status but offline; active: ready + on call + wrap-up;
- in schedule: logged-in time inside a shift;
- adherence: in schedule ÷ scheduled, at most 100 % (time logged in during a break is not extra);
- late start: first login after the first shift's start; early leave: last logout before the last
  shift's end (only once that shift is over, and not while still logged in).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from agents.models import Agent, AgentStatusPeriod, Plateau
from workforce.models.rota import ClockEntry, Shift
from workforce.selectors.rota import (
    forgotten_clock_out_at,
    is_forgotten,
    local_bounds,
    shift_minutes,
)

ACTIVE_STATUSES = {Agent.Status.READY, Agent.Status.ON_CALL, Agent.Status.WRAP_UP}

Interval = tuple[datetime, datetime]


def _clip(interval: Interval, bounds: Interval) -> Interval | None:
    start, end = max(interval[0], bounds[0]), min(interval[1], bounds[1])
    return (start, end) if start < end else None


def _seconds(intervals: Iterable[Interval]) -> int:
    return int(sum((end - start).total_seconds() for start, end in intervals))


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap_seconds(first: list[Interval], second: list[Interval]) -> int:
    return _seconds(clipped for a in first for b in second if (clipped := _clip(a, b)) is not None)


def _minutes(seconds: int) -> int:
    return seconds // 60


@dataclass(frozen=True)
class AdherenceRow:
    agent: Agent
    day: date
    shifts: list[Shift]
    scheduled_minutes: int
    clocked_minutes: int
    logged_in_minutes: int
    active_minutes: int
    in_schedule_minutes: int
    first_login_at: datetime | None
    late_start_minutes: int | None
    early_leave_minutes: int | None

    @property
    def adherence(self) -> float | None:
        """Return the share of the scheduled time spent logged in, in percent (None without a
        schedule)."""
        if not self.scheduled_minutes:
            return None
        return round(min(100.0, 100 * self.in_schedule_minutes / self.scheduled_minutes), 1)

    @property
    def absent(self) -> bool:
        return bool(self.shifts) and self.first_login_at is None


def plateau_agents(*, plateau: Plateau, day: date) -> QuerySet[Agent]:
    """Return the agents of a plateau to follow on a day: those with an open account, and those
    who worked a shift there that day (an agent gone since still has their past days)."""
    worked = Shift.objects.scheduled().filter(agent_id=OuterRef("pk"), plateau=plateau, day=day)
    return (
        Agent.objects.filter(plateau=plateau)
        .filter(Q(user__is_active=True) | Exists(worked))
        .select_related("user", "territory")
    )


def adherence_rows(
    *, agents: Iterable[Agent], start: date, end: date, now: datetime
) -> list[AdherenceRow]:
    """Return one row per agent and local day of the range: three queries whatever the number of
    rows.

    The agents need their territory loaded (select_related("territory", "user")).
    """
    agents = list(agents)
    if not agents:
        return []
    # A day's margin either side covers every time zone; the exact clipping happens per agent below.
    low = local_bounds(start - timedelta(days=1), agents[0].territory.zone)[0]
    high = local_bounds(end + timedelta(days=1), agents[0].territory.zone)[1]
    ids = [agent.pk for agent in agents]

    shifts: dict[tuple[int, date], list[Shift]] = defaultdict(list)
    for shift in (
        Shift.objects.scheduled()
        .within_contract()
        .filter(agent_id__in=ids, day__range=(start, end))
        .select_related("plateau")
        .order_by("starts_at")
    ):
        shifts[(shift.agent_id, shift.day)].append(shift)
    periods: dict[int, list[AgentStatusPeriod]] = defaultdict(list)
    for period in (
        AgentStatusPeriod.objects.filter(agent_id__in=ids, started_at__lt=high)
        .exclude(ended_at__lte=low)
        .exclude(status=Agent.Status.OFFLINE)
        .order_by("started_at")
    ):
        periods[period.agent_id].append(period)
    clock_entries: dict[int, list[ClockEntry]] = defaultdict(list)
    for entry in ClockEntry.objects.filter(agent_id__in=ids, clocked_in_at__lt=high).exclude(
        clocked_out_at__lte=low
    ):
        clock_entries[entry.agent_id].append(entry)

    rows = []
    for agent in agents:
        zone = agent.territory.zone
        logged_in = [
            (period.started_at, period.ended_at or now, period.status)
            for period in periods[agent.pk]
        ]
        clocked = [
            (entry.clocked_in_at, _clock_out(entry, zone, now, shifts))
            for entry in clock_entries[agent.pk]
        ]
        day = start
        while day <= end:
            rows.append(
                _row(
                    agent,
                    day,
                    local_bounds(day, zone),
                    shifts[(agent.pk, day)],
                    logged_in,
                    clocked,
                    now,
                )
            )
            day += timedelta(days=1)
    return rows


def _clock_out(
    entry: ClockEntry,
    zone: ZoneInfo,
    now: datetime,
    shifts: dict[tuple[int, date], list[Shift]],
) -> datetime:
    if is_forgotten(entry, now):
        return forgotten_clock_out_at(
            entry, shifts[(entry.agent_id, timezone.localdate(entry.clocked_in_at, timezone=zone))]
        )
    return entry.clocked_out_at or now


def _row(
    agent: Agent,
    day: date,
    bounds: Interval,
    shifts: list[Shift],
    logged_in: list[tuple[datetime, datetime, str]],
    clocked: list[Interval],
    now: datetime,
) -> AdherenceRow:
    login = [
        c for start, end, _status in logged_in if (c := _clip((start, end), bounds)) is not None
    ]
    active = [
        c
        for start, end, status in logged_in
        if status in ACTIVE_STATUSES and (c := _clip((start, end), bounds))
    ]
    presence = [c for interval in clocked if (c := _clip(interval, bounds)) is not None]
    scheduled = [(shift.starts_at, shift.ends_at) for shift in shifts]
    login_merged = _merge(login)
    first_login_at = login_merged[0][0] if login_merged else None

    late = early = None
    if shifts and login_merged:
        first_start = shifts[0].starts_at
        # The login that carries the agent into the shift: one before it and still there at its
        # start is on time; one that ended before the start (a quick check at 08:30) does not count.
        covering = next((start for start, end in login_merged if end > first_start), None)
        if covering is not None:
            late = max(0, _minutes(int((covering - first_start).total_seconds())))
        last_end = max(shift.ends_at for shift in shifts)
        last_logout = login_merged[-1][1]
        still_logged_in = (
            any(end >= now for _start, end, _status in logged_in) and bounds[0] <= now < bounds[1]
        )
        if now >= last_end and not still_logged_in:
            early = max(0, _minutes(int((last_end - last_logout).total_seconds())))
    return AdherenceRow(
        agent=agent,
        day=day,
        shifts=shifts,
        scheduled_minutes=sum(shift_minutes(shift) for shift in shifts),
        clocked_minutes=_minutes(_seconds(_merge(presence))),
        logged_in_minutes=_minutes(_seconds(login_merged)),
        active_minutes=_minutes(_seconds(_merge(active))),
        in_schedule_minutes=_minutes(_overlap_seconds(login_merged, _merge(scheduled))),
        first_login_at=first_login_at,
        late_start_minutes=late,
        early_leave_minutes=early,
    )
