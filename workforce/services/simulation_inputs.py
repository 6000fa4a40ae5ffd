"""The simulator's inputs for one day of a territory, from its own data: the expected volumes
(workforce.VolumeForecast) and their language mix, the rota that day (confirmed shifts, and the
planner's drafts when asked), the territory's calling hours, its own handle times when it has
enough history (calls.simulation.handle_times_from_history) and the retry rules and wrap-up
limits as they stand in the database."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Sum

from agents.models import Agent, Territory
from calls.simulation import Scenario, ShiftSpec, TerritorySpec
from calls.simulation.scenario import handle_times_from_history
from workforce.models.rota import Shift, ShiftPattern
from workforce.models.staffing import VolumeForecast


@dataclass(frozen=True)
class Volumes:
    index_cases: int
    contacts: int
    # Language code: its share of the day's people (sums to 1).
    mix: dict[str, float]


def expected_volumes(*, territory: Territory, day: date) -> Volumes:
    """Return the day's expected patients zéro and contacts and their language mix, from the
    forecasts (French only, and nobody, when there is none)."""
    rows = list(
        VolumeForecast.objects.filter(territory=territory, day=day)
        .values("language__code")
        .annotate(index_cases=Sum("index_cases"), contacts=Sum("contacts"))
        .order_by("language__code")
    )
    index_cases = sum(r["index_cases"] for r in rows)
    contacts = sum(r["contacts"] for r in rows)
    people = index_cases + contacts
    mix = (
        {r["language__code"]: (r["index_cases"] + r["contacts"]) / people for r in rows if people}
        if people
        else {}
    )
    return Volumes(
        index_cases=index_cases,
        contacts=contacts,
        mix={k: v for k, v in mix.items() if v} or {"fr": 1.0},
    )


def _languages_of(spoken: list[str], mix: dict[str, float]) -> tuple[str, ...]:
    """An agent's languages as the planner counts them, "agents per language per shift": the
    rarest language of the day's mix they speak (their specialty; French when they speak no
    other), then French, which every agent of a French floor speaks."""
    others = sorted((c for c in spoken if c in mix and c != "fr"), key=lambda c: (mix[c], c))
    return (others[0], "fr") if others else ("fr",)


def rota_shifts(
    *, territory: Territory, day: date, mix: dict[str, float], include_drafts: bool = False
) -> tuple[ShiftSpec, ...]:
    """Return the day's rota as the simulator's shifts: agents grouped by start, end and
    languages, in a fixed order (two queries)."""
    midnight = datetime.combine(day, time.min, tzinfo=territory.zone)
    shifts = Shift.objects.filter(agent__territory=territory, day=day, cancelled_at__isnull=True)
    if not include_drafts:
        shifts = shifts.filter(draft=False)
    rows = list(shifts.values_list("agent_id", "starts_at", "ends_at"))
    spoken: dict[int, list[str]] = {}
    for agent_id, code in Agent.languages.through.objects.filter(
        agent_id__in={r[0] for r in rows}
    ).values_list("agent_id", "language__code"):
        spoken.setdefault(agent_id, []).append(code)
    groups: Counter[tuple[float, float, tuple[str, ...]]] = Counter()
    for agent_id, starts_at, ends_at in rows:
        start = round((starts_at - midnight).total_seconds() / 3600, 2)
        end = round((ends_at - midnight).total_seconds() / 3600, 2)
        groups[(start, end, _languages_of(spoken.get(agent_id, ["fr"]), mix))] += 1
    return tuple(
        ShiftSpec(start, end, languages, count)
        for (start, end, languages), count in sorted(groups.items())
    )


def pattern_shifts(*, territory: Territory, mix: dict[str, float]) -> tuple[ShiftSpec, ...]:
    """With no rota that day: the territory's shift patterns, one empty shift per pattern and
    language of the mix, for the planner to fill."""
    specs = []
    for pattern in ShiftPattern.objects.filter(territory=territory).order_by("starts_at", "pk"):
        start = pattern.starts_at.hour + pattern.starts_at.minute / 60
        end = pattern.ends_at.hour + pattern.ends_at.minute / 60
        for code in sorted(mix, key=lambda c: (-mix[c], c)):
            languages = (code,) if code == "fr" else (code, "fr")
            specs.append(ShiftSpec(round(start, 2), round(end, 2), languages, 0))
    return tuple(specs)


def _with_every_language(
    shifts: tuple[ShiftSpec, ...], mix: dict[str, float]
) -> tuple[ShiftSpec, ...]:
    """Add an empty shift, on the day's longest shift hours, for each language of the mix that
    no shift has for its own: the planner can then ask for agents speaking it."""
    if not shifts:
        return shifts
    covered = {s.languages[0] for s in shifts}
    longest = max(shifts, key=lambda s: (s.end - s.start, -s.start))
    extra = tuple(
        ShiftSpec(longest.start, longest.end, (code, "fr"), 0)
        for code in sorted(mix)
        if code not in covered
    )
    return tuple(sorted(shifts + extra, key=lambda s: (s.start, s.end, s.languages)))


def scenario_for(
    *,
    territory: Territory,
    day: date,
    index_cases: int | None = None,
    contacts: int | None = None,
    include_drafts: bool = False,
    seed: int = 1,
) -> Scenario:
    """Return the simulator's scenario for one day of the territory: its expected volumes (or
    the ones given), its rota that day (with the drafts when asked), its calling hours, its own
    handle times where it has the history, the rules as in the database."""
    volumes = expected_volumes(territory=territory, day=day)
    shifts = rota_shifts(
        territory=territory, day=day, mix=volumes.mix, include_drafts=include_drafts
    ) or pattern_shifts(territory=territory, mix=volumes.mix)
    return Scenario(
        start=datetime.combine(day, time.min, tzinfo=territory.zone),
        territories=(
            TerritorySpec(
                territory.code,
                territory.timezone,
                territory.calling_hours_start,
                territory.calling_hours_end,
            ),
        ),
        languages=volumes.mix,
        index_cases_per_day=volumes.index_cases if index_cases is None else index_cases,
        contacts_per_day=volumes.contacts if contacts is None else contacts,
        handle_minutes=handle_times_from_history(territory),
        shifts=_with_every_language(shifts, volumes.mix),
        seed=seed,
    ).with_database_rules()
