"""Reads of the rota: opening hours, a plateau's week grid, an agent's own week, shifts for the
API."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from agents.access import RequestUser, territory_today
from agents.models import Agent, Language, OpeningHours, Plateau, Territory
from agents.public_holidays import holiday_name
from agents.selectors import opening_hours_of
from common.bounds import parse_bounded_date
from workforce.models.rota import ClockEntry, Shift, ShiftPattern
from workforce.selectors.staffing import staffing_table


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
    """Say who is rostered on the territory's floors now (rosters_for_board of one)."""
    return rosters_for_board(territories=[territory], now=now)[territory.pk]


def rosters_for_board(*, territories: list[Territory], now: datetime) -> dict[int, dict]:
    """Say who is rostered on each territory's floors now, for the plateau boards (one query
    for them all).

    Returns {territory id: {"rota_today": whether any shift is planned today there (its local
    day), "now": {agent id: {"starts_at", "ends_at"}} of the shifts running now}}. The board
    (supervision) reads it through the SUPERVISION_ROSTER_SOURCE setting, not an import: the two
    apps stand side by side.
    """
    today = {t.pk: territory_today(t, now) for t in territories}
    shifts = (
        Shift.objects.scheduled()
        .filter(agent__territory__in=list(today))
        .filter(Q(day__in=set(today.values())) | Q(starts_at__lte=now, ends_at__gt=now))
    )
    rosters: dict[int, dict] = {pk: {"rota_today": False, "now": {}} for pk in today}
    for territory_id, agent_id, day, starts_at, ends_at in shifts.values_list(
        "agent__territory_id", "agent_id", "day", "starts_at", "ends_at"
    ):
        roster = rosters[territory_id]
        roster["rota_today"] = roster["rota_today"] or day == today[territory_id]
        if starts_at <= now < ends_at:
            roster["now"][agent_id] = {"starts_at": starts_at, "ends_at": ends_at}
    return rosters


# The rota's coverage splits a day at this local hour: a shift that starts before it covers the
# morning, one that ends after it the afternoon (a full day covers both).
MIDDAY = time(13)


@dataclass
class CoverageCell:
    day: WeekDay
    agents: int = 0
    morning: int = 0
    afternoon: int = 0
    # From the staffing module, for today and later days only (a past day's need is not known):
    # the agents the territory needs in this language, and those the whole territory has on shift.
    needed: int | None = None
    territory_scheduled: int | None = None

    @property
    def is_open(self) -> bool:
        return self.day.hours is not None

    @property
    def uncovered(self) -> bool:
        """Open that day, and nobody of the plateau on shift (in this language)."""
        return self.is_open and self.agents == 0

    @property
    def short(self) -> bool:
        """The territory has fewer agents on shift than the staffing module says it needs."""
        return bool(self.needed) and (self.territory_scheduled or 0) < (self.needed or 0)


@dataclass
class CoverageRow:
    language: Language | None  # None: all the agents, whatever their languages
    cells: list[CoverageCell]


@dataclass(frozen=True)
class WeekNeeds:
    """What the staffing module says of a week: per (language code, day), the agents needed and
    those on shift in the whole territory; and the languages needed on at least one day."""

    cells: dict[tuple[str, date], tuple[int, int]] = field(default_factory=dict)
    languages: list[Language] = field(default_factory=list)


def week_needs(*, territory: Territory, week_start: date, today: date) -> WeekNeeds:
    """Return the staffing needs of the week's days from today on (a fixed number of queries);
    nothing for a past week."""
    week_end = week_start + timedelta(days=6)
    start = max(week_start, today)
    if start > week_end:
        return WeekNeeds()
    table = staffing_table(territory=territory, start=start, days=(week_end - start).days + 1)
    needs = WeekNeeds()
    for row in table.rows:
        for cell in row.cells:
            needs.cells[(row.language.code, cell.day)] = (cell.need.agents_needed, cell.scheduled)
        if any(cell.need.agents_needed for cell in row.cells):
            needs.languages.append(row.language)
    return needs


def week_coverage(*, week: PlateauWeek, needs: WeekNeeds | None = None) -> list[CoverageRow]:
    """Return, per day of the week, how many agents of the grid are on shift, in all and per
    language they speak, morning and afternoon (one query: the grid's shifts are already read).

    With `needs`, each cell has the agents the territory needs and has on shift; a language needed
    that nobody of the plateau speaks gets a row (of zeros: the gap to fill).
    """
    needs = needs or WeekNeeds()
    zone = week.plateau.territory.zone
    speakers: dict[str, set[int]] = defaultdict(set)
    languages: dict[str, Language] = {}
    for link in Agent.languages.through.objects.filter(
        agent_id__in=[row.agent.pk for row in week.rows]
    ).select_related("language"):
        speakers[link.language_id].add(link.agent_id)
        languages[link.language_id] = link.language
    for language in needs.languages:
        languages.setdefault(language.code, language)
    # Who works each day, and in which half of it.
    on_day: list[dict[str, set[int]]] = [
        {"all": set(), "morning": set(), "afternoon": set()} for _day in range(7)
    ]
    for row in week.rows:
        for index, cell in enumerate(row.cells):
            for shift in cell:
                if shift.cancelled:
                    continue
                sets = on_day[index]
                sets["all"].add(row.agent.pk)
                if shift.starts_at.astimezone(zone).time() < MIDDAY:
                    sets["morning"].add(row.agent.pk)
                ends = shift.ends_at.astimezone(zone)
                if ends.time() > MIDDAY or ends.date() > shift.day:
                    sets["afternoon"].add(row.agent.pk)

    def cells(code: str | None) -> list[CoverageCell]:
        result = []
        for index, day in enumerate(week.days):
            sets = on_day[index]
            among = speakers.get(code, set()) if code else None
            count = {
                band: len(agents if among is None else agents & among)
                for band, agents in sets.items()
            }
            need = needs.cells.get((code, day.day)) if code else None
            result.append(
                CoverageCell(
                    day=day,
                    agents=count["all"],
                    morning=count["morning"],
                    afternoon=count["afternoon"],
                    needed=need[0] if need else None,
                    territory_scheduled=need[1] if need else None,
                )
            )
        return result

    ordered = sorted(languages.values(), key=lambda language: str(language).casefold())
    return [
        CoverageRow(language=None, cells=cells(None)),
        *(CoverageRow(language=language, cells=cells(language.code)) for language in ordered),
    ]
