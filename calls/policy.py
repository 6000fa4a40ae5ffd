"""The queue's decisions as pure functions: the claim's order, who may take what, and what an
outcome does next by its retry rule.

Production (calls.services) and the simulator (calls.simulation) both call these, so that a
simulated day follows the same rules as a real one. They read plain values, never the database:
the caller passes the rows (or the simulator's stand-ins) in.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from calls.models import CLAIM_ORDER, CallAttempt, CallTask

Outcome = CallAttempt.Outcome


def claim_sort_key(task: Any) -> tuple:
    """Return the key that orders claimable tasks as the claim does (CLAIM_ORDER: band, earliest
    deadline, highest priority, oldest): the smallest key is claimed first.

    `task` is a CallTask or anything with the same attributes (the simulator's tasks carry
    minutes as floats); a field sorted descending must be a number.
    """
    return tuple(
        -getattr(task, name[1:]) if name.startswith("-") else getattr(task, name)
        for name in CLAIM_ORDER
    )


def is_claimable(
    *, status: str, not_before: Any, reserved_for_id: int | None, agent_id: int, now: Any
) -> bool:
    """Say whether a claim may take this task now, whatever its queue: the Python twin of
    CallTaskQuerySet.claimable() (queued, not held back by not_before, not another agent's
    callback)."""
    return (
        status == CallTask.Status.QUEUED
        and (not_before is None or not_before <= now)
        and (reserved_for_id is None or reserved_for_id == agent_id)
    )


def may_take(
    *,
    agent_languages: Iterable[str],
    agent_territory_id: Any,
    task_language: str,
    task_territory_id: Any,
    lenders: Iterable[Any] = (),
) -> bool:
    """Say whether an agent may call a task at all (invariant 2, hours aside): they speak its
    language, and it belongs to their territory or to one lending its calls to it."""
    if task_language not in set(agent_languages):
        return False
    return task_territory_id == agent_territory_id or task_territory_id in set(lenders)


class RuleTerms(Protocol):
    """What the retry policy reads of a RetryRule (the model, or the simulator's copy)."""

    @property
    def outcome(self) -> str: ...
    @property
    def closes_task(self) -> bool: ...
    @property
    def delay_minutes(self) -> int: ...
    @property
    def try_next_phone(self) -> bool: ...
    @property
    def max_attempts(self) -> int: ...


@dataclass(frozen=True)
class RetryTerms:
    """A RetryRule's terms, detached from the database (the simulator's scenario holds these)."""

    outcome: str
    closes_task: bool
    delay_minutes: int
    try_next_phone: bool
    max_attempts: int

    @classmethod
    def of(cls, rule: RuleTerms) -> "RetryTerms":
        return cls(
            outcome=rule.outcome,
            closes_task=rule.closes_task,
            delay_minutes=rule.delay_minutes,
            try_next_phone=rule.try_next_phone,
            max_attempts=rule.max_attempts,
        )


class Next:
    """What an outcome does to its task (before the fallback is considered)."""

    DONE = "done"
    CLOSED = "closed"
    CALLBACK = "callback"
    WRONG_NUMBER = "wrong_number"
    LANGUAGE = "language"
    RETRY = "retry"


def next_after(*, outcome: str, rule: RuleTerms) -> str:
    """Say what an outcome does to its task by its retry rule (a Next)."""
    if outcome == Outcome.REACHED:
        return Next.DONE
    if rule.closes_task:
        return Next.CLOSED
    if outcome == Outcome.CALLBACK:
        return Next.CALLBACK
    if outcome == Outcome.WRONG_NUMBER:
        return Next.WRONG_NUMBER
    if outcome == Outcome.LANGUAGE_BARRIER:
        return Next.LANGUAGE
    return Next.RETRY


def retry_delay_minutes(*, rule: RuleTerms) -> int | None:
    """Return how many minutes the task waits after an outcome of this rule (None: none)."""
    return rule.delay_minutes or None


def retry_not_before(*, rule: RuleTerms, now: datetime) -> datetime | None:
    """Return when the task may be called again after an outcome of this rule (None: at once)."""
    delay = retry_delay_minutes(rule=rule)
    return now + timedelta(minutes=delay) if delay else None


def moves_to_next_phone(*, outcome: str, rule: RuleTerms) -> bool:
    """Say whether the next attempt dials the person's next number."""
    kind = next_after(outcome=outcome, rule=rule)
    return kind == Next.WRONG_NUMBER or (kind == Next.RETRY and rule.try_next_phone)


def falls_back(*, outcome: str, rule: RuleTerms, attempts: int, still_queued: bool) -> bool:
    """Say whether, after this attempt (`attempts` counts it), the task gets its fallback SMS and
    is escalated: the maximum attempts are reached. A callback the person asked for is kept,
    whatever the count."""
    return still_queued and outcome != Outcome.CALLBACK and attempts >= rule.max_attempts


def wrap_up_limit(
    limits: dict[tuple[str, str], int | None], *, outcome: str, reason: str
) -> int | None:
    """Return the wrap-up limit of a call (DurationRule rows as {(outcome, reason): limit}; the
    reason's rule, else the rule of every reason, blank), or None: no limit."""
    own = limits.get((outcome, reason))
    return own if own is not None else limits.get((outcome, ""))
