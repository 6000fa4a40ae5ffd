"""The plateau boards: one snapshot per territory, computed by one periodic job into the cache.

A snapshot reads the day counters (AgentDay, fed in the same transaction as each attempt and
status change), the agents' live status and the calls they hold, and never a COUNT over the call
history (DESIGN.md §5). The job computes every territory's at once: one query for the agents per
time zone (their local day), one for the languages, one for the calls held and one for the
rota, whatever the number of territories and agents. Pages
and the API read the snapshot from the cache; on a miss they compute their territory's at once.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Case,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from agents.models import Agent, AgentStatusPeriod, PauseCapDecision, Territory
from calls.models import Assignment
from supervision.models import Alert
from supervision.services import alerts

Status = Agent.Status
Kind = Alert.Kind

# A snapshot written by the periodic job outlives a few missed runs; past that the board computes
# its own rather than show stale figures.
SNAPSHOT_RUNS_KEPT = 6
MIN_SNAPSHOT_SECONDS = 30
# A row's place against the rota: rostered now and not logged in; logged in with no shift now.
ROSTER_ABSENT = "absent"
ROSTER_OFF_ROTA = "off_rota"
# The day counters (AgentDay) a row shows.
COUNTERS = (
    *("calls", "reached", "talk_seconds", "short_calls", "last_call_at", "first_login_at"),
    *("ready_seconds", "on_call_seconds", "wrap_up_seconds", "paused_seconds"),
    *("wrap_up_over_seconds", "talk_not_marked"),
)


def snapshot_key(territory_id: int) -> str:
    return f"supervision:board:{territory_id}"


def totals_key(territory_id: int) -> str:
    return f"supervision:board-totals:{territory_id}"


def snapshot_timeout() -> int:
    return max(MIN_SNAPSHOT_SECONDS, SNAPSHOT_RUNS_KEPT * settings.BOARD_REFRESH_SECONDS)


def _colour(status: str, seconds: int, max_pause_seconds: int | None, limits: dict) -> str:
    if status == Status.READY:
        if seconds > limits["ready_alert"]:
            return "ready_alert"
        if seconds > limits["ready_notice"]:
            return "ready_notice"
    elif status == Status.PAUSED:
        if max_pause_seconds is not None and seconds > max_pause_seconds:
            return "paused_over"
        if seconds > limits["paused_notice"]:
            return "paused_notice"
    elif status == Status.ON_CALL and seconds > limits["on_call_alert"]:
        return "on_call_alert"
    return ""


def _flags(row: dict, *, now: datetime, limits: dict) -> list[str]:
    status, seconds = row["status"], row["status_seconds"]
    flags: list[str] = []
    if status == Status.READY and seconds > limits["ready_alert"]:
        flags.append(Kind.IDLE)
    if (
        status == Status.PAUSED
        and row["pause_max_minutes"] is not None
        and seconds > row["pause_max_minutes"] * 60
    ):
        flags.append(Kind.LONG_PAUSE)
    if status == Status.ON_CALL and seconds > limits["on_call_alert"]:
        flags.append(Kind.LONG_CALL)
    if (
        status == Status.PAUSED
        and row.get("pause_cap_minutes") is not None
        and (row.get("pause_today_seconds") or 0) > row["pause_cap_minutes"] * 60
        and not row.get("pause_confirmed")
    ):
        flags.append(Kind.PAUSE_OVER_CAP)
    if (
        status == Status.WRAP_UP
        and row.get("wrap_up_limit_seconds") is not None
        and seconds > row["wrap_up_limit_seconds"]
    ):
        flags.append(Kind.LONG_WRAP_UP)
    if status in (Status.READY, Status.WRAP_UP, Status.PAUSED):
        # Since the last call of the day, or since the day's first login when there was none.
        since = max(
            filter(None, [row["last_call_at"], row["first_login_at"] or row["status_since"]])
        )
        if (now - since).total_seconds() > limits["no_call"]:
            flags.append(Kind.NO_CALL)
    calls = row["calls"]
    if (
        calls >= limits["short_calls_min_calls"]
        and row["short_calls"] * 100 > limits["short_call_share_percent"] * calls
    ):
        flags.append(Kind.SHORT_CALLS)
    return flags


# Rates are judged once an agent has been logged in this long: not in the first minutes.
RATES_JUDGED_AFTER_SECONDS = 3600


def activity_rates(*, calls: int, active: int, on_call: int, logged_in: int) -> dict:
    """Calls per active hour, share of logged-in time on calls (percent), and whether either is
    under its threshold (settings.ACTIVITY_THRESHOLDS): the board's and the report's figures."""
    thresholds = settings.ACTIVITY_THRESHOLDS
    per_hour = round(calls * 3600 / active, 1) if active > 0 else None
    on_call_share = round(on_call * 100 / logged_in) if logged_in > 0 else None
    low = logged_in >= RATES_JUDGED_AFTER_SECONDS and (
        (per_hour or 0) < thresholds["calls_per_active_hour_min"]
        or (on_call_share or 0) < thresholds["on_call_share_percent_min"]
    )
    return {"calls_per_active_hour": per_hour, "on_call_share": on_call_share, "low_rates": low}


def rosters(*, territories: list[Territory], now: datetime) -> dict[int, dict]:
    """Return who is rostered now in each territory, by id (SUPERVISION_ROSTER_SOURCE, one
    query for them all), or nobody."""
    if not settings.SUPERVISION_ROSTER_SOURCE:
        return {t.pk: {"rota_today": False, "now": {}} for t in territories}
    return import_string(settings.SUPERVISION_ROSTER_SOURCE)(territories=territories, now=now)


def _roster_state(*, status: str, agent_id: int, rostered: dict) -> str:
    on_shift = agent_id in rostered["now"]
    if status == Status.OFFLINE:
        return ROSTER_ABSENT if on_shift else ""
    # Logged in with no shift running: only said where the floor keeps a rota today.
    return ROSTER_OFF_ROTA if rostered["rota_today"] and not on_shift else ""


def compute_snapshot(*, territory: Territory, now: datetime) -> dict:
    """Compute one territory's board: a row per agent logged in, active today or rostered now
    (four queries)."""
    return compute_snapshots(territories=[territory], now=now)[0]


def compute_snapshots(*, territories: list[Territory], now: datetime) -> list[dict]:
    """Compute the boards of several territories, in their order: one query for the agents of
    each time zone (their local day), then one for their languages, one for the calls held and
    one for the rota, whatever the number of territories and agents."""
    by_zone: dict[str, list[Territory]] = {}
    for territory in territories:
        by_zone.setdefault(territory.timezone, []).append(territory)
    rostered = rosters(territories=territories, now=now)
    ids = [t.pk for t in territories]
    agents_of: dict[int, list[dict]] = {t.pk: [] for t in territories}
    for zone_territories in by_zone.values():
        for a in _agents(territories=zone_territories, now=now, rostered=rostered):
            agents_of[a["territory_id"]].append(a)
    languages: dict[int, list[str]] = {}
    for agent_id, code in (
        Agent.languages.through.objects.filter(agent__territory__in=ids)
        .order_by("agent_id", "language_id")
        .values_list("agent_id", "language_id")
    ):
        languages.setdefault(agent_id, []).append(code)
    held = {
        a["agent_id"]: a
        for a in Assignment.objects.filter(agent__territory__in=ids, closed_at__isnull=True).values(
            "agent_id", "task_id", "claimed_at", "lease_expires_at"
        )
    }
    return [
        _snapshot(
            territory=t,
            now=now,
            agents=agents_of[t.pk],
            languages=languages,
            held=held,
            rostered=rostered.get(t.pk) or {"rota_today": False, "now": {}},
        )
        for t in territories
    ]


def _day(territory: Territory, now: datetime) -> tuple:
    zone = territory.zone
    day = timezone.localdate(now, timezone=zone)
    return day, datetime.combine(day, time.min, tzinfo=zone)


def _agents(*, territories: list[Territory], now: datetime, rostered: dict) -> list[dict]:
    """Return the board's agents of territories of one time zone, with today's counters (one
    query)."""
    day, midnight = _day(territories[0], now)
    counters = COUNTERS
    open_period = AgentStatusPeriod.objects.filter(agent=OuterRef("pk"), ended_at__isnull=True)
    # Today's total of the current pause's reason (for a reason with a daily cap), and whether a
    # supervisor confirmed it past the cap: subqueries of the same query.
    paused_today = (
        AgentStatusPeriod.objects.filter(
            agent=OuterRef("pk"),
            pause_reason=OuterRef("pause_reason_id"),
            started_at__gte=midnight,
        )
        .order_by()
        .values("agent")
        .annotate(
            total=Sum(
                ExpressionWrapper(
                    Coalesce(F("ended_at"), Value(now)) - F("started_at"),
                    output_field=DurationField(),
                )
            )
        )
        .values("total")
    )
    confirmed = PauseCapDecision.objects.filter(
        agent=OuterRef("pk"), day=day, pause_reason=OuterRef("pause_reason_id"), confirmed=True
    )
    agents = (
        Agent.objects.filter(territory__in=territories)
        .annotate(today=FilteredRelation("days", condition=Q(days__day=day)))
        .filter(
            ~Q(status=Status.OFFLINE)
            | Q(today__isnull=False)
            # Rostered and not logged in: exactly who a supervisor needs to see.
            | Q(
                pk__in=[pk for t in territories for pk in rostered.get(t.pk, {}).get("now", {})],
                user__is_active=True,
            )
        )
        .annotate(**{f"day_{name}": F(f"today__{name}") for name in counters})
        # The open period's limit (a wrap-up's): in the same query, not one per agent.
        .annotate(status_limit=Subquery(open_period.values("limit_seconds")[:1]))
        .annotate(
            pause_today=Case(
                When(
                    pause_reason__daily_cap_minutes__isnull=False,
                    then=Subquery(paused_today, output_field=DurationField()),
                ),
                default=None,
                output_field=DurationField(),
            ),
            pause_confirmed=Exists(confirmed),
        )
        .values(
            "pk",
            "territory_id",
            "status",
            "status_since",
            "user__username",
            "user__first_name",
            "user__last_name",
            "team_id",
            "team__name",
            "plateau_id",
            "plateau__name",
            "pause_reason__code",
            "pause_reason__label_fr",
            "pause_reason__label_en",
            "pause_reason__max_minutes",
            "status_limit",
            "pause_reason_id",
            "pause_reason__daily_cap_minutes",
            "pause_today",
            "pause_confirmed",
            *(f"day_{name}" for name in counters),
        )
        .order_by("user__last_name", "user__first_name", "pk")
    )
    return list(agents)


def _snapshot(
    *,
    territory: Territory,
    now: datetime,
    agents: list[dict],
    languages: dict[int, list[str]],
    held: dict,
    rostered: dict,
) -> dict:
    day, midnight = _day(territory, now)
    limits = settings.SUPERVISION_THRESHOLDS
    rows = []
    for a in agents:
        status, since = a["status"], a["status_since"]
        seconds = {s: a[f"day_{s}_seconds"] or 0 for s in ("ready", "on_call", "wrap_up", "paused")}
        if status != Status.OFFLINE:
            # The open status period is not counted yet: add today's part of it.
            seconds[status] += max(0, int((now - max(since, midnight)).total_seconds()))
        calls = a["day_calls"] or 0
        talk = a["day_talk_seconds"] or 0
        # Wrap-up past its limit is idle, not active: the closed periods', and the open one's.
        wrap_up_over = a["day_wrap_up_over_seconds"] or 0
        limit = a["status_limit"] if status == Status.WRAP_UP else None
        if limit is not None:
            over_from = max(since + timedelta(seconds=limit), midnight)
            wrap_up_over += max(0, int((now - over_from).total_seconds()))
        logged_in = sum(seconds.values())
        active = seconds["on_call"] + seconds["wrap_up"] - wrap_up_over
        holding = held.get(a["pk"])
        row = {
            "agent_id": a["pk"],
            "username": a["user__username"],
            "full_name": f"{a['user__first_name']} {a['user__last_name']}".strip()
            or a["user__username"],
            "last_name": a["user__last_name"],
            "team_id": a["team_id"],
            "team": a["team__name"] or "",
            "plateau_id": a["plateau_id"],
            "plateau": a["plateau__name"] or "",
            "languages": languages.get(a["pk"], []),
            "status": status,
            "status_since": since,
            "status_seconds": max(0, int((now - since).total_seconds())),
            "pause_reason": a["pause_reason__code"] or "",
            "pause_label_fr": a["pause_reason__label_fr"] or "",
            "pause_label_en": a["pause_reason__label_en"] or "",
            "pause_max_minutes": a["pause_reason__max_minutes"],
            "calls": calls,
            "reached": a["day_reached"] or 0,
            "talk_seconds": talk,
            # Conversations recorded without « Answered »: their talk time is unknown, not zero.
            "talk_not_marked": a["day_talk_not_marked"] or 0,
            "wrap_up_seconds": seconds["wrap_up"],
            "aht_seconds": (talk + seconds["wrap_up"]) // calls if calls else None,
            "short_calls": a["day_short_calls"] or 0,
            "last_call_at": a["day_last_call_at"],
            "first_login_at": a["day_first_login_at"],
            "ready_seconds": seconds["ready"],
            "on_call_seconds": seconds["on_call"],
            "paused_seconds": seconds["paused"],
            "logged_in_seconds": logged_in,
            "active_seconds": active,
            "wrap_up_over_seconds": wrap_up_over,
            "wrap_up_limit_seconds": limit,
            "pause_reason_id": a["pause_reason_id"],
            "pause_cap_minutes": a["pause_reason__daily_cap_minutes"],
            "pause_today_seconds": int(a["pause_today"].total_seconds())
            if a["pause_today"] is not None
            else None,
            "pause_confirmed": a["pause_confirmed"],
            **activity_rates(
                calls=calls, active=active, on_call=seconds["on_call"], logged_in=logged_in
            ),
            "held_task_id": holding["task_id"] if holding else None,
            "held_since": holding["claimed_at"] if holding else None,
            "lease_expires_at": holding["lease_expires_at"] if holding else None,
            "roster": _roster_state(status=status, agent_id=a["pk"], rostered=rostered),
            "shift_starts_at": rostered["now"].get(a["pk"], {}).get("starts_at"),
            "shift_ends_at": rostered["now"].get(a["pk"], {}).get("ends_at"),
        }
        max_pause = row["pause_max_minutes"] * 60 if row["pause_max_minutes"] is not None else None
        row["colour"] = _colour(status, row["status_seconds"], max_pause, limits)
        row["flags"] = [str(flag) for flag in _flags(row, now=now, limits=limits)]
        rows.append(row)
    return {
        "territory": {
            "id": territory.pk,
            "code": territory.code,
            "name": territory.name,
            "timezone": territory.timezone,
        },
        "day": day,
        "computed_at": now,
        "rows": rows,
    }


def summarize(snapshot: dict) -> dict:
    """Return a snapshot's totals: agents by status, calls and reached today, flagged agents."""
    rows = snapshot["rows"]
    by_status = dict.fromkeys(Status.values, 0)
    for row in rows:
        by_status[row["status"]] += 1
    return {
        "territory": snapshot["territory"],
        "computed_at": snapshot["computed_at"],
        "agents": len(rows),
        "by_status": by_status,
        "calls": sum(row["calls"] for row in rows),
        "reached": sum(row["reached"] for row in rows),
        "flagged": sum(1 for row in rows if row["flags"]),
        "absent": sum(1 for row in rows if row.get("roster") == ROSTER_ABSENT),
    }


