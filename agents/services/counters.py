"""The per-agent per-day counters, written inside the transaction of each attempt and status
change."""

from datetime import datetime, time, timedelta

from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from agents.models import Agent, AgentDay

# A connected call shorter than this is counted as short: a sign of hang-ups to game handle time.
SHORT_CALL = timedelta(seconds=10)


def count_attempt(
    *,
    agent: Agent,
    started_at: datetime,
    connected_at: datetime | None,
    ended_at: datetime | None,
    reached: bool,
    accepted: bool,
    is_new_call: bool = True,
    talk_not_marked: bool = False,
) -> None:
    """Add one call attempt to its agent's day counters (same transaction as the attempt).

    A refused outcome resent for a call already counted adds to refused_outcomes only; a call
    whose talk time was not marked adds to talk_not_marked, not to talk_seconds.
    """
    ended_at = ended_at or started_at
    day = timezone.localdate(ended_at, timezone=agent.territory.zone)
    talk = (ended_at - connected_at) if connected_at else timedelta(0)
    AgentDay.objects.get_or_create(agent=agent, day=day)
    # F() expressions: two workers counting for one agent never lose an increment.
    AgentDay.objects.filter(agent=agent, day=day).update(
        calls=F("calls") + int(is_new_call),
        reached=F("reached") + int(accepted and reached),
        talk_seconds=F("talk_seconds") + int(talk.total_seconds()) * is_new_call,
        short_calls=F("short_calls")
        + int(is_new_call and connected_at is not None and talk < SHORT_CALL),
        refused_outcomes=F("refused_outcomes") + int(not accepted),
        talk_not_marked=F("talk_not_marked") + int(is_new_call and talk_not_marked),
        # SQLite's MAX() of a NULL is NULL, PostgreSQL's GREATEST skips it: coalesce first.
        last_call_at=Greatest(Coalesce(F("last_call_at"), Value(ended_at)), Value(ended_at)),
    )


_STATUS_BUCKETS = {
    "ready": "ready_seconds",
    "on_call": "on_call_seconds",
    "wrap_up": "wrap_up_seconds",
    "paused": "paused_seconds",
}


def count_status_period(
    *,
    agent: Agent,
    status: str,
    started_at: datetime,
    ended_at: datetime,
    limit_seconds: int | None = None,
) -> None:
    """Add a closed status period to its agent's day counters, split at local midnights.

    A wrap-up with a limit adds the time past it to wrap_up_over_seconds too: idle, not active.
    """
    bucket = _STATUS_BUCKETS.get(status)
    if bucket is None or ended_at <= started_at:
        return  # Offline time is not working time.
    over_from = (
        started_at + timedelta(seconds=limit_seconds)
        if status == "wrap_up" and limit_seconds is not None
        else None
    )
    zone = agent.territory.zone
    start = started_at
    while start < ended_at:
        day = timezone.localdate(start, timezone=zone)
        next_midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        end = min(ended_at, next_midnight)
        over = max(0, int((end - max(start, over_from)).total_seconds())) if over_from else 0
        AgentDay.objects.get_or_create(agent=agent, day=day)
        AgentDay.objects.filter(agent=agent, day=day).update(
            **{bucket: F(bucket) + int((end - start).total_seconds())},
            wrap_up_over_seconds=F("wrap_up_over_seconds") + over,
            first_login_at=Coalesce(F("first_login_at"), Value(start)),
        )
        start = end
