"""Detection: the beat jobs that turn evidence into findings. Set-based and idempotent: one
query per duration rule or per territory, then one bulk insert that skips what is already
found (the unique constraints of Finding)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from agents.models import AgentDay, Territory
from calls.models import CallAttempt, DurationRule
from integrity.models import Finding

Kind = Finding.Kind


def _insert(findings: list[Finding], *, now: datetime) -> int:
    """Insert the findings not already there; return how many were new (those detected at this
    run's `now`: a finding already there keeps its first detection time)."""
    if not findings:
        return 0
    Finding.objects.bulk_create(findings, ignore_conflicts=True, batch_size=500)
    kinds = {finding.kind for finding in findings}
    return Finding.objects.filter(detected_at=now, kind__in=kinds).count()


def _rule_scope(rule: DurationRule, specific: dict[str, set[str]]) -> Q:
    """The attempts a rule governs: its outcome, and its reason, or (a blank reason) every
    reason without a rule of its own for that outcome."""
    scope = Q(outcome=rule.outcome)
    if rule.reason:
        return scope & Q(task__reason=rule.reason)
    return scope & ~Q(task__reason__in=specific.get(rule.outcome, set()))


def detect_duration_findings(*, now: datetime) -> int:
    """Turn connected calls shorter than their rule's minimum, or longer than its maximum, into
    findings with their figures. Looks back INTEGRITY_LOOKBACK_HOURS; safe to run twice."""
    since = now - timedelta(hours=settings.INTEGRITY_LOOKBACK_HOURS)
    rules = list(
        DurationRule.objects.filter(Q(min_seconds__isnull=False) | Q(max_seconds__isnull=False))
    )
    specific: dict[str, set[str]] = {}
    for rule in rules:
        if rule.reason:
            specific.setdefault(rule.outcome, set()).add(rule.reason)
    zones: dict[str, ZoneInfo] = {}
    findings = []
    for rule in rules:
        out_of_policy = Q()
        if rule.min_seconds is not None:
            out_of_policy |= Q(connected__lt=timedelta(seconds=rule.min_seconds))
        if rule.max_seconds is not None:
            out_of_policy |= Q(connected__gt=timedelta(seconds=rule.max_seconds))
        attempts = (
            CallAttempt.objects.filter(
                _rule_scope(rule, specific),
                accepted=True,
                connected_at__isnull=False,
                ended_at__isnull=False,
                ended_at__gte=since,
                ended_at__lte=now,
            )
            .annotate(
                connected=ExpressionWrapper(
                    F("ended_at") - F("connected_at"), output_field=DurationField()
                )
            )
            .filter(out_of_policy)
            .exclude(findings__kind__in=Finding.ATTEMPT_KINDS)
            .values(
                "pk",
                "agent_id",
                "agent__territory_id",
                "agent__territory__timezone",
                "connected_at",
                "ended_at",
                "task__reason",
                "outcome",
            )
        )
        for a in attempts:
            seconds = int((a["ended_at"] - a["connected_at"]).total_seconds())
            too_short = rule.min_seconds is not None and seconds < rule.min_seconds
            zone = zones.setdefault(
                a["agent__territory__timezone"], ZoneInfo(a["agent__territory__timezone"])
            )
            findings.append(
                Finding(
                    territory_id=a["agent__territory_id"],
                    agent_id=a["agent_id"],
                    day=timezone.localdate(a["ended_at"], timezone=zone),
                    kind=Kind.CALL_TOO_SHORT if too_short else Kind.CALL_TOO_LONG,
                    attempt_id=a["pk"],
                    evidence={
                        "outcome": a["outcome"],
                        "reason": a["task__reason"],
                        "connected_seconds": seconds,
                        "min_seconds": rule.min_seconds,
                        "max_seconds": rule.max_seconds,
                        "connected_at": a["connected_at"].isoformat(),
                        "ended_at": a["ended_at"].isoformat(),
                    },
                    detected_at=now,
                )
            )
    return _insert(findings, now=now)


def detect_low_output(*, now: datetime) -> int:
    """Flag each agent's full day (logged in at least `full_day_seconds`) with fewer connected
    calls than `low_output_calls`: the failure the floor is built against. Judged on days that
    are over in the agent's territory, within the look-back; a few queries per territory."""
    thresholds = settings.ACTIVITY_THRESHOLDS
    full_day = thresholds["full_day_seconds"]
    floor = thresholds["low_output_calls"]
    lookback_days = max(1, settings.INTEGRITY_LOOKBACK_HOURS // 24)
    findings = []
    for territory in Territory.objects.all():
        zone = territory.zone
        today = timezone.localdate(now, timezone=zone)
        days = [today - timedelta(days=n) for n in range(1, lookback_days + 1)]
        rows = list(
            AgentDay.objects.filter(agent__territory=territory, day__in=days)
            .annotate(
                logged_in=F("ready_seconds")
                + F("on_call_seconds")
                + F("wrap_up_seconds")
                + F("paused_seconds")
            )
            .filter(logged_in__gte=full_day)
            .values(
                "agent_id",
                "day",
                "calls",
                "reached",
                "logged_in",
                "on_call_seconds",
                "wrap_up_seconds",
                "talk_seconds",
            )
        )
        if not rows:
            continue
        # The day's connected calls: one grouped query for the territory's candidate days.
        per_day = _connected_per_agent_day(territory=territory, days=days)
        found = set(
            Finding.objects.filter(
                territory=territory, kind=Kind.LOW_OUTPUT, day__in=days
            ).values_list("agent_id", "day")
        )
        for row in rows:
            n = per_day.get((row["agent_id"], row["day"]), 0)
            if n >= floor or (row["agent_id"], row["day"]) in found:
                continue
            findings.append(
                Finding(
                    territory_id=territory.pk,
                    agent_id=row["agent_id"],
                    day=row["day"],
                    kind=Kind.LOW_OUTPUT,
                    evidence={
                        "connected_calls": n,
                        "calls": row["calls"],
                        "reached": row["reached"],
                        "logged_in_seconds": row["logged_in"],
                        "active_seconds": row["on_call_seconds"] + row["wrap_up_seconds"],
                        "talk_seconds": row["talk_seconds"],
                        "floor": floor,
                        "full_day_seconds": full_day,
                    },
                    detected_at=now,
                )
            )
    return _insert(findings, now=now)


def _connected_per_agent_day(*, territory: Territory, days: list) -> dict[tuple[int, object], int]:
    """Return {(agent id, local day): connected calls} for the territory's agents (one query)."""
    zone = territory.zone
    start = datetime.combine(min(days), time.min, tzinfo=zone)
    end = datetime.combine(max(days) + timedelta(days=1), time.min, tzinfo=zone)
    rows = (
        CallAttempt.objects.filter(
            agent__territory=territory,
            accepted=True,
            connected_at__isnull=False,
            ended_at__gte=start,
            ended_at__lt=end,
        )
        # The day of the call's end, as the day counters count it.
        .annotate(local_day=TruncDate("ended_at", tzinfo=zone))
        .values("agent_id", "local_day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(r["agent_id"], r["local_day"]): r["n"] for r in rows}
