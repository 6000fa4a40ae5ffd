"""The retry and duration rules as the call loop reads them: cached in each process and read
again after any change (common.refdata), so that a rule edited in the admin applies to the next
outcome without a query on every call."""

from dataclasses import dataclass

from calls.models import DurationRule, RetryRule
from calls.policy import wrap_up_limit
from common.refdata import ProcessCache


@dataclass(frozen=True)
class OutcomeRules:
    retry: dict[str, RetryRule]
    # {(outcome, reason): wrap-up limit in seconds or None}; reason "" holds for every reason.
    wrap_up_limits: dict[tuple[str, str], int | None]


def _load() -> OutcomeRules:
    return OutcomeRules(
        retry={rule.outcome: rule for rule in RetryRule.objects.all()},
        wrap_up_limits={
            (outcome, reason): limit
            for outcome, reason, limit in DurationRule.objects.values_list(
                "outcome", "reason", "wrap_up_limit_seconds"
            )
        },
    )


_RULES = ProcessCache("outcome-rules", _load, depends_on=(RetryRule, DurationRule))


def retry_rule(outcome: str) -> RetryRule:
    """The retry rule of an outcome (RetryRule.DoesNotExist when there is none)."""
    try:
        return _RULES.get().retry[outcome]
    except KeyError:
        raise RetryRule.DoesNotExist(f"No retry rule for {outcome!r}") from None


def wrap_up_limit_seconds(*, outcome: str, reason: str) -> int | None:
    """The wrap-up limit after a call of this outcome and reason (the rule of the reason, else
    the rule of every reason), or None: no limit."""
    return wrap_up_limit(_RULES.get().wrap_up_limits, outcome=outcome, reason=reason)
