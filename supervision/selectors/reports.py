"""The SLA and productivity reports: one selector each, read by the page and by its CSV export.

Productivity, per agent and local day (also written on the page):
- calls, reached, talk time, short calls and the calls not marked (a conversation recorded
  without « Answered »: its talk time is unknown) come from the day counters, updated in the
  call's transaction; ready, on-call, wrap-up and pause times from the closed status periods,
  split at local midnight;
- pause time by reason sums the pause periods by the local day they started (a pause across
  midnight counts whole on its first day; a pause still running counts until now);
- logged-in time = ready + on call + wrap-up + paused; active share = (on call + wrap-up) /
  logged-in.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import get_language

from agents.access import RequestUser
from agents.models import (
    Agent,
    AgentDay,
    AgentStatusPeriod,
    PauseCapDecision,
    Team,
    Territory,
)
from supervision.models import SlaDay
from supervision.services.board import activity_rates
from supervision.services.sla import local_day_bounds

# Past this many rows the page asks for narrower filters; the CSV has them all.
PAGE_ROW_LIMIT = 1000


def share(part: int, whole: int) -> float | None:
    """Return part / whole in percent, None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


# --- SLA --------------------------------------------------------------------------------------


@dataclass
class SlaRow:
    day: date
    territory: Territory | None  # None: a total over the territories
    contacts_due: int
    contacts_reached: int
    contacts_notified: int
    index_due: int
    index_reached: int
    # Reached after the deadline: never counted as reached in time.
    contacts_late: int = 0
    index_late: int = 0
    median_seconds: int | None = None
    computed_at: datetime | None = None

    @property
    def contacts_in_time(self) -> int:
        return self.contacts_reached + self.contacts_notified

    @property
    def contacts_missed(self) -> int:
        """Contacts due, neither reached by phone nor notified by SMS in time."""
        return max(0, self.contacts_due - self.contacts_in_time)

    @property
    def contacts_share(self) -> float | None:
        return share(self.contacts_in_time, self.contacts_due)

    @property
    def contacts_reached_share(self) -> float | None:
        return share(self.contacts_reached, self.contacts_due)

    @property
    def index_share(self) -> float | None:
        return share(self.index_reached, self.index_due)


@dataclass
class SlaReport:
    start: date
    end: date
    rows: list[SlaRow]
    # One row per day of the range, all territories shown together (the chart).
    days: list[SlaRow] = field(default_factory=list)
    total: SlaRow | None = None


def _sla_days(
    *,
    user: RequestUser,
    start: date,
    end: date,
    territory: Territory | None,
) -> QuerySet[SlaDay]:
    days = SlaDay.objects.for_user(user).filter(day__gte=start, day__lte=end)
    if territory is not None:
        days = days.filter(territory=territory)
    return days


def _empty_sla_row(day: date, territory: Territory | None) -> SlaRow:
    return SlaRow(
        day=day,
        territory=territory,
        contacts_due=0,
        contacts_reached=0,
        contacts_notified=0,
        index_due=0,
        index_reached=0,
    )


def sla_report(
    *,
    user: RequestUser,
    start: date,
    end: date,
    territory: Territory | None = None,
) -> SlaReport:
    """Return the SLA rows (per day and territory) of the range, with per-day totals."""
    rows = [
        SlaRow(
            day=day.day,
            territory=day.territory,
            contacts_due=day.contacts_due,
            contacts_reached=day.contacts_reached_in_time,
            contacts_notified=day.contacts_notified_in_time,
            index_due=day.index_due,
            index_reached=day.index_reached_in_time,
            contacts_late=day.contacts_reached_late,
            index_late=day.index_reached_late,
            median_seconds=day.first_attempt_median_seconds,
            computed_at=day.computed_at,
        )
        for day in _sla_days(user=user, start=start, end=end, territory=territory)
        # A day with nothing due says nothing: left out, or 100 territories bury the others.
        .filter(Q(contacts_due__gt=0) | Q(index_due__gt=0))
        .select_related("territory")
        .order_by("-day", "territory__code")
    ]
    per_day = {day: _empty_sla_row(day, territory) for day in days_between(start, end)}
    total = _empty_sla_row(end, territory)
    # Medians do not add up: a day's median is shown only when the rows are of one territory.
    one_territory = len({row.territory for row in rows}) <= 1
    for row in rows:
        for summary in (per_day[row.day], total):
            summary.contacts_due += row.contacts_due
            summary.contacts_reached += row.contacts_reached
            summary.contacts_notified += row.contacts_notified
            summary.index_due += row.index_due
            summary.index_reached += row.index_reached
            summary.contacts_late += row.contacts_late
            summary.index_late += row.index_late
        if one_territory:
            per_day[row.day].median_seconds = row.median_seconds
    return SlaReport(start=start, end=end, rows=rows, days=list(per_day.values()), total=total)