def _entries(snapshot: dict) -> dict:
    territory_id = snapshot["territory"]["id"]
    # The totals apart: the national overview reads a hundred of them, not every agent's row.
    return {snapshot_key(territory_id): snapshot, totals_key(territory_id): summarize(snapshot)}


def snapshot_for(*, territory: Territory, now: datetime) -> dict:
    """Return the territory's cached snapshot, computing (and caching briefly) a missing one."""
    return snapshots_for(territories=[territory], now=now)[0]


def snapshots_for(*, territories: list[Territory], now: datetime) -> list[dict]:
    """Return the snapshots of several territories in their order: one cache read, and a
    computation only for those missing (cached for a refresh period, so that the pollers of a
    board share it until the periodic job runs)."""
    # A copy: django-redis answers a cache down with one shared empty dict, not to be filled.
    found = dict(cache.get_many([snapshot_key(t.pk) for t in territories]))
    absent = [t for t in territories if snapshot_key(t.pk) not in found]
    if absent:
        missing: dict = {}
        for snapshot in compute_snapshots(territories=absent, now=now):
            found[snapshot_key(snapshot["territory"]["id"])] = snapshot
            missing.update(_entries(snapshot))
        cache.set_many(missing, timeout=settings.BOARD_REFRESH_SECONDS)
    return [found[snapshot_key(t.pk)] for t in territories]


