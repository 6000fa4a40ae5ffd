"""The calls per hour of each territory's agents, counted once the hour is over (HourlyCalls).

The queue-health chart shows the calls per local hour, yesterday and today. Counting them from
the attempts on every poll read two days of the territory's attempts (38,000 rows for Paris on a
peak day, ≈ 300 ms). The periodic job `count_hourly_calls` counts each closed UTC hour once per
territory instead; the page reads those counters and counts only the hours after the last one
from the attempts (the open hour: a short range of the started_at index).

The job is idempotent: it recounts whole hours (an upsert of every territory's row, zeros
included), so running it twice changes nothing. Each run recounts the last RECOUNT_HOURS closed
hours, because an attempt is written when its outcome is (its started_at is the dialling, minutes
earlier), and after a downtime it catches up from its last counted hour (at most the KEEP_HOURS
the chart needs). Counters older than KEEP_DAYS are deleted.

A counter is per UTC hour: in a zone whose offset is not a whole number of hours (none of the
French territories) a local hour spans two of them, so the chart of such a territory is counted
from the attempts, as before (`whole_hour_zone`).
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.db.models.functions import TruncHour

from agents.models import Territory
from calls.models import CallAttempt, CallTask
from supervision.models import HourlyCalls

HOUR = timedelta(hours=1)
# Recounted on every run: an attempt is saved at its outcome, up to a lease (and a late outcome)
# after its start. A later one still counts in the chart once the hour is recounted.
RECOUNT_HOURS = 3
# What the chart needs (yesterday's local midnight is at most 48 hours ago), and a margin.
KEEP_HOURS = 49
KEEP_DAYS = 8


def hour_start(moment: datetime) -> datetime:
    """Return the start of the UTC hour of a moment."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def whole_hour_zone(zone: ZoneInfo, *moments: datetime) -> bool:
    """Say whether the zone's offset is a whole number of hours at these moments (so that its
    local hours are UTC hours)."""
    for moment in moments:
        offset = moment.astimezone(zone).utcoffset()
        if offset is None or offset.total_seconds() % 3600:
            return False
    return True


def count_hourly_calls(*, now: datetime) -> int:
    """Count the calls of every territory's agents in the closed hours not counted yet and in the
    last RECOUNT_HOURS; return how many hours were counted."""
    upto = hour_start(now)
    start = upto - KEEP_HOURS * HOUR
    last = HourlyCalls.objects.aggregate(last=Max("hour"))["last"]
    if last is not None:
        start = max(start, min(last + HOUR, upto - RECOUNT_HOURS * HOUR))
    if start >= upto:
        return 0
    territory_ids = list(Territory.objects.values_list("pk", flat=True))
    own_task = CallTask.objects.filter(
        pk=OuterRef("task_id"), territory_id=OuterRef("territory_id")
    )
    counted = {
        (row["territory_id"], row["hour"]): row
        for row in CallAttempt.objects.filter(started_at__gte=start, started_at__lt=upto)
        .annotate(territory_id=F("agent__territory_id"), hour=TruncHour("started_at", tzinfo=UTC))
        .values("territory_id", "hour")
        .annotate(
            calls=Count("pk"),
            # A lookup of the task per attempt: a join would read the whole task table.
            own_calls=Count("pk", filter=Exists(own_task)),
            reached=Count("pk", filter=Q(outcome=CallAttempt.Outcome.REACHED)),
        )
        .order_by()
    }
    hours = list(_hours(start, upto))
    rows = []
    for territory_id in territory_ids:
        for hour in hours:
            found = counted.get((territory_id, hour), {})
            rows.append(
                HourlyCalls(
                    territory_id=territory_id,
                    hour=hour,
                    calls=found.get("calls", 0),
                    own_calls=found.get("own_calls", 0),
                    reached=found.get("reached", 0),
                )
            )
    with transaction.atomic():
        HourlyCalls.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["territory", "hour"],
            update_fields=["calls", "own_calls", "reached"],
        )
        HourlyCalls.objects.filter(hour__lt=upto - timedelta(days=KEEP_DAYS)).delete()
    return len(hours)


def _hours(start: datetime, end: datetime) -> Iterable[datetime]:
    hour = start
    while hour < end:
        yield hour
        hour += HOUR
