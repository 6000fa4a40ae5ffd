"""Payroll: per agent and local day, the hours scheduled and clocked, with Sundays and public
holidays flagged, and what they are paid at the rates in force.

Sunday and holiday hours are the clocked hours of that day; a day without any clock entry falls back
on the scheduled hours, and the row says which ("source"). Cancelled shifts, and shifts on a day no
contract of their agent covers, are not paid.

Every paid hour is a base hour, paid the base hourly rate of the agent's employer kind. An hour on
a Sunday or a public holiday is also a premium hour and earns its premium on top (a percentage of
the base); a Sunday that is a public holiday earns one premium, the higher. Amounts are rounded to
the cent on each row, and totals add up the rows.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone

from agents.models import Agent, Territory
from agents.public_holidays import holiday_name
from workforce.models.contracts import Contract
from workforce.models.pay import PayRate
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

PREMIUM_SUNDAY = "sunday"
PREMIUM_HOLIDAY = "holiday"
CENT = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class RateBook:
    """The pay rates that may apply in a territory over a period: its own and the national ones."""

    rates: list[PayRate]

    def rate_for(self, *, employer: str, day: date) -> PayRate | None:
        """Return the rate of an employer kind in force on a day: the territory's own if it has
        one, otherwise the national one."""
        in_force = [
            rate for rate in self.rates if rate.employer == employer and rate.valid_from <= day
        ]
        own = [rate for rate in in_force if rate.territory_id is not None]
        chosen = own or in_force
        return max(chosen, key=lambda rate: rate.valid_from) if chosen else None


def rates_in_force(*, book: RateBook, start: date, end: date) -> list[PayRate]:
    """Return the rates in force on some day of the period, per employer kind, in the order of
    the employer kinds then of their dates: what the payroll page shows."""
    seen: list[PayRate] = []
    for employer in Agent.Employer.values:
        day = start
        while day <= end:
            rate = book.rate_for(employer=employer, day=day)
            if rate is not None and rate not in seen:
                seen.append(rate)
            day += timedelta(days=1)
    return seen


def rate_book(*, territory: Territory, end: date) -> RateBook:
    """Return the rates a payroll of the territory up to `end` may use (one query)."""
    return RateBook(
        list(
            PayRate.objects.filter(
                Q(territory=territory) | Q(territory__isnull=True), valid_from__lte=end
            )
        )
    )


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
    rate: PayRate | None = None

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

    @property
    def hourly_rate(self) -> Decimal | None:
        return self.rate.hourly_rate if self.rate is not None else None

    @property
    def premium(self) -> str | None:
        """Return which premium the day earns: a public holiday's, a Sunday's, or none; a Sunday
        that is a public holiday earns the higher (the holiday's when equal)."""
        if self.holiday and self.is_sunday and self.rate is not None:
            if self.rate.sunday_premium_percent > self.rate.holiday_premium_percent:
                return PREMIUM_SUNDAY
            return PREMIUM_HOLIDAY
        if self.holiday:
            return PREMIUM_HOLIDAY
        return PREMIUM_SUNDAY if self.is_sunday else None

    @property
    def premium_percent(self) -> Decimal | None:
        if self.rate is None or self.premium is None:
            return None
        if self.premium == PREMIUM_HOLIDAY:
            return self.rate.holiday_premium_percent
        return self.rate.sunday_premium_percent

    @property
    def base_minutes(self) -> int:
        return self.worked_minutes

    @property
    def premium_minutes(self) -> int:
        return self.worked_minutes if self.premium else 0

    @property
    def base_amount(self) -> Decimal | None:
        if self.hourly_rate is None:
            return None
        return _money(self.hourly_rate * self.base_minutes / 60)

    @property
    def premium_amount(self) -> Decimal | None:
        if self.hourly_rate is None:
            return None
        percent = self.premium_percent or Decimal(0)
        return _money(self.hourly_rate * self.premium_minutes * percent / 6000)

    @property
    def total_amount(self) -> Decimal | None:
        if self.base_amount is None or self.premium_amount is None:
            return None
        return self.base_amount + self.premium_amount


@dataclass(frozen=True)
class PayrollTotals:
    agents: int
    scheduled_minutes: int
    clocked_minutes: int
    sunday_minutes: int
    holiday_minutes: int
    base_minutes: int = 0
    premium_minutes: int = 0
    base_amount: Decimal = Decimal(0)
    premium_amount: Decimal = Decimal(0)
    # Rows of an employer kind with no base rate: their hours are in, their amounts are not.
    unpriced_rows: int = 0

    @property
    def total_amount(self) -> Decimal:
        return self.base_amount + self.premium_amount


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
    """Return one row per agent of the territory and local day with a paid shift or a clock entry,
    with its pay rate: five queries."""
    zone = territory.zone
    low, high = local_bounds(start, zone)[0], local_bounds(end, zone)[1]
    shifts: dict[tuple[int, date], list[Shift]] = defaultdict(list)
    for shift in (
        Shift.objects.scheduled()
        .within_contract()
        .filter(agent__territory=territory, day__range=(start, end))
        .order_by("starts_at")
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
    rates = rate_book(territory=territory, end=end)
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
            rate=rates.rate_for(employer=agents[agent_id].employer, day=day),
        )
        for agent_id, day in keys
    ]
    rows.sort(
        key=lambda row: (row.agent.user.last_name, row.agent.user.first_name, row.agent.pk, row.day)
    )
    return rows


def payroll_totals(rows: list[PayrollRow]) -> PayrollTotals:
    """Add up the rows: hours, and the amounts of the rows that have a base rate."""
    priced = [row for row in rows if row.hourly_rate is not None]
    return PayrollTotals(
        agents=len({row.agent.pk for row in rows}),
        scheduled_minutes=sum(row.scheduled_minutes for row in rows),
        clocked_minutes=sum(row.clocked_minutes for row in rows),
        sunday_minutes=sum(row.sunday_minutes for row in rows),
        holiday_minutes=sum(row.holiday_minutes for row in rows),
        base_minutes=sum(row.base_minutes for row in rows),
        premium_minutes=sum(row.premium_minutes for row in rows),
        base_amount=sum((row.base_amount or Decimal(0) for row in priced), Decimal(0)),
        premium_amount=sum((row.premium_amount or Decimal(0) for row in priced), Decimal(0)),
        unpriced_rows=len(rows) - len(priced),
    )
