"""Staffing needs: expected volumes and handle times turned into agents needed per language and
day, against the rota and against the contracts that end.

The arithmetic is one pure function (compute_need); staffing_table reads the database in a fixed
number of queries whatever the number of languages and days.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, QuerySet, Sum

from agents import roles
from agents.access import territory_today
from agents.models import Agent, Language, Territory
from calls.models import CallAttempt, CallTask
from workforce.models.contracts import Contract
from workforce.models.rota import Shift
from workforce.models.staffing import StaffingParameters, VolumeForecast

# The window the observed volumes and handle times are read from: the last complete local days.
OBSERVED_DAYS = 7
# Below this many connected calls of a kind in the window, their mean says little: use the default.
MIN_OBSERVED_CALLS = 30
DEFAULT_HORIZON_DAYS = 7
MAX_HORIZON_DAYS = 31

INDEX = "index"
CONTACT = "contact"
# Follow-up calls go with contact notifications: they are short calls to people already known,
# nearer a 15-minute contact call than a 30-minute interview, and leaving them out would hide work.
KIND_OF_REASON = {
    CallTask.Reason.INDEX_INTERVIEW: INDEX,
    CallTask.Reason.CONTACT_NOTIFICATION: CONTACT,
    CallTask.Reason.FOLLOW_UP: CONTACT,
}

ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Need:
    workload_hours: Decimal
    productive_hours: Decimal
    agents_needed: int


def productive_hours_per_agent(
    *, paid_hours_per_day: Decimal, occupancy: Decimal, shrinkage: Decimal
) -> Decimal:
    """Return the hours of calls one agent handles in a paid day."""
    return Decimal(paid_hours_per_day) * Decimal(occupancy) * (1 - Decimal(shrinkage))


def compute_need(
    *,
    index_cases: Decimal,
    contacts: Decimal,
    index_handle_minutes: Decimal,
    contact_handle_minutes: Decimal,
    attempts_per_contact: Decimal,
    unanswered_attempt_minutes: Decimal,
    paid_hours_per_day: Decimal,
    occupancy: Decimal,
    shrinkage: Decimal,
) -> Need:
    """Return the workload in hours, the productive hours of one agent-day and the agents needed."""
    people = Decimal(index_cases) + Decimal(contacts)
    # Each person is reached once, for the full handle time; every other attempt is a call nobody
    # answers, which costs only the dialling, the ringing and perhaps a voicemail.
    workload_minutes = (
        Decimal(index_cases) * Decimal(index_handle_minutes)
        + Decimal(contacts) * Decimal(contact_handle_minutes)
        + people * (Decimal(attempts_per_contact) - 1) * Decimal(unanswered_attempt_minutes)
    )
    workload_hours = workload_minutes / 60
    productive_hours = productive_hours_per_agent(
        paid_hours_per_day=paid_hours_per_day, occupancy=occupancy, shrinkage=shrinkage
    )
    if workload_hours <= 0:
        return Need(workload_hours=Decimal(0), productive_hours=productive_hours, agents_needed=0)
    agents = (workload_hours / productive_hours).to_integral_value(rounding=ROUND_CEILING)
    return Need(
        workload_hours=workload_hours, productive_hours=productive_hours, agents_needed=int(agents)
    )


@dataclass(frozen=True)
class HandleTime:
    minutes: Decimal
    observed_calls: int  # 0: the parameter's default is used

    @property
    def observed(self) -> bool:
        return self.observed_calls > 0


@dataclass(frozen=True)
class Volume:
    index_cases: Decimal
    contacts: Decimal
    forecast: bool  # False: the average of the last OBSERVED_DAYS days


@dataclass
class Cell:
    language: Language
    day: date
    volume: Volume
    need: Need
    scheduled: int
    available: int

    @property
    def gap_rota(self) -> int:
        return self.scheduled - self.need.agents_needed

    @property
    def gap_contracts(self) -> int:
        return self.available - self.need.agents_needed


@dataclass
class DayTotal:
    day: date
    workload_hours: Decimal = Decimal(0)
    agents_needed: int = 0
    # Each agent once, whatever the number of languages they speak.
    scheduled: int = 0
    available: int = 0

    @property
    def gap_rota(self) -> int:
        return self.scheduled - self.agents_needed

    @property
    def gap_contracts(self) -> int:
        return self.available - self.agents_needed


@dataclass
class LanguageRow:
    language: Language
    cells: list[Cell] = field(default_factory=list)


@dataclass
class StaffingTable:
    territory: Territory
    parameters: StaffingParameters
    days: list[date]
    observed_from: date
    observed_to: date
    index_handle: HandleTime
    contact_handle: HandleTime
    productive_hours: Decimal
    rows: list[LanguageRow]
    totals: list[DayTotal]

    def by_day(self) -> list[tuple[DayTotal, list[Cell]]]:
        """Return each day's total with its cells, one per language: the page's order."""
        return [
            (total, [row.cells[index] for row in self.rows])
            for index, total in enumerate(self.totals)
        ]


def staffing_parameters(*, territory: Territory) -> StaffingParameters:
    """Return the territory's parameters, or the defaults (unsaved) when it has none yet."""
    return StaffingParameters.objects.filter(territory=territory).first() or StaffingParameters(
        territory=territory
    )


