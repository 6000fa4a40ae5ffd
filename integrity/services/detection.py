"""Detection: the beat jobs that turn evidence into findings. Set-based and idempotent: one
query per duration rule or per territory, then one bulk insert that skips what is already
found (the unique constraints of Finding).

Two grains: findings on one call (a call outside its duration policy; the carrier
reconciliation in integrity.reconciliation) and flags on an agent's whole day (Finding.FLAG_KINDS,
detect_day_flags): a day's figures, or findings repeated on its calls, judged once the day is
over in the agent's territory."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from agents.models import (
    Agent,
    AgentDay,
    AgentStatusPeriod,
    PauseCapDecision,
    PauseReason,
    Territory,
)
from calls.models import CallAttempt, DurationRule
from integrity.models import Finding

Kind = Finding.Kind


def _insert(findings: list[Finding], *, now: datetime) -> int:
    """Insert the findings not already there; return how many were new (those detected at this
    run's `now`: a finding already there keeps its first detection time)."""
    if not findings:
        return 0
    kinds = {finding.kind for finding in findings}
    at_now = Finding.objects.filter(detected_at=now, kind__in=kinds)
    before = at_now.count()  # a run again at the same `now` finds its own findings there
    Finding.objects.bulk_create(findings, ignore_conflicts=True, batch_size=500)
    return at_now.count() - before


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


@dataclass
class _Days:
    """One territory's agent days of the look-back that are over, with what the flags read: the
    day counters, the time in each capped pause reason, the supervisors' decisions on them."""

    territory: Territory
    days: list[date]
    rows: list[dict]
    # {(agent id, day): {pause reason id: seconds}} for the reasons with a daily cap.
    capped_pauses: dict[tuple[int, date], dict[int, int]]
    caps: dict[int, tuple[str, int]]  # reason id: (code, cap in seconds)
    decisions: dict[tuple[int, date, int], bool]  # (agent, day, reason): confirmed

    def confirmed_pause_seconds(self, agent_id: int, day: date) -> int:
        spent = self.capped_pauses.get((agent_id, day), {})
        return sum(s for r, s in spent.items() if self.decisions.get((agent_id, day, r)))

    def worked_seconds(self, row: dict) -> int:
        """Logged in, less the capped pauses a supervisor confirmed (a real training day)."""
        return row["logged_in"] - self.confirmed_pause_seconds(row["agent_id"], row["day"])


def _days_over(*, now: datetime) -> Iterator[_Days]:
    """Yield, per territory, the agent days of the look-back that are over (a few queries)."""
    lookback_days = max(1, settings.INTEGRITY_LOOKBACK_HOURS // 24)
    caps = {
        r.pk: (r.code, (r.daily_cap_minutes or 0) * 60)
        for r in PauseReason.objects.filter(daily_cap_minutes__isnull=False)
    }
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
            .filter(logged_in__gt=0)
            .values(
                "agent_id",
                "day",
                "calls",
                "reached",
                "logged_in",
                "ready_seconds",
                "on_call_seconds",
                "wrap_up_seconds",
                "wrap_up_over_seconds",
                "paused_seconds",
                "talk_seconds",
            )
        )
        if not rows:
            continue
        capped: dict[tuple[int, date], dict[int, int]] = defaultdict(dict)
        decisions: dict[tuple[int, date, int], bool] = {}
        if caps:
            start = datetime.combine(min(days), time.min, tzinfo=zone)
            end = datetime.combine(max(days) + timedelta(days=1), time.min, tzinfo=zone)
            duration = ExpressionWrapper(
                Coalesce(F("ended_at"), Value(now)) - F("started_at"), output_field=DurationField()
            )
            for p in (
                AgentStatusPeriod.objects.filter(
                    agent__territory=territory,
                    status=Agent.Status.PAUSED,
                    pause_reason_id__in=caps,
                    started_at__gte=start,
                    started_at__lt=end,
                )
                .annotate(local_day=TruncDate("started_at", tzinfo=zone))
                .values("agent_id", "local_day", "pause_reason_id")
                .annotate(spent=Sum(duration))
                .order_by()
            ):
                key = (p["agent_id"], p["local_day"])
                capped[key][p["pause_reason_id"]] = int(p["spent"].total_seconds())
            decisions = {
                (d.agent_id, d.day, d.pause_reason_id): d.confirmed
                for d in PauseCapDecision.objects.filter(
                    agent__territory=territory, day__in=days
                ).only("agent_id", "day", "pause_reason_id", "confirmed")
            }
        yield _Days(territory, days, rows, dict(capped), caps, decisions)


def _day_finding(
    territory: Territory, row: dict, kind: str, now: datetime, **evidence: object
) -> Finding:
    return Finding(
        territory_id=territory.pk,
        agent_id=row["agent_id"],
        day=row["day"],
        kind=kind,
        evidence=evidence,
        detected_at=now,
    )


def detect_day_flags(*, now: datetime) -> int:
    """Judge every agent's day that is over, within the look-back: low output, little time on
    calls, wrap-up past its limits, pauses past their cap unconfirmed, and repeated findings on
    the day's calls. Idempotent (one flag of a kind per agent's day); return the new flags."""
    return (
        detect_low_output(now=now)
        + detect_low_activity(now=now)
        + detect_wrap_up_over(now=now)
        + detect_pause_over_cap(now=now)
        + detect_repeated_call_findings(now=now)
    )


def detect_low_output(*, now: datetime) -> int:
    """Flag each agent's full day (worked at least `full_day_seconds`) with fewer connected
    calls than `low_output_calls` and less talk than `low_output_talk_seconds` (a day of long
    interviews is a day's work): the failure the floor is built against."""
    thresholds = settings.ACTIVITY_THRESHOLDS
    full_day = thresholds["full_day_seconds"]
    floor = thresholds["low_output_calls"]
    talk_enough = thresholds["low_output_talk_seconds"]
    findings = []
    for batch in _days_over(now=now):
        full = [row for row in batch.rows if batch.worked_seconds(row) >= full_day]
        if not full:
            continue
        per_day = _connected_per_agent_day(territory=batch.territory, days=batch.days)
        for row in full:
            n = per_day.get((row["agent_id"], row["day"]), 0)
            if n >= floor or row["talk_seconds"] >= talk_enough:
                continue
            findings.append(
                _day_finding(
                    batch.territory,
                    row,
                    Kind.LOW_OUTPUT,
                    now,
                    connected_calls=n,
                    calls=row["calls"],
                    reached=row["reached"],
                    logged_in_seconds=row["logged_in"],
                    active_seconds=row["on_call_seconds"] + row["wrap_up_seconds"],
                    talk_seconds=row["talk_seconds"],
                    floor=floor,
                    talk_enough_seconds=talk_enough,
                    full_day_seconds=full_day,
                )
            )
    return _insert(findings, now=now)


def detect_low_activity(*, now: datetime) -> int:
    """Flag a day of at least `low_activity_after_seconds` worked whose share of that time on
    calls is under ACTIVITY_THRESHOLDS["on_call_share_percent_min"]: ready, or in wrap-up, and
    not calling (the board's rate, judged on the whole day)."""
    minimum = settings.ACTIVITY_THRESHOLDS["on_call_share_percent_min"]
    after = settings.INTEGRITY_FLAGS["low_activity_after_seconds"]
    findings = []
    for batch in _days_over(now=now):
        for row in batch.rows:
            worked = batch.worked_seconds(row)
            if worked < after or row["on_call_seconds"] * 100 >= minimum * worked:
                continue
            findings.append(
                _day_finding(
                    batch.territory,
                    row,
                    Kind.LOW_ACTIVITY,
                    now,
                    on_call_share=round(row["on_call_seconds"] * 100 / worked),
                    minimum_percent=minimum,
                    worked_seconds=worked,
                    logged_in_seconds=row["logged_in"],
                    on_call_seconds=row["on_call_seconds"],
                    ready_seconds=row["ready_seconds"],
                    wrap_up_seconds=row["wrap_up_seconds"],
                    calls=row["calls"],
                )
            )
    return _insert(findings, now=now)


def detect_wrap_up_over(*, now: datetime) -> int:
    """Flag a day whose wrap-ups ran past their limits for `wrap_up_over_minutes` in all: the
    wrap-up that hid the idle time (ten unanswered calls with 25 minutes of wrap-up each)."""
    limit = settings.INTEGRITY_FLAGS["wrap_up_over_minutes"] * 60
    findings = [
        _day_finding(
            batch.territory,
            row,
            Kind.WRAP_UP_OVER,
            now,
            wrap_up_over_seconds=row["wrap_up_over_seconds"],
            wrap_up_seconds=row["wrap_up_seconds"],
            limit_seconds=limit,
            calls=row["calls"],
        )
        for batch in _days_over(now=now)
        for row in batch.rows
        if row["wrap_up_over_seconds"] >= limit
    ]
    return _insert(findings, now=now)


def detect_pause_over_cap(*, now: datetime) -> int:
    """Flag a day with a pause past its reason's daily cap that no supervisor confirmed (or that
    one refused): a day in « training » while working elsewhere."""
    findings = []
    for batch in _days_over(now=now):
        for row in batch.rows:
            spent = batch.capped_pauses.get((row["agent_id"], row["day"]), {})
            over = [
                (reason, seconds)
                for reason, seconds in sorted(spent.items())
                if seconds > batch.caps[reason][1]
                and not batch.decisions.get((row["agent_id"], row["day"], reason))
            ]
            if over:
                findings.append(
                    _day_finding(
                        batch.territory,
                        row,
                        Kind.PAUSE_OVER_CAP,
                        now,
                        pauses=[
                            {
                                "reason": batch.caps[reason][0],
                                "seconds": seconds,
                                "cap_seconds": batch.caps[reason][1],
                                "refused": (row["agent_id"], row["day"], reason) in batch.decisions,
                            }
                            for reason, seconds in over
                        ],
                        over_seconds=sum(
                            seconds - batch.caps[reason][1] for reason, seconds in over
                        ),
                        paused_seconds=row["paused_seconds"],
                        logged_in_seconds=row["logged_in"],
                    )
                )
    return _insert(findings, now=now)


def detect_repeated_call_findings(*, now: datetime) -> int:
    """Flag a day whose calls repeat a finding: calls shorter than their outcome allows, past
    a count and a share of the day's connected calls (hang-ups to game a handle-time target);
    conversation outcomes the carrier never saw answered, past a count."""
    flags = settings.INTEGRITY_FLAGS
    findings = []
    for batch in _days_over(now=now):
        counts = {
            (r["agent_id"], r["day"], r["kind"]): r["n"]
            for r in Finding.objects.filter(
                territory=batch.territory,
                day__in=batch.days,
                kind__in=(Kind.CALL_TOO_SHORT, Kind.NO_CARRIER_ANSWER),
                agent__isnull=False,
            )
            .values("agent_id", "day", "kind")
            .annotate(n=Count("pk"))
            .order_by()
        }
        if not counts:
            continue
        per_day = _connected_per_agent_day(territory=batch.territory, days=batch.days)
        for row in batch.rows:
            key = (row["agent_id"], row["day"])
            short = counts.get((*key, Kind.CALL_TOO_SHORT), 0)
            connected = per_day.get(key, 0)
            if short >= flags["short_calls_min"] and (
                short * 100 >= flags["short_calls_percent"] * max(connected, 1)
            ):
                findings.append(
                    _day_finding(
                        batch.territory,
                        row,
                        Kind.FAST_HANG_UPS,
                        now,
                        short_calls=short,
                        connected_calls=connected,
                        minimum=flags["short_calls_min"],
                        minimum_percent=flags["short_calls_percent"],
                    )
                )
            unanswered = counts.get((*key, Kind.NO_CARRIER_ANSWER), 0)
            if unanswered >= flags["unanswered_outcomes_min"]:
                findings.append(
                    _day_finding(
                        batch.territory,
                        row,
                        Kind.UNANSWERED_OUTCOMES,
                        now,
                        unanswered_outcomes=unanswered,
                        calls=row["calls"],
                        minimum=flags["unanswered_outcomes_min"],
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