# --- Productivity -----------------------------------------------------------------------------


@dataclass
class PauseReasonColumn:
    code: str
    label: str
    cap_seconds: int | None = None


@dataclass
class ProductivityRow:
    day: date
    agent: Agent
    calls: int
    reached: int
    talk_seconds: int
    short_calls: int
    ready_seconds: int
    on_call_seconds: int
    wrap_up_seconds: int
    paused_seconds: int
    first_login_at: datetime | None
    last_call_at: datetime | None
    pauses: dict[str, int] = field(default_factory=dict)
    # The part of the wrap-up past its limit: idle, not active (issue 14).
    wrap_up_over_seconds: int = 0
    # Pause past its reason's daily cap that no supervisor confirmed: idle, not a pause.
    pause_over_cap_seconds: int = 0
    # Conversations recorded without « Answered »: talk time unknown, not in talk_seconds.
    talk_not_marked: int = 0

    @property
    def logged_in_seconds(self) -> int:
        return (
            self.ready_seconds + self.on_call_seconds + self.wrap_up_seconds + self.paused_seconds
        )

    @property
    def active_seconds(self) -> int:
        return self.on_call_seconds + self.wrap_up_seconds - self.wrap_up_over_seconds

    @property
    def rates(self) -> dict:
        """Calls per active hour, share of logged-in time on calls, and whether either is under
        its threshold: the board's rule."""
        return activity_rates(
            calls=self.calls,
            active=self.active_seconds,
            on_call=self.on_call_seconds,
            logged_in=self.logged_in_seconds,
        )

    @property
    def active_share(self) -> float | None:
        return share(self.active_seconds, self.logged_in_seconds)

    def pause_cells(self, reasons: list[PauseReasonColumn]) -> list[int]:
        return [self.pauses.get(reason.code, 0) for reason in reasons]


@dataclass
class ProductivityReport:
    start: date
    end: date
    reasons: list[PauseReasonColumn]
    rows: Iterator[ProductivityRow] | list[ProductivityRow]
    # Calls and reached per day of the range, all agents together (the chart).
    days: list[tuple[date, int, int]] = field(default_factory=list)
    truncated: bool = False


def _agent_days(
    *, user: RequestUser, start: date, end: date, territory: Territory | None, team: Team | None
) -> QuerySet[AgentDay]:
    days = AgentDay.objects.for_user(user).filter(day__gte=start, day__lte=end)
    if territory is not None:
        days = days.filter(agent__territory=territory)
    if team is not None:
        days = days.filter(agent__team=team)
    return days