def totals_for(*, territories: list[Territory], now: datetime) -> list[dict]:
    """Return the totals of several territories in their order, from the cache where present."""
    found = cache.get_many([totals_key(t.pk) for t in territories])
    absent = [t for t in territories if totals_key(t.pk) not in found]
    computed = (
        {s["territory"]["id"]: summarize(s) for s in snapshots_for(territories=absent, now=now)}
        if absent
        else {}
    )
    return [found.get(totals_key(t.pk)) or computed[t.pk] for t in territories]


def refresh_boards(*, now: datetime) -> int:
    """Recompute every territory's board into the cache, then raise and clear the alerts; return
    how many territories were refreshed."""
    snapshots = compute_snapshots(territories=list(Territory.objects.order_by("pk")), now=now)
    entries: dict = {}
    for snapshot in snapshots:
        entries.update(_entries(snapshot))
    cache.set_many(entries, timeout=snapshot_timeout())
    conditions = {
        (row["agent_id"], flag)
        for snapshot in snapshots
        for row in snapshot["rows"]
        for flag in row["flags"]
    }
    alerts.sync_alerts(conditions=conditions, now=now)
    alerts.cache_open_alert_counts(
        territory_ids=[s["territory"]["id"] for s in snapshots], timeout=snapshot_timeout()
    )
    return len(snapshots)
