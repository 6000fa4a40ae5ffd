"""Writes on the rota: shift patterns, shifts and the time clock."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agents.models import Agent, OpeningHours, Plateau, Territory
from agents.selectors import opening_hours_of, opening_hours_on
from workforce.exceptions import (
    AlreadyClockedIn,
    FloorClosed,
    InvalidShift,
    InvalidShiftPattern,
    NotClockedIn,
    PatternNotApplied,
    ShiftCancelled,
    ShiftOutsideContract,
    ShiftOutsideOpeningHours,
    ShiftOverlap,
    ShiftRefused,
)
from workforce.models.contracts import Contract
from workforce.models.rota import ClockEntry, Shift, ShiftPattern
from workforce.selectors.rota import forgotten_clock_out_at, is_forgotten, week_start_of


@transaction.atomic
def save_shift_pattern(
    *,
    territory: Territory,
    name: str,
    starts_at: time,
    ends_at: time,
    break_minutes: int = 0,
    pattern: ShiftPattern | None = None,
) -> ShiftPattern:
    """Create a shift pattern of a territory, or change `pattern`."""
    if starts_at >= ends_at:
        raise InvalidShiftPattern(_("The shift must end after it starts."))
    if break_minutes >= _minutes_between(starts_at, ends_at):
        raise InvalidShiftPattern(_("The break must be shorter than the shift."))
    taken = ShiftPattern.objects.filter(territory=territory, name=name)
    if pattern is not None:
        taken = taken.exclude(pk=pattern.pk)
    if taken.exists():
        raise InvalidShiftPattern(_("A shift pattern with this name already exists."))
    if pattern is None:
        pattern = ShiftPattern(territory=territory)
    pattern.name, pattern.starts_at, pattern.ends_at, pattern.break_minutes = (
        name,
        starts_at,
        ends_at,
        break_minutes,
    )
    pattern.save()
    return pattern


@transaction.atomic
def delete_shift_pattern(*, pattern: ShiftPattern) -> None:
    """Delete a shift pattern; the shifts made from it stay on the rota."""
    pattern.delete()


def _minutes_between(start: time, end: time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def _lock_agent(agent: Agent) -> Agent:
    # Every write on an agent's shifts locks the agent row first: two admins assigning at once are
    # serialized, so the second sees the first's shift in its overlap check.
    return Agent.objects.select_for_update().select_related("user", "territory").get(pk=agent.pk)


@dataclass(frozen=True)
class _Slot:
    starts_at: datetime
    ends_at: datetime


def _check_shift(
    *,
    agent: Agent,
    plateau: Plateau,
    day: date,
    starts_at: time,
    ends_at: time,
    break_minutes: int,
    hours: dict[int, OpeningHours],
    has_contract: bool,
    others: list[Shift],
) -> _Slot:
    """Return the aware start and end of a shift, or raise the first rule it breaks."""
    territory = agent.territory
    if not agent.user.is_active:
        raise ShiftRefused(_("This account is deactivated."))
    if plateau.territory_id != agent.territory_id:
        raise ShiftRefused(_("This plateau belongs to another territory."))
    if starts_at >= ends_at:
        raise InvalidShift(_("The shift must end after it starts."))
    if break_minutes >= _minutes_between(starts_at, ends_at):
        raise InvalidShift(_("The break must be shorter than the shift."))
    opening = opening_hours_on(territory=territory, day=day, hours=hours)
    if opening is None:
        raise FloorClosed(
            _("The floor is closed on %(day)s.") % {"day": date_format(day, "l j F Y")}
        )
    if starts_at < opening.opens_at or ends_at > opening.closes_at:
        raise ShiftOutsideOpeningHours(
            _("The floor is open from %(opens)s to %(closes)s on that day.")
            % {"opens": f"{opening.opens_at:%H:%M}", "closes": f"{opening.closes_at:%H:%M}"}
        )
    # An outsourced provider's staff have no contract with the CPAM: their provider answers for
    # them.
    if agent.employer != Agent.Employer.PROVIDER and not has_contract:
        raise ShiftOutsideContract(
            _("%(agent)s has no active contract on that day.") % {"agent": agent}
        )
    # Built in the territory's zone from the local day and times: right on clock-change days too.
    zone = territory.zone
    slot = _Slot(
        datetime.combine(day, starts_at, tzinfo=zone), datetime.combine(day, ends_at, tzinfo=zone)
    )
    for other in others:
        if slot.starts_at < other.ends_at and slot.ends_at > other.starts_at:
            raise ShiftOverlap(
                _("%(agent)s already works from %(start)s to %(end)s that day.")
                % {
                    "agent": agent,
                    "start": f"{other.starts_at.astimezone(zone):%H:%M}",
                    "end": f"{other.ends_at.astimezone(zone):%H:%M}",
                }
            )
    return slot


def _shifts_around(agent: Agent, start: date, end: date) -> list[Shift]:
    # A day either side: shifts are stored by their local day, but overlap is a matter of instants.
    # Cancelled shifts stay as history but free their time.
    return list(
        Shift.objects.scheduled().filter(
            agent=agent, day__range=(start - timedelta(days=1), end + timedelta(days=1))
        )
    )


def _contract_days(agent: Agent, start: date, end: date) -> set[date]:
    contracts = list(
        Contract.objects.filter(agent=agent, start_on__lte=end).exclude(end_on__lt=start)
    )
    days = set()
    day = start
    while day <= end:
        if any(contract.covers(day) for contract in contracts):
            days.add(day)
        day += timedelta(days=1)
    return days


@transaction.atomic
def assign_shift(
    *,
    agent: Agent,
    plateau: Plateau,
    day: date,
    starts_at: time,
    ends_at: time,
    break_minutes: int = 0,
    pattern: ShiftPattern | None = None,
    by: User | None = None,
) -> Shift:
    """Put an agent on the rota of a plateau for a local day, within opening hours and contract,
    without overlap."""
    agent = _lock_agent(agent)
    slot = _check_shift(
        agent=agent,
        plateau=plateau,
        day=day,
        starts_at=starts_at,
        ends_at=ends_at,
        break_minutes=break_minutes,
        hours=opening_hours_of(territory=agent.territory),
        has_contract=Contract.objects.filter(agent=agent).active_on(day).exists(),
        others=_shifts_around(agent, day, day),
    )
    return Shift.objects.create(
        agent=agent,
        plateau=plateau,
        day=day,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        break_minutes=break_minutes,
        pattern=pattern,
        created_by=by,
    )


@transaction.atomic
def remove_shift(*, shift: Shift) -> None:
    """Take a shift off the rota; a cancelled shift stays, as the history of the cancellation."""
    _lock_agent(shift.agent)
    if Shift.objects.filter(pk=shift.pk, cancelled_at__isnull=False).exists():
        raise ShiftCancelled(_("This shift was cancelled: it stays on the rota as history."))
    shift.delete()


@transaction.atomic
def apply_pattern_to_week(
    *,
    agent: Agent,
    plateau: Plateau,
    week_start: date,
    pattern: ShiftPattern,
    days: list[int],
    by: User | None = None,
) -> list[Shift]:
    """Put a pattern on several days of one week: on every day asked, or, if one day refuses, on
    none."""
    if pattern.territory_id != agent.territory_id:
        raise ShiftRefused(_("This shift pattern belongs to another territory."))
    agent = _lock_agent(agent)
    monday = week_start_of(week_start)
    chosen = [monday + timedelta(days=weekday) for weekday in sorted(set(days))]
    if not chosen:
        raise InvalidShift(_("Choose at least one day."))
    hours = opening_hours_of(territory=agent.territory)
    contract_days = _contract_days(agent, chosen[0], chosen[-1])
    others = _shifts_around(agent, chosen[0], chosen[-1])
    refused: list[tuple[date, str]] = []
    shifts: list[Shift] = []
    for day in chosen:
        try:
            slot = _check_shift(
                agent=agent,
                plateau=plateau,
                day=day,
                starts_at=pattern.starts_at,
                ends_at=pattern.ends_at,
                break_minutes=pattern.break_minutes,
                hours=hours,
                has_contract=day in contract_days,
                others=others,
            )
        except ShiftRefused as refusal:
            refused.append((day, str(refusal.message)))
            continue
        shifts.append(
            Shift(
                agent=agent,
                plateau=plateau,
                day=day,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                break_minutes=pattern.break_minutes,
                pattern=pattern,
                created_by=by,
            )
        )
    if refused:
        raise PatternNotApplied(refused)
    return Shift.objects.bulk_create(shifts)


@transaction.atomic
def clock_in(*, agent: Agent, now: datetime) -> ClockEntry:
    """Record an agent's arrival; refused while they are already clocked in."""
    agent = _lock_agent(agent)
    open_entry = ClockEntry.objects.filter(agent=agent, clocked_out_at__isnull=True).first()
    if open_entry is not None and not is_forgotten(open_entry, now):
        raise AlreadyClockedIn(_("You are already clocked in: clock out first."))
    if open_entry is not None:
        # Yesterday's clock-out was forgotten: close it when that day's last shift ended, as
        # payroll already counts it, so that today's arrival can be recorded.
        day = timezone.localdate(open_entry.clocked_in_at, timezone=agent.territory.zone)
        open_entry.clocked_out_at = forgotten_clock_out_at(
            open_entry, list(Shift.objects.scheduled().filter(agent=agent, day=day))
        )
        open_entry.save(update_fields=["clocked_out_at"])
    return ClockEntry.objects.create(agent=agent, clocked_in_at=now)


@transaction.atomic
def clock_out(*, agent: Agent, now: datetime) -> ClockEntry:
    """Record an agent's departure on their open clock entry; refused when there is none."""
    _lock_agent(agent)
    entry = ClockEntry.objects.filter(agent=agent, clocked_out_at__isnull=True).first()
    if entry is None:
        raise NotClockedIn(_("You are not clocked in."))
    entry.clocked_out_at = max(now, entry.clocked_in_at)
    entry.save(update_fields=["clocked_out_at"])
    return entry
