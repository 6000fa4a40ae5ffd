"""The queue-health projection (issue 15, part 5): the territory's open backlog due within 24 h
and the agents working now, run through the queue simulator (calls.simulation, the production
policies: claim order, languages, calling hours, retry rules) instead of extrapolating a rate
from the calls made so far today (one call of 20 s no longer reads "180 calls an hour").

The assumptions, said on the page: the agents working now stay until the territory's calling
hours close today; no new case arrives (the projection is of the backlog); handle times are the
territory's own where it has the history, the defaults elsewhere.

A periodic job (supervision.tasks.project_queues, every QUEUE_HEALTH_PROJECTION_SECONDS) keeps
each territory's latest projection in a QueueProjection row, simulating again only a territory
whose inputs changed; the page reads the rows. At national scale one simulation costs up to a
second and a half of CPU: in the request it made the page miss its 50 ms (issue 17)."""

import hashlib
import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import F

from agents.models import Agent, Territory
from calls.models import CallTask
from calls.simulation import Scenario, ShiftSpec, TerritorySpec, simulate
from calls.simulation.scenario import handle_times_by_territory
from supervision.models import QueueProjection

logger = logging.getLogger(__name__)

WORKING = (Agent.Status.READY, Agent.Status.ON_CALL, Agent.Status.WRAP_UP)
# The history the handle times are read from, and how long they are kept.
HISTORY_DAYS = 14
HANDLE_TIMES_CACHE_SECONDS = 3600


def _handle_times(territories: list[Territory], now: datetime) -> dict[int, dict]:
    """Each territory's handle times over the last HISTORY_DAYS, kept an hour in the cache; those
    not there are computed together, in one query."""
    keys = {t.pk: f"queue-health:handle-times:{t.pk}" for t in territories}
    found = cache.get_many(list(keys.values()))
    times = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [t for t in territories if t.pk not in times]
    if missing:
        computed = handle_times_by_territory(missing, since=now - timedelta(days=HISTORY_DAYS))
        cache.set_many(
            {keys[pk]: value for pk, value in computed.items()}, HANDLE_TIMES_CACHE_SECONDS
        )
        times.update(computed)
    return times


def _agent_shifts(territory: Territory, now: datetime) -> tuple[ShiftSpec, ...]:
    """The agents working now, grouped by their languages, until calling hours close today."""
    local = now.astimezone(territory.zone)
    closes = local.replace(
        hour=territory.calling_hours_end.hour,
        minute=territory.calling_hours_end.minute,
        second=0,
        microsecond=0,
    )
    hours = max(0.0, (closes - local).total_seconds() / 3600)
    if hours <= 0:
        return ()
    spoken: dict[int, list[str]] = {}
    for agent_id, code in Agent.languages.through.objects.filter(
        agent__territory=territory, agent__status__in=WORKING
    ).values_list("agent_id", "language__code"):
        spoken.setdefault(agent_id, []).append(code)
    groups = Counter(tuple(sorted(codes)) for codes in spoken.values())
    return tuple(
        ShiftSpec(0.0, round(hours, 3), languages, count)
        for languages, count in sorted(groups.items())
    )