def _pauses_by_reason(
    *,
    user: RequestUser,
    start: date,
    end: date,
    territory: Territory | None,
    team: Team | None,
    now: datetime,
) -> tuple[dict, list[PauseReasonColumn]]:
    """Sum the pause periods by agent, local day of their start and reason: one query per time
    zone."""
    territories = Territory.objects.for_user(user).only("pk", "timezone")
    if territory is not None:
        territories = territories.filter(pk=territory.pk)
    by_zone: dict[str, list[int]] = defaultdict(list)
    for each in territories:
        by_zone[each.timezone].append(each.pk)
    agents = Agent.objects.for_user(user)
    if team is not None:
        agents = agents.filter(team=team)
    pauses: dict[tuple[int, date], dict[str, int]] = defaultdict(dict)
    labels: dict[str, str] = {}
    caps: dict[str, int] = {}
    english = (get_language() or "fr").startswith("en")
    duration = ExpressionWrapper(
        Coalesce(F("ended_at"), Value(now)) - F("started_at"), output_field=DurationField()
    )
    for zone_name, territory_ids in by_zone.items():
        zone = Territory(timezone=zone_name).zone
        rows = (
            AgentStatusPeriod.objects.filter(
                agent__in=agents.filter(territory_id__in=territory_ids),
                status=Agent.Status.PAUSED,
                started_at__gte=local_day_bounds(start, zone)[0],
                started_at__lt=local_day_bounds(end, zone)[1],
            )
            .annotate(local_day=TruncDate("started_at", tzinfo=zone))
            .values(
                "agent_id",
                "local_day",
                "pause_reason__code",
                "pause_reason__label_fr",
                "pause_reason__label_en",
                "pause_reason__daily_cap_minutes",
            )
            .annotate(seconds=Sum(duration))
            .order_by()
        )
        for row in rows:
            code = row["pause_reason__code"] or ""
            labels[code] = (
                row["pause_reason__label_en"] if english else row["pause_reason__label_fr"]
            ) or "—"
            pauses[(row["agent_id"], row["local_day"])][code] = int(row["seconds"].total_seconds())
            if row["pause_reason__daily_cap_minutes"] is not None:
                caps[code] = row["pause_reason__daily_cap_minutes"] * 60
    reasons = sorted(
        (PauseReasonColumn(code, label, caps.get(code)) for code, label in labels.items()),
        key=lambda r: r.label,
    )
    return pauses, reasons


def productivity_report(
    *,
    user: RequestUser,
    start: date,
    end: date,
    now: datetime,
    territory: Territory | None = None,
    team: Team | None = None,
    limit: int | None = PAGE_ROW_LIMIT,
) -> ProductivityReport:
    """Return one row per agent and local day of the range; at most `limit` rows (None: all,
    streamed)."""
    filters: dict[str, Any] = {
        "user": user,
        "start": start,
        "end": end,
        "territory": territory,
        "team": team,
    }
    pauses, reasons = _pauses_by_reason(now=now, **filters)
    caps = {reason.code: reason.cap_seconds for reason in reasons if reason.cap_seconds is not None}
    # Pauses past their cap that a supervisor confirmed: a pause; the others' excess is idle.
    confirmed = set(
        PauseCapDecision.objects.for_user(user)
        .filter(day__gte=start, day__lte=end, confirmed=True)
        .values_list("agent_id", "day", "pause_reason__code")
    )

    def over_cap(agent_id: int, day: date) -> int:
        spent = pauses.get((agent_id, day), {})
        return sum(
            max(0, spent.get(code, 0) - cap)
            for code, cap in caps.items()
            if (agent_id, day, code) not in confirmed
        )

    days = (
        _agent_days(**filters)
        .select_related("agent__user", "agent__team__plateau", "agent__territory")
        .order_by("-day", "agent__user__last_name", "agent__user__first_name", "agent_id")
    )

    def rows_of(agent_days: Iterable[AgentDay]) -> Iterator[ProductivityRow]:
        for day in agent_days:
            yield ProductivityRow(
                day=day.day,
                agent=day.agent,
                calls=day.calls,
                reached=day.reached,
                talk_seconds=day.talk_seconds,
                talk_not_marked=day.talk_not_marked,
                short_calls=day.short_calls,
                ready_seconds=day.ready_seconds,
                on_call_seconds=day.on_call_seconds,
                wrap_up_seconds=day.wrap_up_seconds,
                wrap_up_over_seconds=day.wrap_up_over_seconds,
                paused_seconds=day.paused_seconds,
                first_login_at=day.first_login_at,
                last_call_at=day.last_call_at,
                pauses=pauses.get((day.agent_id, day.day), {}),
                pause_over_cap_seconds=over_cap(day.agent_id, day.day),
            )

    report = ProductivityReport(start=start, end=end, reasons=reasons, rows=[])
    if limit is None:
        report.rows = rows_of(days.iterator(chunk_size=2000))
        return report
    report.rows = list(rows_of(days[: limit + 1]))
    report.truncated = len(report.rows) > limit
    del report.rows[limit:]
    totals = {
        row["day"]: (row["calls"], row["reached"])
        for row in _agent_days(**filters)
        .values("day")
        .annotate(calls=Sum("calls"), reached=Sum("reached"))
        .order_by()
    }
    report.days = [(day, *totals.get(day, (0, 0))) for day in days_between(start, end)]
    return report
