"""Payroll: per agent and local day, the hours scheduled and clocked, with Sundays and public
holidays flagged.

Sunday and holiday hours are the clocked hours of that day; a day without any clock entry falls back
on the scheduled hours, and the row says which ("source").
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from agents.models import Agent, Territory
from agents.public_holidays import holiday_name
from workforce.models.contracts import Contract
from workforce.models.rota import ClockEntry, Shift
from workforce.selectors.rota import (
    forgotten_clock_out_at,
    is_forgotten,
    local_bounds,
    shift_minutes,
)

SOURCE_CLOCK = "clock"
SOURCE_SCHEDULE = "schedule"
# The agent forgot to clock out: the day is paid as scheduled until someone corrects the entry.
SOURCE_MISSING_CLOCK_OUT = "missing_clock_out"


@dataclass(frozen=True)
class PayrollRow:
    agent: Agent
    day: date
    shifts: list[Shift]
    contract_kind: str
    scheduled_minutes: int
    clocked_minutes: int
    has_clock_entry: bool
    holiday: str | None
    missing_clock_out: bool = False

    @property
    def is_sunday(self) -> bool:
        return self.day.weekday() == 6

    @property
    def source(self) -> str:
        if self.missing_clock_out:
            return SOURCE_MISSING_CLOCK_OUT
        return SOURCE_CLOCK if self.has_clock_entry else SOURCE_SCHEDULE

    @property
    def worked_minutes(self) -> int:
        if self.missing_clock_out or not self.has_clock_entry:
            return self.scheduled_minutes
        return self.clocked_minutes

    @property
    def sunday_minutes(self) -> int:
        return self.worked_minutes if self.is_sunday else 0

    @property
    def holiday_minutes(self) -> int:
        return self.worked_minutes if self.holiday else 0


@dataclass(frozen=True)
class PayrollTotals:
    agents: int
    scheduled_minutes: int
    clocked_minutes: int
    sunday_minutes: int
    holiday_minutes: int


def month_bounds(month: date) -> tuple[date, date]:
    """Return the first and last day of the month of a date."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _contract_kind(contracts: list[Contract], day: date) -> str:
    active = [c for c in contracts if c.covers(day)]
    return max(active, key=lambda c: c.start_on).kind if active else ""


def payroll_rows(
    *, territory: Territory, start: date, end: date, now: datetime
) -> list[PayrollRow]:
    """Return one row per agent of the territory and local day with a shift or a clock entry: four
    queries."""
    zone = territory.zone
    low, high = local_bounds(start, zone)[0], local_bounds(end, zone)[1]
    shifts: dict[tuple[int, date], list[Shift]] = defaultdict(list)
    for shift in Shift.objects.filter(agent__territory=territory, day__range=(start, end)).order_by(
        "starts_at"
    ):
        shifts[(shift.agent_id, shift.day)].append(shift)
    clocked: dict[tuple[int, date], int] = defaultdict(int)
    missing: set[tuple[int, date]] = set()
    entries = ClockEntry.objects.filter(agent__territory=territory, clocked_in_at__lt=high).exclude(
        clocked_out_at__lte=low
    )
    for entry in entries:
        clock_out = entry.clocked_out_at or now
        if is_forgotten(entry, now):
            # Not paid 24 hours a day until someone notices: the day is paid as scheduled.
            clock_in_day = timezone.localdate(entry.clocked_in_at, timezone=zone)
            missing.add((entry.agent_id, clock_in_day))
            clock_out = forgotten_clock_out_at(
                entry, shifts.get((entry.agent_id, clock_in_day), [])
            )
        # An entry across midnight pays each local day its own part.
        entry_start, entry_end = max(entry.clocked_in_at, low), min(clock_out, high)
        day = entry_start.astimezone(zone).date()
        while day <= end:
            day_start, day_end = local_bounds(day, zone)
            if day_start >= entry_end:
                break
            seconds = (min(entry_end, day_end) - max(entry_start, day_start)).total_seconds()
            if seconds > 0:
                clocked[(entry.agent_id, day)] += int(seconds)
            day += timedelta(days=1)
    keys = sorted(
        set(shifts) | set(clocked) | {key for key in missing if start <= key[1] <= end},
        key=lambda key: (key[1], key[0]),
    )
    agent_ids = {agent_id for agent_id, _day in keys}
    agents = {
        agent.pk: agent for agent in Agent.objects.filter(pk__in=agent_ids).select_related("user")
    }
    contracts: dict[int, list[Contract]] = defaultdict(list)
    for contract in Contract.objects.filter(agent_id__in=agent_ids, start_on__lte=end).exclude(
        end_on__lt=start
    ):
        contracts[contract.agent_id].append(contract)
    rows = [
        PayrollRow(
            agent=agents[agent_id],
            day=day,
            shifts=shifts.get((agent_id, day), []),
            contract_kind=_contract_kind(contracts[agent_id], day),
            scheduled_minutes=sum(
                shift_minutes(shift) for shift in shifts.get((agent_id, day), [])
            ),
            clocked_minutes=clocked.get((agent_id, day), 0) // 60,
            has_clock_entry=(agent_id, day) in clocked,
            holiday=holiday_name(territory, day),
            missing_clock_out=(agent_id, day) in missing,
        )
        for agent_id, day in keys
    ]
    rows.sort(
        key=lambda row: (row.agent.user.last_name, row.agent.user.first_name, row.agent.pk, row.day)
    )
    return rows


def payroll_totals(rows: list[PayrollRow]) -> PayrollTotals:
    return PayrollTotals(
        agents=len({row.agent.pk for row in rows}),
        scheduled_minutes=sum(row.scheduled_minutes for row in rows),
        clocked_minutes=sum(row.clocked_minutes for row in rows),
        sunday_minutes=sum(row.sunday_minutes for row in rows),
        holiday_minutes=sum(row.holiday_minutes for row in rows),
    )
