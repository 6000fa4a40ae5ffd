"""Pauses past their reason's daily cap: a supervisor confirms or refuses them."""

from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import transaction

from agents.models import Agent, PauseCapDecision, PauseReason


@transaction.atomic
def decide_pause_over_cap(
    *,
    agent: Agent,
    day: date,
    pause_reason: PauseReason,
    confirmed: bool,
    user: User,
    note: str,
    now: datetime,
) -> PauseCapDecision:
    """Record a supervisor's confirmation (the time is a pause) or refusal (the time past the cap
    is idle) of an agent's pause past its daily cap; a later decision replaces an earlier one."""
    decision, _created = PauseCapDecision.objects.update_or_create(
        agent=agent,
        day=day,
        pause_reason=pause_reason,
        defaults={"confirmed": confirmed, "decided_by": user, "decided_at": now, "note": note},
    )
    return decision
