"""The staffing planner: the smallest rota whose simulated day keeps the 24-hour promise, beside
the workload formula's figure and the rota as it stands; and its proposal written as draft
shifts for an admin to confirm.

The search (plan_staffing), with the simulator as its judge (calls.simulation.simulate, same
seed every time, so that two rotas are compared on the same day):
1. Scale every shift of the scenario's rota by one factor (doubling, then bisection) until the
   simulated share within 24 h reaches the target in every language: the smallest factor found.
2. Then, language by language (the shifts whose first language it is; the largest group first),
   bisect the group's head count down to the smallest that still meets the target, the others
   fixed. A simulation budget bounds the search: groups left when it runs out keep phase 1's
   count.
The share is taken to grow with the staff (it does, save for the noise of the draws); the test
compares the search with a brute force on a small case.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from agents import roles
from agents.models import Agent, Plateau, Territory
from calls.simulation import Scenario, ShiftSpec, SimulationResult, simulate
from workforce.models.rota import Shift
from workforce.selectors.staffing import compute_need, staffing_parameters

# Phase 1 stops doubling at this factor: past it, staff is not what the day lacks (a language
# nobody in the rota speaks, calling hours too short).
MAX_FACTOR = 64.0


@dataclass
class StaffingPlan:
    target: float
    shifts: tuple[ShiftSpec, ...]
    # Shares are of the people with a number in service (Figures.share_of_reachable).
    agents: int
    share_within_24h: float
    share_by_language: dict[str, float]
    reaches_target: bool
    start_agents: int
    start_share: float
    simulations: int
    # The workload formula's agents for the same volumes (workforce.selectors.staffing), and the
    # agents scheduled on the rota that day (confirmed shifts), when a territory is given.
    formula_agents: int | None = None
    rota_agents: int | None = None
    agents_by_language: dict[str, int] = field(default_factory=dict)
    result: SimulationResult | None = None


def _meets(result: SimulationResult, target: float) -> bool:
    """Say whether every language reaches the target: the share within 24 h of the people with
    a number in service (a person whose every number is wrong is missed whatever the staff)."""
    return all(
        f.share_of_reachable >= target for f in result.by_language.values() if f.people
    ) and (result.share_of_reachable >= target)


def _with_counts(shifts: tuple[ShiftSpec, ...], counts: list[int]) -> tuple[ShiftSpec, ...]:
    return tuple(
        ShiftSpec(s.start, s.end, s.languages, n, s.territory)
        for s, n in zip(shifts, counts, strict=True)
    )


def formula_agents(*, scenario: Scenario, territory: Territory | None = None) -> int:
    """Return the agents the workload formula asks for the scenario's daily volumes, with the
    territory's staffing parameters (the defaults without one)."""
    from workforce.models.staffing import StaffingParameters

    p = staffing_parameters(territory=territory) if territory is not None else StaffingParameters()
    return compute_need(
        index_cases=Decimal(scenario.index_cases_per_day),
        contacts=Decimal(scenario.contacts_per_day),
        index_handle_minutes=Decimal(p.index_handle_minutes),
        contact_handle_minutes=Decimal(p.contact_handle_minutes),
        attempts_per_contact=p.attempts_per_contact,
        unanswered_attempt_minutes=p.unanswered_attempt_minutes,
        paid_hours_per_day=p.paid_hours_per_day,
        occupancy=p.occupancy,
        shrinkage=p.shrinkage,
    ).agents_needed


def rota_agents(*, territory: Territory, day: date) -> int:
    """Return how many agents of the territory the rota schedules that day (confirmed shifts)."""
    return (
        Shift.objects.scheduled()
        .filter(agent__territory=territory, day=day)
        .values("agent")
        .distinct()
        .count()
    )


