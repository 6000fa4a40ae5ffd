"""When an SMS may go: in the person's local hours (the territory's zone and calling hours) and
within the territory's daily quota. A message that must wait is a queued row whose
next_attempt_at is the morning it may go, with `held` saying why (night, quota): republish_sms
sweeps it then. Never a long Celery countdown, never dropped (invariant 12)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count

from agents.models import Territory
from calls.models import SmsMessage

Held = SmsMessage.Held

# The quota looks this many days ahead at most; past it a message waits on the last day tried.
QUOTA_HORIZON_DAYS = 60


@dataclass(frozen=True)
class SmsSlot:
    """When a message may go: at once (due_at None) or at due_at, counted on the local day
    planned_on, waiting for `held` (empty when it goes at once)."""

    due_at: datetime | None
    planned_on: date
    held: str = ""


def _morning(territory: Territory, day: date) -> datetime:
    return datetime.combine(day, territory.calling_hours_start, tzinfo=territory.zone)


def first_sendable_moment(*, territory: Territory, now: datetime) -> tuple[datetime | None, date]:
    """Return when a message may go in the person's local hours (None: now) and its local day."""
    local = now.astimezone(territory.zone)
    day, moment = local.date(), local.time()
    if moment < territory.calling_hours_start:
        return _morning(territory, day), day
    if moment >= territory.calling_hours_end:
        day += timedelta(days=1)
        return _morning(territory, day), day
    return None, day


class SmsPlanner:
    """Plan messages against local hours and each territory's daily quota. The territories'
    rows are locked for the transaction, so two planners cannot both give away the last slot."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.used: dict[int, dict[date, int]] = {}
        self.territories: dict[int, Territory] = {}

    def _load(self, territory_id: int) -> None:
        territory = Territory.objects.select_for_update().get(pk=territory_id)
        self.territories[territory_id] = territory
        first_day = self.now.astimezone(territory.zone).date()
        counts: dict[date, int] = defaultdict(int)
        for row in (
            SmsMessage.objects.filter(task__territory_id=territory_id, planned_on__gte=first_day)
            .values("planned_on")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            counts[row["planned_on"]] = row["n"]
        self.used[territory_id] = counts

    def slot(self, territory_id: int) -> SmsSlot:
        """Take the next slot of a territory: today in its hours if the quota has room, else the
        next morning with room."""
        if territory_id not in self.territories:
            self._load(territory_id)
        territory = self.territories[territory_id]
        counts = self.used[territory_id]
        due_at, day = first_sendable_moment(territory=territory, now=self.now)
        held = Held.NIGHT if due_at is not None else ""
        for _ in range(QUOTA_HORIZON_DAYS):
            if counts[day] < territory.sms_daily_quota:
                break
            day += timedelta(days=1)
            due_at, held = _morning(territory, day), Held.QUOTA
        counts[day] += 1
        return SmsSlot(due_at=due_at, planned_on=day, held=held)
