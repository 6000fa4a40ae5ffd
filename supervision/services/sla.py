"""The 24-hour SLA rollup: one SlaDay row per territory and local day of the deadlines.

Definitions (also written on the report page):
- a call is *due* on the local day (territory time zone) of its deadline; cancelled tasks (a
  person already reached for the same reason by another task) are not due;
- *reached in time*: the task is done (the person was reached) with closed_at <= deadline_at;
- *notified in time* (by SMS only): not reached in time by phone, but an SMS was sent with
  sent_at <= deadline_at: the fallback, or the first notice of the SMS-first and SMS-only channel
  modes (an SMS-only contact's task closes as notified by SMS when it is sent);
- *missed*: due, neither reached in time nor notified in time (SlaDay.contacts_missed);
- *reached late*: done with closed_at > deadline_at: the call stayed in the queue past its
  deadline (LATE_CALLABLE_HOURS) or was put back by a supervisor, and the person was reached
  then. It never counts as reached in time;
- contacts are contact-notification tasks (deadline = identification + CONTACT_DEADLINE_HOURS),
  patients zéro the index-interview tasks (deadline = registration + INDEX_CASE_DEADLINE_HOURS);
- the median time to first attempt is over the contact and patient zéro tasks due that day that
  had a first attempt: first_attempt_at - created_at.
"""

import math
import statistics
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate

from agents.models import Territory
from calls.models import CallTask, SmsMessage
from supervision.models import SlaDay

Reason = CallTask.Reason
SLA_REASONS = (Reason.CONTACT_NOTIFICATION, Reason.INDEX_INTERVIEW)
_FIGURES = (
    "contacts_due",
    "contacts_reached_in_time",
    "contacts_notified_in_time",
    "index_due",
    "index_reached_in_time",
    "contacts_reached_late",
    "index_reached_late",
)


class _Median(Aggregate):
    """PostgreSQL's exact median of a duration, in seconds."""

    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    output_field = FloatField()


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the aware start and end of a local day (23 or 25 hours long on clock-change days)."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _sla_figures(
    *,
    territory_ids: list[int],
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
) -> dict[tuple[int, date], dict]:
    """Return the figures of the calls due between start and end, by territory and local day."""
    contact, index = Q(reason=Reason.CONTACT_NOTIFICATION), Q(reason=Reason.INDEX_INTERVIEW)
    in_time = Q(status=CallTask.Status.DONE, closed_at__lte=F("deadline_at"))
    late = Q(status=CallTask.Status.DONE, closed_at__gt=F("deadline_at"))
    sms_in_time = Exists(
        SmsMessage.objects.filter(
            task=OuterRef("pk"),
            kind__in=[SmsMessage.Kind.FALLBACK, SmsMessage.Kind.NOTICE],
            status=SmsMessage.Status.SENT,
            sent_at__lte=OuterRef("deadline_at"),
        )
    )
    notified = Case(
        When(~contact, then=Value(0)),
        When(in_time, then=Value(0)),
        When(sms_in_time, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    aggregates = {
        "contacts_due": Count("pk", filter=contact),
        "contacts_reached_in_time": Count("pk", filter=contact & in_time),
        "contacts_notified_in_time": Sum(notified),
        "index_due": Count("pk", filter=index),
        "index_reached_in_time": Count("pk", filter=index & in_time),
        "contacts_reached_late": Count("pk", filter=contact & late),
        "index_reached_late": Count("pk", filter=index & late),
    }
    postgres = connection.vendor == "postgresql"
    if postgres:
        aggregates["median"] = _Median(
            ExpressionWrapper(
                F("first_attempt_at") - F("created_at"), output_field=DurationField()
            ),
            filter=Q(first_attempt_at__isnull=False),
        )
    due = CallTask.objects.filter(
        territory_id__in=territory_ids,
        reason__in=SLA_REASONS,
        deadline_at__gte=start,
        deadline_at__lt=end,
    ).exclude(status=CallTask.Status.CANCELLED)
    rows = due.annotate(local_day=TruncDate("deadline_at", tzinfo=zone)).values(
        "territory_id", "local_day"
    )
    figures = {
        (row["territory_id"], row["local_day"]): row
        for row in rows.annotate(**aggregates).order_by()
    }
    if not postgres:
        # SQLite has no percentile: read the durations (a few days of one zone) and take it here.
        durations: dict[tuple[int, date], list[float]] = defaultdict(list)
        for territory_id, deadline_at, created_at, first_attempt_at in due.filter(
            first_attempt_at__isnull=False
        ).values_list("territory_id", "deadline_at", "created_at", "first_attempt_at"):
            durations[(territory_id, deadline_at.astimezone(zone).date())].append(
                (first_attempt_at - created_at).total_seconds()
            )
        for key, values in durations.items():
            figures[key]["median"] = statistics.median(values)
    return figures


def days_to_recompute() -> int:
    """Return how many local days, today included, a call due then may still be reached: today,
    yesterday and the late period after a deadline (LATE_CALLABLE_HOURS)."""
    return 2 + math.ceil(settings.LATE_CALLABLE_HOURS / 24)


def roll_up_sla(*, now: datetime, days: int | None = None) -> int:
    """Recompute the SlaDay rows of today and the days before it (local days; by default those
    whose calls may still be reached, late); return how many rows."""
    days = days or days_to_recompute()
    by_zone: dict[str, list[Territory]] = defaultdict(list)
    for territory in Territory.objects.only("pk", "timezone").order_by("pk"):
        by_zone[territory.timezone].append(territory)
    rows = []
    # One aggregate query per time zone (a handful), not per territory.
    for territories in by_zone.values():
        zone = territories[0].zone
        today = now.astimezone(zone).date()
        first_day = today - timedelta(days=days - 1)
        start, end = local_day_bounds(first_day, zone)[0], local_day_bounds(today, zone)[1]
        ids = [t.pk for t in territories]
        figures = _sla_figures(territory_ids=ids, zone=zone, start=start, end=end)
        for territory_id in ids:
            for offset in range(days):
                day = first_day + timedelta(days=offset)
                found = figures.get((territory_id, day), {})
                median = found.get("median")
                rows.append(
                    SlaDay(
                        territory_id=territory_id,
                        day=day,
                        first_attempt_median_seconds=None
                        if median is None
                        else max(0, round(median)),
                        computed_at=now,
                        **{name: found.get(name) or 0 for name in _FIGURES},
                    )
                )
    # One upsert: running twice, or two runs at once, leaves the same rows.
    SlaDay.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["territory", "day"],
        update_fields=[*_FIGURES, "first_attempt_median_seconds", "computed_at"],
        batch_size=500,
    )
    return len(rows)
