"""Reports read a streaming replica of the primary, when there is one (DATABASE_REPLICA_URL).

A report view or task wraps its reads in `with reporting() as source:` (or is decorated with
`@reporting()`): the router below sends the reads of that block to the replica, every write to
the primary. The queue, the desk, the claim, the outcome and the sweeps never call it: they lock
rows and read their own writes.

Entering `reporting()` asks the replica how far behind it is (one query). A replica past
REPLICA_MAX_LAG_SECONDS, one that cannot say, or one that does not answer, is not read: the
report reads the primary and `source.note` says why. Without a replica alias `reporting()`
changes nothing and costs nothing.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

REPLICA = "replica"

# How far a standby's replay is behind what it received; 0 when it has replayed everything it
# received (an idle primary sends nothing, and the replica is then up to date).
LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""

T = TypeVar("T")


@dataclass
class ReportSource:
    """Where the reads of one `reporting()` block go, and what the report should say about it."""

    alias: str = DEFAULT_DB_ALIAS
    # Seconds the replica is behind, when it was asked.
    lag_seconds: float | None = None
    # Why the primary is read though a replica is configured: "down", "lagging" or "unknown".
    fallback: str = ""
    # Once the block writes, its reads go to the primary: the replica has not seen the write yet.
    wrote: bool = False

    @property
    def on_replica(self) -> bool:
        return self.alias == REPLICA

    @property
    def note(self) -> str:
        """Return the sentence a report shows about its data's freshness ("" when none is due)."""
        if self.fallback == "down":
            return _(
                "The read replica is unavailable: this report was read from the main database."
            )
        if self.fallback == "lagging":
            return _(
                "The read replica is %(seconds)d s behind: this report was read from the main "
                "database."
            ) % {"seconds": self.lag_seconds or 0}
        if self.fallback == "unknown":
            return _(
                "The read replica cannot tell how far behind it is: this report was read from the "
                "main database."
            )
        if self.on_replica and self.lag_seconds is not None and self.lag_seconds >= 1:
            return _("Data as of %(seconds)d s ago (read replica).") % {"seconds": self.lag_seconds}
        return ""


_source: ContextVar[ReportSource | None] = ContextVar("report_source", default=None)


def has_replica() -> bool:
    return REPLICA in connections.settings


def current_source() -> ReportSource | None:
    """Return the source of the `reporting()` block being run, None outside one."""
    return _source.get()


def _choose_source() -> ReportSource:
    if not has_replica():
        return ReportSource()
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, lag = cursor.fetchone()
    except DatabaseError:
        logger.warning("The read replica does not answer: reports read the primary", exc_info=True)
        # Drop the broken connection, so that the next report tries a new one.
        connections[REPLICA].close()
        return ReportSource(fallback="down")
    if not in_recovery:
        # A promoted replica (after a failover) is a primary: it is up to date.
        return ReportSource(alias=REPLICA, lag_seconds=0.0)
    if lag is None:
        return ReportSource(fallback="unknown")
    lag = float(lag)
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning("The read replica is %.0f s behind: reports read the primary", lag)
        return ReportSource(lag_seconds=lag, fallback="lagging")
    return ReportSource(alias=REPLICA, lag_seconds=lag)


@contextmanager
def reporting() -> Iterator[ReportSource]:
    """Send the reads of the block to the replica, if there is one and it is fresh enough.

    Also a decorator: `@reporting()` on a view or a task. A block inside another one reads where
    the outer one does.
    """
    outer = _source.get()
    if outer is not None:
        yield outer
        return
    source = _choose_source()
    token = _source.set(source)
    try:
        yield source
    finally:
        _source.reset(token)


def source_header(source: ReportSource) -> str:
    """Return what an export's X-Data-Source header says: "replica; lag=4" or "primary; down"."""
    if source.on_replica:
        return f"replica; lag={source.lag_seconds or 0:.0f}"
    return f"primary; {source.fallback}" if source.fallback else "primary"


def continue_reporting(rows: Iterable[T]) -> Iterable[T]:
    """Return the rows of a response streamed after the view returned, read from where the view's
    `reporting()` block read (a CSV export iterates its queryset while it is sent)."""
    source = _source.get()
    if source is None:
        return rows
    return _rows_from(source, rows)


def _rows_from(source: ReportSource, rows: Iterable[T]) -> Iterator[T]:
    token = _source.set(source)
    try:
        yield from rows
    finally:
        # Closed from another context (a server dropping the response): nothing to restore.
        with suppress(ValueError):
            _source.reset(token)


class ReportsRouter:
    """Reads inside `reporting()` go to the replica; everything else to the primary.

    Explicit "default" answers, rather than None: Django would otherwise send a write of a row
    read from the replica back to the replica (the row's own database).
    """

    def db_for_read(self, model, **hints) -> str:
        source = _source.get()
        if source is None or source.wrote:
            return DEFAULT_DB_ALIAS
        return source.alias

    def db_for_write(self, model, **hints) -> str:
        source = _source.get()
        if source is not None:
            source.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The same rows on both: a row read from the replica may point to one read from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        # The replica follows the primary's schema by replication.
        return db == DEFAULT_DB_ALIAS
