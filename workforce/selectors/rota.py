"""Reads of the rota: opening hours, a plateau's week grid, an agent's own week, shifts for the
API."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from agents.access import RequestUser, territory_today
from agents.models import Agent, OpeningHours, Plateau, Territory
from agents.public_holidays import holiday_name
from agents.selectors import opening_hours_of
from common.bounds import parse_bounded_date
from workforce.models.rota import ClockEntry, Shift, ShiftPattern


def week_start_of(day: date) -> date:
    """Return the Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def parse_week(value: str | None, *, territory: Territory) -> date:
    """Return the Monday of the week named by ?week= (any day of it), this week when absent or
    wrong or out of common.bounds' range."""
    return week_start_of(parse_bounded_date(value) or territory_today(territory))


def local_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the start and end of a local day, in UTC (23 or 25 hours on clock-change days).

    In UTC because Python subtracts two datetimes of the same ZoneInfo as wall-clock times: a
    local midnight-to-midnight difference would be 24 hours on every day.
    """
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# No shift and its overtime last this long: an entry open for longer was left open by mistake.
FORGOTTEN_CLOCK_OUT_AFTER = timedelta(hours=16)


def is_forgotten(entry: ClockEntry, now: datetime) -> bool:
    """Say whether an open clock entry was left open by mistake (the agent went home unclocked)."""
    return entry.clocked_out_at is None and now - entry.clocked_in_at > FORGOTTEN_CLOCK_OUT_AFTER


def forgotten_clock_out_at(entry: ClockEntry, day_shifts: list[Shift]) -> datetime:
    """Return when a forgotten entry is taken to end: the end of the last shift of its day (the
    agent went home as scheduled), or its clock-in when there was no shift."""
    ends = [shift.ends_at for shift in day_shifts if shift.ends_at > entry.clocked_in_at]
    return max(ends) if ends else entry.clocked_in_at


def shift_minutes(shift: Shift) -> int:
    """Return the scheduled (paid) minutes of a shift: its length minus its unpaid break."""
    return max(
        0, int((shift.ends_at - shift.starts_at).total_seconds() // 60) - shift.break_minutes
    )


def shift_patterns_of(*, territory: Territory) -> QuerySet[ShiftPattern]:
    return ShiftPattern.objects.filter(territory=territory)


@dataclass(frozen=True)
class WeekDay:
    day: date
    holiday: str | None
    hours: OpeningHours | None

    @property
    def is_sunday(self) -> bool:
        return self.day.weekday() == 6


@dataclass
class AgentWeekRow:
    agent: Agent
    cells: list[list[Shift]]

    @property
    def scheduled_minutes(self) -> int:
        return sum(
            shift_minutes(shift) for cell in self.cells for shift in cell if not shift.cancelled
        )

    @property
    def scheduled_hours(self) -> float:
        return self.scheduled_minutes / 60


@dataclass
class PlateauWeek:
    plateau: Plateau
    week_start: date
    days: list[WeekDay]
    rows: list[AgentWeekRow]

    @property
    def previous_week(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week_start + timedelta(days=7)


def _week_days(
    territory: Territory, week_start: date, hours: dict[int, OpeningHours]
) -> list[WeekDay]:
    days = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        holiday = holiday_name(territory, day)
        days.append(
            WeekDay(
                day=day,
                holiday=holiday,
                hours=hours.get(OpeningHours.PUBLIC_HOLIDAY if holiday else day.weekday()),
            )
        )
    return days


def plateau_week(*, plateau: Plateau, week_start: date) -> PlateauWeek:
    """Return the week grid of a plateau: its agents (and any agent lent to it that week) × 7
    days. Cancelled shifts are in it, for the page to show struck out (the gap to fill), and out
    of the hours."""
    territory = plateau.territory
    week_end = week_start + timedelta(days=6)
    days = _week_days(territory, week_start, opening_hours_of(territory=territory))
    shifts = list(
        Shift.objects.filter(plateau=plateau, day__range=(week_start, week_end))
        .select_related("pattern")
        .order_by("starts_at")
    )
    lent = {shift.agent_id for shift in shifts}
    agents = (
        Agent.objects.filter(Q(plateau=plateau, user__is_active=True) | Q(pk__in=lent))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    rows = {
        agent.pk: AgentWeekRow(agent=agent, cells=[[] for _day in range(7)]) for agent in agents
    }
    for shift in shifts:
        rows[shift.agent_id].cells[(shift.day - week_start).days].append(shift)
    return PlateauWeek(plateau=plateau, week_start=week_start, days=days, rows=list(rows.values()))


@dataclass
class MyDay:
    day: WeekDay
    shifts: list[Shift] = field(default_factory=list)


@dataclass
class MyWeek:
    agent: Agent
    week_start: date
    days: list[MyDay]
    open_clock_entry: ClockEntry | None

    @property
    def shifts(self) -> list[Shift]:
        return [shift for my_day in self.days for shift in my_day.shifts]

    @property
    def scheduled_minutes(self) -> int:
        return sum(shift_minutes(shift) for shift in self.shifts)

    @property
    def scheduled_hours(self) -> float:
        return self.scheduled_minutes / 60

    @property
    def previous_week(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week_start + timedelta(days=7)


def my_week(*, agent: Agent, week_start: date) -> MyWeek:
    """Return an agent's own shifts of a week (Monday to Sunday, local days) and their open
    clock-in."""
    territory = agent.territory
    week_end = week_start + timedelta(days=6)
    days = [MyDay(day=week_day) for week_day in _week_days(territory, week_start, hours={})]
    shifts = (
        Shift.objects.scheduled()
        .filter(agent=agent, day__range=(week_start, week_end))
        .select_related("plateau")
        .order_by("starts_at")
    )
    for shift in shifts:
        days[(shift.day - week_start).days].shifts.append(shift)
    open_entry = ClockEntry.objects.filter(agent=agent, clocked_out_at__isnull=True).first()
    return MyWeek(agent=agent, week_start=week_start, days=days, open_clock_entry=open_entry)


def shifts_for_user(
    *,
    user: RequestUser,
    start: date,
    end: date,
    plateau: Plateau | None = None,
) -> QuerySet[Shift]:
    """Return the shifts the user may see between two local days: their territory's, or their
    own."""
    shifts = Shift.objects.for_user(user).scheduled().filter(day__range=(start, end))
    if plateau is not None:
        shifts = shifts.filter(plateau=plateau)
    return shifts.select_related("agent__user", "plateau").order_by("day", "starts_at", "pk")


def roster_for_board(*, territory: Territory, now: datetime) -> dict:
    """Say who is rostered on the territory's floors now, for the plateau board (one query).

    Returns {"rota_today": whether any shift is planned today there, "now": {agent id: {"starts_at",
    "ends_at"}} of the shifts running now}. The board (supervision) reads it through the
    SUPERVISION_ROSTER_SOURCE setting, not an import: the two apps stand side by side.
    """
    today = territory_today(territory, now)
    shifts = (
        Shift.objects.scheduled()
        .filter(agent__territory=territory)
        .filter(Q(day=today) | Q(starts_at__lte=now, ends_at__gt=now))
    )
    roster: dict = {"rota_today": False, "now": {}}
    for agent_id, day, starts_at, ends_at in shifts.values_list(
        "agent_id", "day", "starts_at", "ends_at"
    ):
        roster["rota_today"] = roster["rota_today"] or day == today
        if starts_at <= now < ends_at:
            roster["now"][agent_id] = {"starts_at": starts_at, "ends_at": ends_at}
    return roster
