"""The national surge day as a simulator scenario: 120,000 contacts and 25,000 patients zéro
over 100 territories and 34 languages, 11,000 agents (issue 15's bench)."""

import math
from datetime import datetime, time
from zoneinfo import ZoneInfo

from calls.simulation import Scenario, ShiftSpec, TerritorySpec
from demo.bulk import LANGUAGES

# The overseas départements, in their own zones; the other territories are metropolitan.
OVERSEAS = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}
PARIS = ZoneInfo("Europe/Paris")
# A language this common has bilingual agents in every territory; rarer ones are called by a
# national pool (a territory lending its calls to all, as Territory.lends_to does).
LOCAL_LANGUAGE_SHARE = 0.5
# Language agents per expected share of the calls: a little more than the share, as a rare
# language's calls come in small numbers and its agents wait more.
LANGUAGE_STAFF_MARGIN = 1.5
# The two shifts of the day, in hours after local midnight.
SHIFTS = ((8.5, 16.0), (12.5, 20.0))


def surge_scenario(
    *,
    territories: int = 100,
    contacts: int = 120_000,
    index_cases: int = 25_000,
    agents: int = 11_000,
    day: datetime | None = None,
    seed: int = 1,
) -> Scenario:
    """Return the surge day's scenario (scaled down with smaller figures)."""
    start = day or datetime(2020, 10, 26, tzinfo=PARIS)
    start = datetime.combine(start.date(), time.min, tzinfo=PARIS)
    overseas = list(OVERSEAS.items())[: max(0, min(5, territories - 1) if territories >= 20 else 0)]
    codes = [f"{n:02d}" for n in range(1, 20)] + ["2A", "2B"] + [f"{n}" for n in range(21, 96)]
    metro = codes[: territories - len(overseas)]
    specs = [TerritorySpec(code, weight=1 + (i % 7) / 3) for i, code in enumerate(metro)] + [
        TerritorySpec(code, zone=zone, weight=1.0) for code, zone in overseas
    ]
    weights = {code: w / 100 for code, w in LANGUAGES}
    total_weight = sum(t.weight for t in specs)
    local = [
        code for code, w in weights.items() if code != "fr" and w * 100 >= LOCAL_LANGUAGE_SHARE
    ]
    pooled = [code for code, w in weights.items() if w * 100 < LOCAL_LANGUAGE_SHARE]
    shifts: list[ShiftSpec] = []

    def add(territory: str | None, languages: tuple[str, ...], count: int, offset: float) -> None:
        halves = (count - count // 2, count // 2)
        for (start_h, end_h), n in zip(SHIFTS, halves, strict=True):
            if n:
                shifts.append(ShiftSpec(start_h + offset, end_h + offset, languages, n, territory))

    pool_agents = {
        code: max(2, round(agents * weights[code] * LANGUAGE_STAFF_MARGIN)) for code in pooled
    }
    for code in pooled:
        add(None, (code,), pool_agents[code], 0.0)
    left = agents - sum(pool_agents.values())
    for spec in specs:
        own = round(left * spec.weight / total_weight)
        # Hours after Paris midnight when it is 8:30 there: the rota follows local time.
        offset = (
            -(
                datetime.combine(start.date(), time(12), tzinfo=ZoneInfo(spec.zone)).utcoffset()
                - datetime.combine(start.date(), time(12), tzinfo=PARIS).utcoffset()
            ).total_seconds()
            / 3600
        )
        bilingual = 0
        for code in local:
            n = max(1, math.ceil(own * weights[code] * LANGUAGE_STAFF_MARGIN))
            add(spec.code, (code, "fr"), n, offset)
            bilingual += n
        add(spec.code, ("fr",), max(own - bilingual, 1), offset)
    # Rounding aside, the rota has exactly `agents`: the difference goes to the first
    # territory's French speakers.
    first_french = next(i for i, shift in enumerate(shifts) if shift.languages == ("fr",))
    missing = agents - sum(shift.count for shift in shifts)
    shift = shifts[first_french]
    shifts[first_french] = ShiftSpec(
        shift.start, shift.end, shift.languages, max(shift.count + missing, 0), shift.territory
    )
    return Scenario(
        start=start,
        days=1,
        territories=tuple(specs),
        languages=weights,
        index_cases_per_day=index_cases,
        contacts_per_day=contacts,
        shifts=tuple(shifts),
        seed=seed,
    )