def plan_staffing(
    scenario: Scenario,
    target: float = 0.99,
    *,
    territory: Territory | None = None,
    day: date | None = None,
    max_simulations: int = 60,
) -> StaffingPlan:
    """Search the smallest rota (agents per language per shift of the scenario's rota) whose
    simulated share within 24 h reaches `target` in every language."""
    base = list(scenario.shifts)
    # An empty shift (a language nobody speaks on the rota yet) grows from one agent.
    base_counts = [s.count or 1 for s in base]
    runs = 0
    cache: dict[tuple[int, ...], SimulationResult] = {}

    def run(counts: list[int]) -> SimulationResult:
        nonlocal runs
        key = tuple(counts)
        if key not in cache:
            runs += 1
            cache[key] = simulate(scenario.but(shifts=_with_counts(scenario.shifts, counts)))
        return cache[key]

    def scaled(factor: float) -> list[int]:
        return [math.ceil(n * factor) for n in base_counts]

    start = run([s.count for s in base])
    # Phase 1: one factor for the whole rota.
    lo, hi = 0.0, 1.0
    while not _meets(run(scaled(hi)), target) and hi < MAX_FACTOR:
        lo, hi = hi, hi * 2
    counts = scaled(hi)
    if _meets(run(counts), target):
        for _ in range(12):
            mid = (lo + hi) / 2
            if scaled(mid) in (scaled(lo), scaled(hi)):
                break
            if _meets(run(scaled(mid)), target):
                hi = mid
            else:
                lo = mid
        counts = scaled(hi)
        # Phase 2: each language's shifts, largest group first, down to their smallest count.
        groups: dict[str, list[int]] = {}
        for i, s in enumerate(base):
            groups.setdefault(s.languages[0], []).append(i)
        order = sorted(groups, key=lambda code: -sum(counts[i] for i in groups[code]))
        for code in order:
            members = groups[code]
            full = [counts[i] for i in members]
            total = sum(full)

            def group_at(
                n: int,
                members: list[int] = members,
                full: list[int] = full,
                total: int = total,
                counts: list[int] = counts,
            ) -> list[int]:
                trial = list(counts)
                # Spread n over the group's shifts in proportion to their phase-1 counts.
                shares = [n * c / total for c in full] if total else [0] * len(full)
                whole = [int(x) for x in shares]
                rest = sorted(range(len(full)), key=lambda j: whole[j] - shares[j])
                for j in rest[: n - sum(whole)]:
                    whole[j] += 1
                for i, w in zip(members, whole, strict=True):
                    trial[i] = w
                return trial

            g_lo, g_hi = 0, total
            while g_lo < g_hi and runs < max_simulations:
                mid = (g_lo + g_hi) // 2
                if _meets(run(group_at(mid)), target):
                    g_hi = mid
                else:
                    g_lo = mid + 1
            counts = group_at(g_hi)
    final = run(counts)
    shifts = _with_counts(scenario.shifts, counts)
    by_language: dict[str, int] = {}
    for s in shifts:
        by_language[s.languages[0]] = by_language.get(s.languages[0], 0) + s.count
    return StaffingPlan(
        target=target,
        shifts=shifts,
        agents=sum(counts),
        share_within_24h=final.share_of_reachable,
        share_by_language={
            code: f.share_of_reachable for code, f in final.by_language.items() if f.people
        },
        reaches_target=_meets(final, target),
        start_agents=sum(s.count for s in base),
        start_share=start.share_of_reachable,
        simulations=runs,
        formula_agents=formula_agents(scenario=scenario, territory=territory),
        rota_agents=(
            rota_agents(territory=territory, day=day or scenario.start.date())
            if territory is not None
            else None
        ),
        agents_by_language=by_language,
        result=final,
    )


@dataclass
class DraftShifts:
    created: list[Shift]
    # Agents the plan asks for that the territory does not have free that day, per language.
    unfilled: dict[str, int]


@transaction.atomic
def apply_plan_as_drafts(
    plan: StaffingPlan, territory: Territory, by: User | None, *, day: date | None = None
) -> DraftShifts:
    """Write the plan's shifts for one day of the territory as draft shifts (not worked, not paid,
    not counted until an admin confirms them), each for a free agent speaking the shift's first
    language (téléconseillers of the territory with no shift that day, in the order they were
    created); say how many could not be filled. The caller checks the rights."""
    day = day or datetime.now(territory.zone).date()
    midnight = datetime.combine(day, time.min, tzinfo=territory.zone)
    busy = set(
        Shift.objects.filter(day=day, cancelled_at__isnull=True).values_list("agent_id", flat=True)
    )
    fallback_plateau = Plateau.objects.filter(territory=territory).order_by("pk").first()
    created: list[Shift] = []
    unfilled: dict[str, int] = {}
    for spec in plan.shifts:
        if spec.count <= 0 or spec.territory not in (None, territory.code):
            continue
        language = spec.languages[0]
        free = list(
            Agent.objects.filter(
                territory=territory,
                user__is_active=True,
                user__groups__name=roles.TELECONSEILLER,
                languages__code=language,
            )
            .exclude(pk__in=busy)
            .order_by("pk")[: spec.count]
        )
        for agent in free:
            plateau = agent.plateau or fallback_plateau
            if plateau is None:
                continue
            busy.add(agent.pk)
            created.append(
                Shift(
                    agent=agent,
                    plateau=plateau,
                    day=day,
                    starts_at=midnight + timedelta(hours=spec.start),
                    ends_at=midnight + timedelta(hours=spec.end),
                    created_by=by,
                    draft=True,
                )
            )
        missing = spec.count - sum(1 for s in created if s.agent in free)
        if missing > 0:
            unfilled[language] = unfilled.get(language, 0) + missing
    Shift.objects.bulk_create(created)
    return DraftShifts(created=created, unfilled=unfilled)


@transaction.atomic
def confirm_draft_shifts(*, territory: Territory, shift_ids: list[int]) -> int:
    """Confirm draft shifts of the territory: they join the rota (worked, paid, counted); return
    how many. The caller checks the rights."""
    return (
        Shift.objects.drafts()
        .filter(pk__in=shift_ids, agent__territory=territory)
        .update(draft=False)
    )


@transaction.atomic
def discard_draft_shifts(*, territory: Territory, shift_ids: list[int]) -> int:
    """Remove draft shifts of the territory (never worked, paid or counted: nothing is owed on
    them); return how many. The caller checks the rights."""
    deleted, _by_model = (
        Shift.objects.drafts().filter(pk__in=shift_ids, agent__territory=territory).delete()
    )
    return deleted
