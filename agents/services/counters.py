"""The per-agent per-day counters, written inside the transaction of each attempt and status
change: one `INSERT … ON CONFLICT DO UPDATE` per change, whatever the number of days or counters
it touches (PostgreSQL and SQLite ≥ 3.24 both have it)."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from agents.models import Agent, AgentDay

# A connected call shorter than this is counted as short: a sign of hang-ups to game handle time.
SHORT_CALL = timedelta(seconds=10)

# The counters an attempt or a status period adds to; every other column is a moment.
_COUNTERS = (
    "calls",
    "reached",
    "talk_seconds",
    "short_calls",
    "talk_not_marked",
    "refused_outcomes",
    "ready_seconds",
    "on_call_seconds",
    "wrap_up_seconds",
    "wrap_up_over_seconds",
    "paused_seconds",
)

_STATUS_BUCKETS = {
    "ready": "ready_seconds",
    "on_call": "on_call_seconds",
    "wrap_up": "wrap_up_seconds",
    "paused": "paused_seconds",
}


class DayCounts:
    """What one change adds to an agent's day counters, per local day; `statement()` writes it
    in one upsert, so that two workers counting for one agent never lose an increment."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.added: dict[date, dict[str, int]] = defaultdict(dict)
        self.last_call_at: dict[date, datetime] = {}
        self.first_login_at: dict[date, datetime] = {}

    def __bool__(self) -> bool:
        return bool(self.added)

    def _add(self, day: date, **counts: int) -> None:
        row = self.added[day]
        for name, value in counts.items():
            row[name] = row.get(name, 0) + value

    def add_attempt(
        self,
        *,
        started_at: datetime,
        connected_at: datetime | None,
        ended_at: datetime | None,
        reached: bool,
        accepted: bool,
        is_new_call: bool = True,
        talk_not_marked: bool = False,
    ) -> "DayCounts":
        """Count one call attempt. A refused outcome resent for a call already counted adds to
        refused_outcomes only; a call whose talk time was not marked adds to talk_not_marked,
        not to talk_seconds."""
        ended_at = ended_at or started_at
        day = timezone.localdate(ended_at, timezone=self.agent.territory.zone)
        talk = (ended_at - connected_at) if connected_at else timedelta(0)
        self._add(
            day,
            calls=int(is_new_call),
            reached=int(accepted and reached),
            talk_seconds=int(talk.total_seconds()) * is_new_call,
            short_calls=int(is_new_call and connected_at is not None and talk < SHORT_CALL),
            refused_outcomes=int(not accepted),
            talk_not_marked=int(is_new_call and talk_not_marked),
        )
        latest = self.last_call_at.get(day)
        self.last_call_at[day] = ended_at if latest is None else max(latest, ended_at)
        return self

    def add_status_period(
        self,
        *,
        status: str,
        started_at: datetime,
        ended_at: datetime,
        limit_seconds: int | None = None,
    ) -> "DayCounts":
        """Count a closed status period, split at local midnights. A wrap-up with a limit adds
        the time past it to wrap_up_over_seconds too: idle, not active."""
        bucket = _STATUS_BUCKETS.get(status)
        if bucket is None or ended_at <= started_at:
            return self  # Offline time is not working time.
        over_from = (
            started_at + timedelta(seconds=limit_seconds)
            if status == "wrap_up" and limit_seconds is not None
            else None
        )
        zone = self.agent.territory.zone
        start = started_at
        while start < ended_at:
            day = timezone.localdate(start, timezone=zone)
            next_midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
            end = min(ended_at, next_midnight)
            over = max(0, int((end - max(start, over_from)).total_seconds())) if over_from else 0
            self._add(day, **{bucket: int((end - start).total_seconds())})
            self._add(day, wrap_up_over_seconds=over)
            self.first_login_at.setdefault(day, start)
            start = end
        return self

    def statement(self) -> tuple[str, list]:
        """The upsert of these counts: (SQL, parameters); one row per day."""
        meta = AgentDay._meta
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        columns = ["agent_id", "day", *_COUNTERS, "last_call_at", "first_login_at"]
        moment = meta.get_field("last_call_at")
        day_field = meta.get_field("day")
        rows, params = [], []
        for day in sorted(self.added):
            counts = self.added[day]
            rows.append("(" + ", ".join(["%s"] * len(columns)) + ")")
            params += [
                self.agent.pk,
                day_field.get_db_prep_value(day, connection),
                *(counts.get(name, 0) for name in _COUNTERS),
                moment.get_db_prep_value(self.last_call_at.get(day), connection),
                moment.get_db_prep_value(self.first_login_at.get(day), connection),
            ]
        added = ", ".join(
            f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in _COUNTERS
        )
        last, first = quote("last_call_at"), quote("first_login_at")
        sql = (
            f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES {', '.join(rows)}"
            f" ON CONFLICT ({quote('agent_id')}, {quote('day')}) DO UPDATE SET {added},"
            # The later of the two; a NULL on either side keeps the other.
            f" {last} = CASE WHEN excluded.{last} IS NULL"
            f" OR ({table}.{last} IS NOT NULL AND {table}.{last} >= excluded.{last})"
            f" THEN {table}.{last} ELSE excluded.{last} END,"
            f" {first} = COALESCE({table}.{first}, excluded.{first})"
        )
        return sql, params

    def save(self) -> None:
        """Write these counts (nothing when there are none)."""
        if not self:
            return
        sql, params = self.statement()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def count_status_period(
    *,
    agent: Agent,
    status: str,
    started_at: datetime,
    ended_at: datetime,
    limit_seconds: int | None = None,
) -> None:
    """Add a closed status period to its agent's day counters, split at local midnights."""
    DayCounts(agent).add_status_period(
        status=status, started_at=started_at, ended_at=ended_at, limit_seconds=limit_seconds
    ).save()