def backlog_scenario(
    *, territory: Territory, now: datetime, handle_minutes: dict | None = None
) -> Scenario:
    """The scenario of the territory's open backlog due within the next 24 h (escalated calls
    are a supervisor's, not the queue's) and the agents working now."""
    horizon = now + timedelta(hours=24)
    rows = (
        CallTask.objects.filter(
            territory=territory,
            status__in=(CallTask.Status.QUEUED, CallTask.Status.ASSIGNED),
            deadline_at__gt=now,
            deadline_at__lte=horizon,
        )
        .exclude(
            # SMS-only contacts, out of the agents' queue until their deadline: their notice closes
            # them (calls.services.channels).
            not_before__gte=F("deadline_at")
        )
        .values_list("language_id", "reason", "priority", "deadline_at", "not_before")
    )
    arrivals = []
    for language, reason, priority, deadline_at, not_before in rows:
        at = max(0.0, (not_before - now).total_seconds() / 60) if not_before else 0.0
        deadline = (deadline_at - now).total_seconds() / 60
        arrivals.append((at, territory.code, language, reason, priority, 1, deadline))
    mix = Counter(a[2] for a in arrivals)
    total = sum(mix.values()) or 1
    return Scenario(
        start=now,
        days=1,
        territories=(
            TerritorySpec(
                territory.code,
                territory.timezone,
                territory.calling_hours_start,
                territory.calling_hours_end,
            ),
        ),
        languages={code: n / total for code, n in mix.items()} or {"fr": 1.0},
        arrivals=tuple(arrivals),
        handle_minutes=handle_minutes or _handle_times([territory], now)[territory.pk],
        shifts=_agent_shifts(territory, now),
        # SMS-first (and SMS-only's other contacts): each contact had their first notice.
        channel_mode="call_first"
        if territory.channel_mode == Territory.ChannelMode.CALL_FIRST
        else "sms_first",
        seed=1,
    ).with_database_rules()


def _fingerprint(scenario: Scenario, bucket: int) -> str:
    """What the projection depends on, to the quarter hour: the calls due and the agents. A new
    call or an agent logging in makes a new projection; the clock alone, once per period."""
    due = Counter(
        (a[2], a[3], a[4], int(a[0]) // 15, int(a[6]) // 15) for a in scenario.arrivals or ()
    )
    # The hours left to work, to the quarter hour too: to the second, they changed the inputs at
    # every run and the projection was simulated again each time.
    shifts = sorted((s.languages, s.count, int(s.end * 4)) for s in scenario.shifts)
    signature = repr(
        (
            bucket,
            sorted(due.items()),
            shifts,
            sorted(scenario.retry_rules),
            scenario.channel_mode,
        )
    )
    return hashlib.sha1(signature.encode(), usedforsecurity=False).hexdigest()


def refresh_projection(
    *, territory: Territory, now: datetime, handle_minutes: dict | None = None
) -> bool:
    """Project the territory's backlog again unless its inputs are those of its projection in
    this period; return whether the simulator ran."""
    period = settings.QUEUE_HEALTH_PROJECTION_SECONDS
    scenario = backlog_scenario(territory=territory, now=now, handle_minutes=handle_minutes)
    fingerprint = _fingerprint(scenario, int(now.timestamp()) // period)
    if QueueProjection.objects.filter(territory=territory, inputs=fingerprint).exists():
        return False
    result = simulate(scenario)
    QueueProjection.objects.update_or_create(
        territory=territory,
        defaults={
            "computed_at": now,
            "inputs": fingerprint,
            "due": {code: f.people for code, f in result.by_language.items()},
            "within": {code: f.within_24h for code, f in result.by_language.items()},
            "misses": {code: f.misses for code, f in result.by_language.items()},
            "events": result.events,
            "wall_seconds": result.wall_seconds,
        },
    )
    return True


def territories_with_calls_due(*, now: datetime) -> list[Territory]:
    """The territories with open calls due within the next 24 h: those the page projects."""
    due = CallTask.objects.filter(
        status__in=(CallTask.Status.QUEUED, CallTask.Status.ASSIGNED),
        deadline_at__gt=now,
        deadline_at__lte=now + timedelta(hours=24),
    ).values("territory_id")
    return list(Territory.objects.filter(pk__in=due).order_by("code"))


def refresh_projections(*, now: datetime) -> int:
    """Refresh the projection of every territory with calls due within 24 h; return how many
    were simulated. A territory whose simulation fails keeps its last projection, which the
    page shows with its time, and the others are still projected."""
    simulated = 0
    territories = territories_with_calls_due(now=now)
    handle_minutes = _handle_times(territories, now)
    for territory in territories:
        try:
            simulated += refresh_projection(
                territory=territory, now=now, handle_minutes=handle_minutes[territory.pk]
            )
        except Exception:
            logger.exception("Queue projection of territory %s failed", territory.code)
    return simulated