def _local_midnight(day: date, territory: Territory) -> datetime:
    return datetime.combine(day, time.min, tzinfo=territory.zone)


def _observed_window(territory: Territory) -> tuple[date, date, datetime, datetime]:
    today = territory_today(territory)
    first = today - timedelta(days=OBSERVED_DAYS)
    return (
        first,
        today - timedelta(days=1),
        _local_midnight(first, territory),
        _local_midnight(today, territory),
    )


def observed_volumes(*, territory: Territory) -> dict[str, Volume]:
    """Return the average number of people to call per day and language, over the last 7 days."""
    _first, _last, since, until = _observed_window(territory)
    counts = (
        CallTask.objects.filter(territory=territory, created_at__gte=since, created_at__lt=until)
        .values("language_id", "reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {INDEX: 0, CONTACT: 0})
    for row in counts:
        totals[row["language_id"]][KIND_OF_REASON[row["reason"]]] += row["n"]
    return {
        code: Volume(
            index_cases=(Decimal(kinds[INDEX]) / OBSERVED_DAYS).quantize(
                ONE_DECIMAL, ROUND_HALF_UP
            ),
            contacts=(Decimal(kinds[CONTACT]) / OBSERVED_DAYS).quantize(ONE_DECIMAL, ROUND_HALF_UP),
            forecast=False,
        )
        for code, kinds in totals.items()
    }


def handle_times(*, territory: Territory, parameters: StaffingParameters) -> dict[str, HandleTime]:
    """Return the handle minutes of a patient zéro interview and of a contact call, with their
    source."""
    defaults = {
        INDEX: HandleTime(minutes=Decimal(parameters.index_handle_minutes), observed_calls=0),
        CONTACT: HandleTime(minutes=Decimal(parameters.contact_handle_minutes), observed_calls=0),
    }
    if not parameters.use_observed_handle_times:
        return defaults
    _first, _last, since, until = _observed_window(territory)
    # ended_at is stamped when the outcome is recorded, so this is talk plus wrap-up: the handle
    # time.
    duration = ExpressionWrapper(F("ended_at") - F("connected_at"), output_field=DurationField())
    rows = (
        CallAttempt.objects.filter(
            task__territory=territory,
            connected_at__isnull=False,
            ended_at__isnull=False,
            connected_at__gte=since,
            connected_at__lt=until,
        )
        .values("task__reason")
        .annotate(n=Count("id"), total=Sum(duration))
        .order_by()
    )
    calls: dict[str, int] = defaultdict(int)
    seconds: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        kind = KIND_OF_REASON[row["task__reason"]]
        calls[kind] += row["n"]
        seconds[kind] += Decimal(row["total"].total_seconds()) if row["total"] else Decimal(0)
    result = dict(defaults)
    for kind, n in calls.items():
        if n >= MIN_OBSERVED_CALLS:
            result[kind] = HandleTime(
                minutes=(seconds[kind] / n / 60).quantize(ONE_DECIMAL, ROUND_HALF_UP),
                observed_calls=n,
            )
    return result


def _callers(territory: Territory) -> QuerySet[Agent]:
    """The téléconseillers of the territory whose account is active: the people who take calls."""
    return Agent.objects.filter(
        territory=territory, user__is_active=True, user__groups__name=roles.TELECONSEILLER
    )


def _covered(contracts: list[Contract], employer: str, day: date) -> bool:
    if not contracts:
        # Staff of the Assurance Maladie, providers' agents and doctors need no contract row here;
        # a fixed-term recruit without one cannot work.
        return employer != Agent.Employer.FIXED_TERM
    # A renewal is a new row covering the following days, so an end that was renewed never shows.
    return any(contract.covers(day) for contract in contracts)


def staffing_table(
    *, territory: Territory, start: date, days: int, parameters: StaffingParameters | None = None
) -> StaffingTable:
    """Compute the agents needed per language and day, and the gaps against the rota and
    contracts."""
    parameters = parameters or staffing_parameters(territory=territory)
    horizon = [start + timedelta(days=offset) for offset in range(days)]
    end = horizon[-1]

    forecasts = {
        (f.language_id, f.day): f
        for f in VolumeForecast.objects.filter(territory=territory, day__gte=start, day__lte=end)
    }
    observed = observed_volumes(territory=territory)
    handles = handle_times(territory=territory, parameters=parameters)

    agent_ids = _callers(territory).values("pk")
    speaks: dict[str, set[int]] = defaultdict(set)
    employers: dict[int, str] = {}
    for agent_id, language_id, employer in Agent.languages.through.objects.filter(
        agent_id__in=agent_ids
    ).values_list("agent_id", "language_id", "agent__employer"):
        speaks[language_id].add(agent_id)
        employers[agent_id] = employer
    on_shift: dict[date, set[int]] = defaultdict(set)
    for agent_id, day in (
        # Cancelled shifts, and shifts after an end the sweep has not reached, staff nobody.
        Shift.objects.scheduled()
        .within_contract()
        .filter(agent_id__in=agent_ids, day__gte=start, day__lte=end)
        .values_list("agent_id", "day")
        .order_by()
        .distinct()
    ):
        on_shift[day].add(agent_id)
    contracts: dict[int, list[Contract]] = defaultdict(list)
    for contract in Contract.objects.filter(agent_id__in=agent_ids).only(
        "agent_id", "start_on", "end_on"
    ):
        contracts[contract.agent_id].append(contract)
    available_on = {
        day: {
            agent_id
            for agent_id, employer in employers.items()
            if _covered(contracts[agent_id], employer, day)
        }
        for day in horizon
    }

    codes = {code for code, _day in forecasts} | {
        code for code, volume in observed.items() if volume.index_cases or volume.contacts
    }
    codes |= set(speaks)
    languages = sorted(
        Language.objects.filter(code__in=codes), key=lambda language: str(language).casefold()
    )

    zero = Volume(index_cases=Decimal(0), contacts=Decimal(0), forecast=False)
    totals = {day: DayTotal(day=day) for day in horizon}
    rows = []
    for language in languages:
        row = LanguageRow(language=language)
        for day in horizon:
            forecast = forecasts.get((language.code, day))
            if forecast is not None:
                volume = Volume(
                    index_cases=Decimal(forecast.index_cases),
                    contacts=Decimal(forecast.contacts),
                    forecast=True,
                )
            else:
                volume = observed.get(language.code, zero)
            need = compute_need(
                index_cases=volume.index_cases,
                contacts=volume.contacts,
                index_handle_minutes=handles[INDEX].minutes,
                contact_handle_minutes=handles[CONTACT].minutes,
                attempts_per_contact=parameters.attempts_per_contact,
                unanswered_attempt_minutes=parameters.unanswered_attempt_minutes,
                paid_hours_per_day=parameters.paid_hours_per_day,
                occupancy=parameters.occupancy,
                shrinkage=parameters.shrinkage,
            )
            speakers = speaks.get(language.code, set())
            cell = Cell(
                language=language,
                day=day,
                volume=volume,
                need=need,
                scheduled=len(speakers & on_shift[day]),
                available=len(speakers & available_on[day]),
            )
            row.cells.append(cell)
            totals[day].workload_hours += need.workload_hours
            totals[day].agents_needed += need.agents_needed
        rows.append(row)
    for day, total in totals.items():
        total.scheduled = len(on_shift[day] & set(employers))
        total.available = len(available_on[day])

    first, last, _since, _until = _observed_window(territory)
    productive = productive_hours_per_agent(
        paid_hours_per_day=parameters.paid_hours_per_day,
        occupancy=parameters.occupancy,
        shrinkage=parameters.shrinkage,
    )
    return StaffingTable(
        territory=territory,
        parameters=parameters,
        days=horizon,
        observed_from=first,
        observed_to=last,
        index_handle=handles[INDEX],
        contact_handle=handles[CONTACT],
        productive_hours=productive,
        rows=rows,
        totals=[totals[day] for day in horizon],
    )


@dataclass(frozen=True)
class ForecastCell:
    language: Language
    day: date
    forecast: VolumeForecast | None
    observed: Volume


def forecast_grid(
    *,
    territory: Territory,
    start: date,
    days: int,
    extra_languages: Iterable[str] = (),
) -> list[ForecastCell]:
    """Return, per language and day of the horizon, the forecast entered (if any) and the observed
    average."""
    horizon = [start + timedelta(days=offset) for offset in range(days)]
    forecasts = {
        (f.language_id, f.day): f
        for f in VolumeForecast.objects.filter(
            territory=territory, day__gte=start, day__lte=horizon[-1]
        )
    }
    observed = observed_volumes(territory=territory)
    codes = {code for code, _day in forecasts} | {
        code for code, v in observed.items() if v.index_cases or v.contacts
    }
    codes |= set(
        Agent.languages.through.objects.filter(
            agent_id__in=_callers(territory).values("pk")
        ).values_list("language_id", flat=True)
    )
    codes |= set(extra_languages)
    languages = sorted(
        Language.objects.filter(code__in=codes), key=lambda language: str(language).casefold()
    )
    zero = Volume(index_cases=Decimal(0), contacts=Decimal(0), forecast=False)
    return [
        ForecastCell(
            language=language,
            day=day,
            forecast=forecasts.get((language.code, day)),
            observed=observed.get(language.code, zero),
        )
        for language in languages
        for day in horizon
    ]
