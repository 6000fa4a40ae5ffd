"""A simulated day's inputs: territories, arrivals, the people's answers, handle times, the rota
and the rules. Plain data: a page or a command fills it, simulate() reads it."""

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Literal

from calls.policy import RetryTerms
from calls.simulation import defaults

Policy = Literal["edf", "fifo", "no_language"]
POLICIES: tuple[Policy, ...] = ("edf", "fifo", "no_language")
ChannelMode = Literal["call_first", "sms_first"]


@dataclass(frozen=True)
class TerritorySpec:
    code: str
    zone: str = "Europe/Paris"
    calling_start: time = time(9)
    calling_end: time = time(20)
    weight: float = 1.0  # its share of the arrivals, relative to the others


@dataclass(frozen=True)
class ShiftSpec:
    """`count` agents speaking `languages` (the first is the shift's own, the one the planner
    sizes), working from `start` to `end` hours after each simulated day's start (the scenario's
    start, local midnight in practice), every day; in `territory`, or in every territory when
    None (a national pool, as a territory lending its calls)."""

    start: float
    end: float
    languages: tuple[str, ...]
    count: int
    territory: str | None = None


def default_retry_rules() -> dict[str, RetryTerms]:
    return {
        outcome: RetryTerms(outcome, closes, delay, next_phone, max_attempts)
        for outcome, (closes, delay, next_phone, max_attempts) in defaults.RETRY_RULES.items()
    }


@dataclass(frozen=True)
class Scenario:
    start: datetime  # aware; arrivals and shifts count from here
    days: int = 1
    territories: tuple[TerritorySpec, ...] = (TerritorySpec("93"),)
    languages: dict[str, float] = field(default_factory=lambda: {"fr": 1.0})
    index_cases_per_day: int = 100
    contacts_per_day: int = 400
    # Share of the day's arrivals in each hour after the start (24 values; waves as data).
    arrival_profile: tuple[float, ...] = defaults.ARRIVAL_PROFILE
    # Share of attempts answered by the person's local hour (24 values).
    reachability: tuple[float, ...] = defaults.REACHABILITY
    answered: dict[str, float] = field(default_factory=lambda: dict(defaults.ANSWERED))
    unanswered: dict[str, float] = field(default_factory=lambda: dict(defaults.UNANSWERED))
    # (reason or "*", outcome) -> (mean minutes, coefficient of variation)
    handle_minutes: dict[tuple[str, str], tuple[float, float]] = field(
        default_factory=lambda: dict(defaults.HANDLE_MINUTES)
    )
    shifts: tuple[ShiftSpec, ...] = (ShiftSpec(9, 17, ("fr",), 10),)
    retry_rules: dict[str, RetryTerms] = field(default_factory=default_retry_rules)
    # DurationRule wrap-up limits: {(outcome, reason or ""): seconds or None}.
    wrap_up_limits: dict[tuple[str, str], int | None] = field(default_factory=dict)
    wrap_up_seconds: int = 60
    lease_minutes: int = 20
    # Share of claims whose agent vanishes (the task comes back when the lease expires).
    lease_loss: float = 0.0
    deadline_hours: int = 24
    late_callable_hours: int = 48
    callback_delay_minutes: int = defaults.CALLBACK_DELAY_MINUTES
    second_phone_share: float = defaults.SECOND_PHONE_SHARE
    policy: Policy = "edf"
    interpreter_penalty: float = defaults.INTERPRETER_PENALTY
    channel_mode: ChannelMode = "call_first"
    seed: int = 1
    # Explicit arrivals replace the generated ones: (minutes after start, territory, language,
    # reason, priority, phones[, deadline in minutes after start]).
    arrivals: tuple[tuple, ...] | None = None
    # Fixed outcomes per task, in arrival order (tests): each a list of outcomes, one per attempt.
    scripted_outcomes: tuple[tuple[str, ...], ...] | None = None

    def but(self, **changes) -> "Scenario":
        """Return a copy with these fields changed."""
        return replace(self, **changes)

    @property
    def horizon_minutes(self) -> float:
        """Arrivals for `days` days, then one more day with the same rota, so that every
        arrival's deadline falls inside the simulation."""
        return (self.days * 24 + self.deadline_hours) * 60.0

    def moment(self, minutes: float) -> datetime:
        return self.start + timedelta(minutes=minutes)

    def agents(self) -> int:
        return sum(s.count for s in self.shifts)

    def with_database_rules(self) -> "Scenario":
        """Return a copy with the retry rules and wrap-up limits as they stand in the database
        (calls.RetryRule, calls.DurationRule): a rule edited in the admin changes the
        simulation."""
        from calls.models import DurationRule, RetryRule

        rules = {rule.outcome: RetryTerms.of(rule) for rule in RetryRule.objects.all()}
        limits = {
            (outcome, reason): limit
            for outcome, reason, limit in DurationRule.objects.values_list(
                "outcome", "reason", "wrap_up_limit_seconds"
            )
        }
        return replace(self, retry_rules={**self.retry_rules, **rules}, wrap_up_limits=limits)


# A territory needs this many of its own calls of a reason and outcome before they replace the
# default handle time.
MIN_HISTORY_CALLS = 50


def handle_times_from_history(
    territory, *, since: datetime | None = None, minimum: int = MIN_HISTORY_CALLS
) -> dict[tuple[str, str], tuple[float, float]]:
    """Return the handle times of a territory: its own accepted attempts (started to ended) per
    reason and outcome where it has at least `minimum` of them, the defaults elsewhere."""
    return handle_times_by_territory([territory], since=since, minimum=minimum)[territory.pk]


def handle_times_by_territory(
    territories, *, since: datetime | None = None, minimum: int = MIN_HISTORY_CALLS
) -> dict[int, dict[tuple[str, str], tuple[float, float]]]:
    """handle_times_from_history() of several territories, by territory id, in one aggregate
    query: the count, mean and spread of each (territory, reason, outcome) are computed by the
    database (at national scale, reading 14 days of attempts into Python territory by territory
    took minutes)."""
    from django.db.models import Avg, Count, StdDev

    from calls.models import CallAttempt
    from common.expressions import SecondsBetween

    attempts = CallAttempt.objects.filter(
        task__territory__in=[t.pk for t in territories], accepted=True, ended_at__isnull=False
    )
    if since is not None:
        attempts = attempts.filter(started_at__gte=since)
    rows = (
        attempts.values("task__territory_id", "task__reason", "outcome")
        .annotate(
            n=Count("pk"),
            mean=Avg(SecondsBetween("ended_at", "started_at")),
            spread=StdDev(SecondsBetween("ended_at", "started_at"), sample=False),
        )
        .order_by()
    )
    found: dict[int, dict[tuple[str, str], tuple[float, float]]] = {
        t.pk: dict(defaults.HANDLE_MINUTES) for t in territories
    }
    for row in rows:
        if row["n"] < minimum:
            continue
        mean, spread = float(row["mean"]), float(row["spread"] or 0.0)
        cv = spread / mean if mean > 0 else 0.0
        found[row["task__territory_id"]][(row["task__reason"], row["outcome"])] = (
            max(mean / 60, 0.1),
            cv,
        )
    return found
