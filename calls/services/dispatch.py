"""Claims and leases: who calls whom next.

On PostgreSQL the claim is three statements (the hot path of the call centre, see
bench/README.md): lock the agent and read what it needs in one, pick and lock the task with its
person and numbers in one, lease it and open the assignment in one; then set_agent_status() when
the agent was not on call already. On SQLite, where the claim locks the whole database,
the ORM version does the same things in the same order.
"""

from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Field, Model
from django.db.models.expressions import RawSQL
from django.db.models.options import Options
from django.utils.translation import gettext as _

from agents.exceptions import AgentNotReady
from agents.models import Agent, AgentStatusPeriod, Territory
from agents.services.staff import CurrentStatus, period_matches, set_agent_status
from calls.exceptions import LeaseLost, TransitionRefused
from calls.models import CLAIM_ORDER, Assignment, CallTask
from calls.policy import may_take
from calls.services.fallback import escalate
from cases.models import Person, Phone

if TYPE_CHECKING:
    from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations

# Candidates read per (territory, language) pair before locking one; four times more when all of
# them were taken by concurrent claims. Each count is a statement of its own, the number written
# in it: a LIMIT parameter would be planned generically as a tenth of the queue, and that plan
# joins the tasks by a scan of the table.
CANDIDATE_STEPS = (8, 32, 128, 512)

# Stand-ins for the agent and the time while the claimable() queryset is compiled into the claim's
# SQL; each becomes a named parameter there.
_AGENT_STAND_IN = 7_000_000_001
_NOW_STAND_IN = datetime(2000, 1, 2, 3, 4, 5, tzinfo=UTC)


# The columns CLAIM_ORDER sorts by: each candidate carries them, so that the candidates of all the
# pairs can be merged in the same order.
_ORDER_COLUMNS = tuple(f.lstrip("-") for f in CLAIM_ORDER)


def _claim_order(alias: str) -> str:
    return ", ".join(
        f"{alias}.{f.lstrip('-')}{' DESC' if f.startswith('-') else ''}" for f in CLAIM_ORDER
    )


def _candidates_sql(limit: int) -> str:
    """Return the SQL of a claim's candidates: CallTask.objects.claimable() in CLAIM_ORDER, as the
    ORM compiles it, read once per (territory, language) pair from three places that together
    hold every claimable task of the pair:

    - the head of the fresh queue (call_task_fresh_queue, a short index walk in claim order);
    - the retries open to all that came due since the `rejoin-due-retries` sweep last ran
      (call_task_waiting, by not_before up to now: those not due yet are never read);
    - the agent's own callbacks and the calls handed to them (the reserved_for index).

    At most `limit` rows from each, then at most `limit` overall, never a sort of the
    backlog. The sweep only moves rows from the second place to the first: the task chosen is
    the same whether it ran or not. Constants (the status) are bound into the text, so that a
    generic plan of the prepared statement still matches the partial indexes; the parameters
    are the same few whatever the agent (no IN list whose length changes).
    """
    claimable = CallTask.objects.claimable(agent_id=_AGENT_STAND_IN, now=_NOW_STAND_IN).filter(
        territory_id=RawSQL("terr.id", ()), language_id=RawSQL("lang.code", ())
    )
    branches = (
        claimable.fresh(),
        claimable.waiting(),
        claimable.filter(reserved_for_id=_AGENT_STAND_IN),
    )
    ops = cast("PostgresOperations", connection.ops)  # the claim's SQL is PostgreSQL's only
    parts = []
    for branch in branches:
        sql, params = (
            branch.order_by(*CLAIM_ORDER).values_list("id", *_ORDER_COLUMNS).query.sql_with_params()
        )
        bound = ops.compose_sql(sql, params).replace("%", "%%")
        for stand_in, name in ((_NOW_STAND_IN, "now"), (_AGENT_STAND_IN, "agent")):
            literal = ops.compose_sql("%s", [stand_in])
            if literal not in bound:
                raise AssertionError(f"the claimable() SQL should name {name}: {bound}")
            bound = bound.replace(literal, f"%({name})s")
        parts.append(f"({bound} LIMIT {limit:d})")
    union = "\n      UNION ALL\n      ".join(parts)
    return f"""
    SELECT c.id, {", ".join(f"c.{name}" for name in _ORDER_COLUMNS)}
    FROM unnest(%(territories)s::bigint[]) AS terr(id)
    CROSS JOIN unnest(%(languages)s::varchar[]) AS lang(code)
    CROSS JOIN LATERAL (
      {union}
    ) c
    ORDER BY {_claim_order("c")}
    LIMIT {limit:d}
"""


class _Rows:
    """Turn the columns of one model, selected by raw SQL, into an instance, as the ORM would."""

    def __init__(self, model: type[Model], alias: str) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.select = ", ".join(
            f"{alias}.{connection.ops.quote_name(f.column)}" for f in self.fields
        )
        converters = []
        for i, f in enumerate(self.fields):
            column = f.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((i, column, found))
        self.converters = converters

    def build(self, values: list) -> Model:
        for i, column, found in self.converters:
            for converter in found:
                values[i] = converter(values[i], column, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


@cache
def claim_statements() -> dict:
    """The PostgreSQL statements of the claim, built once from the models' metadata."""
    agent, territory, task, person = (
        _Rows(Agent, "a"),
        _Rows(Territory, "tr"),
        _Rows(CallTask, "t"),
        _Rows(Person, "p"),
    )
    languages = Agent.languages.through._meta
    lends = Territory.lends_to.through._meta
    phones = Phone._meta
    column = connection.ops.quote_name

    def col(meta: Options, name: str) -> str:
        field = meta.get_field(name)
        assert isinstance(field, Field)  # every name here is a concrete column
        return column(field.column)

    agent_sql = f"""
SELECT {agent.select}, {territory.select},
       ARRAY(SELECT l.{col(languages, "language")} FROM {languages.db_table} l
              WHERE l.{col(languages, "agent")} = a.id),
       (SELECT json_agg(json_build_array(b.id, b.timezone, b.calling_hours_start,
                                         b.calling_hours_end) ORDER BY b.code)
          FROM {Territory._meta.db_table} b
          JOIN {lends.db_table} lt ON lt.{col(lends, "from_territory")} = b.id
         WHERE lt.{col(lends, "to_territory")} = a.territory_id),
       EXISTS (SELECT 1 FROM {Assignment._meta.db_table} s
                WHERE s.agent_id = a.id AND s.closed_at IS NULL),
       op.id, op.status, op.started_at, op.limit_seconds, op.pause_reason_id
FROM {Agent._meta.db_table} a
JOIN {Territory._meta.db_table} tr ON tr.id = a.territory_id
LEFT JOIN {AgentStatusPeriod._meta.db_table} op ON op.agent_id = a.id AND op.ended_at IS NULL
WHERE a.id = %(agent)s
FOR UPDATE OF a
"""

    # The candidates drive the join, in their order: the first one not locked by another claim is
    # taken, and only its person and numbers in service (in their order, as current_phone()) are
    # read. This shape keeps its plan even when planned generically (a prepared statement):
    # `t.id IN (candidates) ORDER BY t.deadline_at` may then walk the whole backlog in deadline
    # order.
    def claim_sql(limit: int) -> str:
        return f"""
SELECT {task.select}, {person.select},
       ARRAY(SELECT ph.{col(phones, "number")} FROM {phones.db_table} ph
              WHERE ph.{col(phones, "person")} = t.person_id
                AND ph.{col(phones, "retired_at")} IS NULL
              ORDER BY ph.{col(phones, "position")})
FROM ({_candidates_sql(limit)}) AS c
JOIN calls_calltask t ON t.id = c.id
JOIN {Person._meta.db_table} p ON p.id = t.person_id
WHERE t.status = 'queued'
ORDER BY {_claim_order("c")}
LIMIT 1
FOR UPDATE OF t SKIP LOCKED
"""

    return {
        "agent": agent,
        "territory": territory,
        "task": task,
        "person": person,
        "agent_sql": agent_sql,
        # By the number of candidates read per place (CANDIDATE_STEPS).
        "claim_sql": {limit: claim_sql(limit) for limit in CANDIDATE_STEPS},
        # Whether any task is claimable at all, locked by another claim or not.
        "exists_sql": f"SELECT EXISTS ({_candidates_sql(1)})",
    }


def _insert(instance: Model) -> tuple[str, list] | None:
    """Columns and values Django would insert for a new instance; None when one is computed by
    the database (db_default), which the caller then leaves to the ORM."""
    meta = instance._meta
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.primary_key or getattr(instance, f.attname) is not None
    ]
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    if any(hasattr(v, "resolve_expression") for v in values):
        return None
    return ", ".join(connection.ops.quote_name(f.column) for f in fields), values


def claimable_territory_ids(*, agent: Agent, now: datetime) -> list[int]:
    """Return the territories whose calls this agent may take now: their own and those lending
    to it, each only inside its people's local calling hours."""
    territories = [agent.territory, *agent.territory.borrows_from.all()]
    return [t.pk for t in territories if t.is_calling_time(now)]


def _pick_task_id(
    *, agent: Agent, territory_ids: list[int], language_codes: list[str], now: datetime
) -> int | None:
    # SQLite: the IMMEDIATE transaction already holds the write lock, so nobody else claims now.
    return (
        CallTask.objects.eligible_for(
            agent=agent, territory_ids=territory_ids, language_codes=language_codes, now=now
        )
        .values_list("pk", flat=True)
        .first()
    )


def agent_may_take(*, agent: Agent, task: CallTask) -> bool:
    """Say whether the agent may call this task at all (invariant 2, hours aside): they speak its
    language, and it belongs to their territory or to one that lends its calls to it."""
    languages = [lang.pk for lang in agent.languages.all()]
    if not may_take(
        agent_languages=languages,
        agent_territory_id=agent.territory_id,
        task_language=task.language_id,
        task_territory_id=task.territory_id,
        lenders=(),
    ):
        # The language does not fit, or the task is of another territory: it may lend to theirs.
        return task.language_id in languages and (
            task.territory.lends_to.filter(pk=agent.territory_id).exists()
        )
    return True


def _still_held(*, agent: Agent, now: datetime) -> Assignment | None:
    """Return the call the agent holds under a valid lease: asking again (a second tab, a
    retried request) gives the same call back; an expired one goes back to the queue."""
    held = (
        Assignment.objects.filter(agent=agent, closed_at__isnull=True)
        .select_related("task__person")
        .first()
    )
    if held is None or held.lease_expires_at > now:
        return held
    _give_back(assignment=held, now=now, reason=Assignment.EndReason.EXPIRED)
    return None


def claim_next_task(*, agent: Agent, now: datetime, savepoint: bool = True) -> Assignment | None:
    """Lease the most urgent eligible call to the agent; None when nothing is eligible.

    `savepoint=False`: the claim joins the caller's transaction without a savepoint of its own
    (the API view's, which logs the read of the person in it); an exception here fails it.
    """
    with transaction.atomic(savepoint=savepoint):
        if connection.vendor == "postgresql":
            return _claim_pg(agent_id=agent.pk, now=now)
        return _claim_orm(agent=agent, now=now)


def _claim_orm(*, agent: Agent, now: datetime) -> Assignment | None:
    """The claim through the ORM, for SQLite (where the whole database is locked)."""
    agent = (
        Agent.objects.select_for_update(of=("self",)).select_related("territory").get(pk=agent.pk)
    )
    if agent.status not in (Agent.Status.READY, Agent.Status.WRAP_UP, Agent.Status.ON_CALL):
        raise AgentNotReady
    if (held := _still_held(agent=agent, now=now)) is not None:
        return held
    territory_ids = claimable_territory_ids(agent=agent, now=now)
    language_codes = list(agent.languages.values_list("code", flat=True))
    if not territory_ids or not language_codes:
        return None
    while True:
        task_id = _pick_task_id(
            agent=agent, territory_ids=territory_ids, language_codes=language_codes, now=now
        )
        if task_id is None:
            return None
        task = CallTask.objects.select_related("person").get(pk=task_id)
        phone = current_phone(task)
        if phone:
            break
        escalate(task=task, reason=CallTask.Escalation.NO_PHONE, now=now, by_id=agent.user_id)
    lease_expires_at = now + timedelta(minutes=settings.LEASE_MINUTES)
    # The database is locked: the condition is a second guard.
    taken = CallTask.objects.filter(pk=task.pk, status=CallTask.Status.QUEUED).update(
        status=CallTask.Status.ASSIGNED, lease_holder=agent, lease_expires_at=lease_expires_at
    )
    if not taken:
        return None
    assignment = Assignment.objects.create(
        task=task, agent=agent, claimed_at=now, lease_expires_at=lease_expires_at, phone=phone
    )
    set_agent_status(agent=agent, status=Agent.Status.ON_CALL, now=now)
    return assignment


# A supervisor's "call it now" takes an escalated task as well as a queued one.
TAKEN_BY_CHOICE = (CallTask.Status.QUEUED, CallTask.Status.ESCALATED)


@transaction.atomic
def claim_task(*, agent: Agent, task_id: int, now: datetime) -> tuple[Assignment, str]:
    """Lease one chosen task to the agent, wherever it stands in the queue (a supervisor's "call
    it now"); return the assignment and the status the task left. TransitionRefused when it
    cannot be taken now.

    The same locks as a claim, in the same order (the agent, then the task), and the same
    conditional update: two people taking one task never both get it (invariant 1).
    """
    agent = (
        Agent.objects.select_for_update(of=("self",)).select_related("territory").get(pk=agent.pk)
    )
    if _still_held(agent=agent, now=now) is not None:
        raise TransitionRefused(_("Record the outcome of the call you hold first."))
    task = (
        CallTask.objects.select_for_update(of=("self",))
        .select_related("person", "territory")
        .get(pk=task_id)
    )
    if task.status not in TAKEN_BY_CHOICE:
        raise TransitionRefused(_("This call is being made by an agent, or is closed."))
    if not task.territory.is_calling_time(now):
        raise TransitionRefused(_("It is outside this person's calling hours."))
    phone = current_phone(task)
    if not phone:
        raise TransitionRefused(_("This person has no number in service."))
    lease_expires_at = now + timedelta(minutes=settings.LEASE_MINUTES)
    late_period = timedelta(hours=settings.LATE_CALLABLE_HOURS)
    taken = CallTask.objects.filter(pk=task.pk, status__in=TAKEN_BY_CHOICE).update(
        status=CallTask.Status.ASSIGNED,
        lease_holder=agent,
        lease_expires_at=lease_expires_at,
        escalation_reason="",
        callback_at=None,
        # Should this call fail, the task stays in the queue a late period from now.
        callable_until=max(task.deadline_at, now) + late_period,
    )
    if not taken:
        raise TransitionRefused(_("This call is being made by an agent, or is closed."))
    assignment = Assignment.objects.create(
        task=task, agent=agent, claimed_at=now, lease_expires_at=lease_expires_at, phone=phone
    )
    set_agent_status(agent=agent, status=Agent.Status.ON_CALL, now=now)
    return assignment, task.status


# Runs of a statement on one connection before psycopg prepares it.
_PREPARE_AFTER = 2


def _bound_cursor() -> CursorWrapper:
    """A cursor binding its parameters on the server, so that psycopg prepares a statement run
    often on one connection (after _PREPARE_AFTER runs): the claim's two reads are then
    planned once per connection instead of at each call. Their plans do not depend on the
    values (the candidates drive the join), so a generic plan is as good as a custom one.
    Wrapped as Django wraps its own, so that the statements are logged and counted like any
    other. With settings.CLAIM_PREPARED_STATEMENTS off (a pooler that cannot keep prepared
    statements), Django's usual client-side binding cursor."""
    if not settings.CLAIM_PREPARED_STATEMENTS:
        return connection.cursor()
    import psycopg
    from django.db.backends.postgresql.psycopg_any import (  # type: ignore[import-untyped]
        register_tzloader,
    )
    from psycopg.pq import Format

    connection.ensure_connection()
    pg_connection = connection.connection
    if pg_connection.prepare_threshold is None:
        # Django turns preparation off on its connections (for poolers); Django's own cursors
        # bind on the client and never prepare, so this changes only the claim's.
        pg_connection.prepare_threshold = _PREPARE_AFTER
    raw = psycopg.Cursor(pg_connection)
    loader = connection.connection.adapters.get_loader(1184, Format.TEXT)  # timestamptz
    if connection.timezone != getattr(loader, "timezone", connection.timezone):
        register_tzloader(connection.timezone, raw)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return _ComposedDebugCursor(raw, connection)
    return CursorWrapper(raw, connection)


class _ComposedDebugCursor(CursorDebugWrapper):
    """Logs a statement bound on the server as Django logs its own: with the values in (the
    server cursor's own text has $1, $2…), so that a logged claim can be read or EXPLAINed."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        composed = self.db.ops.compose_sql(sql, params)
        with self.debug_sql(composed, params, use_last_executed_query=False):
            return CursorWrapper.execute(self, sql, params)


def _claim_pg(*, agent_id: int, now: datetime) -> Assignment | None:
    """_claim_orm() in three statements instead of nine, before the status change (the same
    reads, writes and locks, in the same order: agent, then task, then assignment;
    bench/reference_claim.py keeps the first version for comparison)."""
    pg = claim_statements()
    # 1. Lock the agent; read its territory, languages, lending territories, whether it holds a
    # call, and its open status period.
    with _bound_cursor() as cursor:
        cursor.execute(pg["agent_sql"], {"agent": agent_id})
        row = cursor.fetchone()
    if row is None:
        raise Agent.DoesNotExist("Agent matching query does not exist.")
    row = list(row)
    n_agent, n_territory = len(pg["agent"].fields), len(pg["territory"].fields)
    agent = pg["agent"].build(row[:n_agent])
    agent.territory = pg["territory"].build(row[n_agent : n_agent + n_territory])
    language_codes, lenders, holds, *open_period = row[n_agent + n_territory :]
    if agent.status not in (Agent.Status.READY, Agent.Status.WRAP_UP, Agent.Status.ON_CALL):
        raise AgentNotReady
    # `holds` comes from the statement's snapshot, taken before the agent's lock was waited for:
    # a claim of the same agent committed meanwhile (a second tab) is not in it, but the agent's
    # row is the new one, on call. Then the held call is read again, under the lock.
    if (holds or agent.status == Agent.Status.ON_CALL) and (
        held := _still_held(agent=agent, now=now)
    ) is not None:
        return held
    # Their own territory and those lending to it, each only inside its people's calling hours.
    territories = [agent.territory] + [
        Territory(
            id=pk,
            timezone=tz,
            calling_hours_start=time.fromisoformat(start),
            calling_hours_end=time.fromisoformat(end),
        )
        for pk, tz, start, end in lenders or ()
    ]
    territory_ids = [t.pk for t in territories if t.is_calling_time(now)]
    if not territory_ids or not language_codes:
        return None
    # 2. Pick and lock the task, with its person and their numbers in service.
    while True:
        picked = _pick_task_pg(
            agent=agent, territory_ids=territory_ids, language_codes=list(language_codes), now=now
        )
        if picked is None:
            return None
        task, numbers = picked
        phone = phone_of(numbers, task.phone_position)
        if phone:
            break
        escalate(task=task, reason=CallTask.Escalation.NO_PHONE, now=now, by_id=agent.user_id)
    # 3. Lease the task and open the assignment; the condition on the (locked) row is a second
    # guard.
    lease_expires_at = now + timedelta(minutes=settings.LEASE_MINUTES)
    assignment = Assignment(
        task=task, agent=agent, claimed_at=now, lease_expires_at=lease_expires_at, phone=phone
    )
    lease = {"assigned": CallTask.Status.ASSIGNED, "queued": CallTask.Status.QUEUED,
             "agent": agent.pk, "expires": lease_expires_at, "task": task.pk}  # fmt: skip
    insert = _insert(assignment)
    with connection.cursor() as cursor:
        if insert is None:
            taken = CallTask.objects.filter(pk=task.pk, status=CallTask.Status.QUEUED).update(
                status=CallTask.Status.ASSIGNED,
                lease_holder=agent,
                lease_expires_at=lease_expires_at,
            )
            if not taken:
                return None
            assignment.save(force_insert=True)
        else:
            columns, values = insert
            cursor.execute(
                "WITH taken AS (UPDATE calls_calltask SET status = %s, lease_holder_id = %s,"
                " lease_expires_at = %s"
                " WHERE id = %s AND status = %s RETURNING id)"
                f" INSERT INTO {Assignment._meta.db_table} ({columns})"
                f" SELECT {', '.join(['%s'] * len(values))} FROM taken"
                " RETURNING id",
                [
                    lease["assigned"],
                    lease["agent"],
                    lease["expires"],
                    lease["task"],
                    lease["queued"],
                    *values,
                ],
            )
            row = cursor.fetchone()
            if row is None:
                return None
            assignment.pk = row[0]
            assignment._state.adding, assignment._state.db = False, connection.alias
    # 4. On call, with its status period logged (nothing to do when the agent is on call already),
    # from the status and open period read under the agent's lock in step 1.
    if agent.status != Agent.Status.ON_CALL or agent.pause_reason_id is not None:
        # The period was joined from a snapshot taken before the agent's lock was waited for:
        # trusted when it is the one the agent's status opened, else read again under the lock
        # (agents.services.staff.lock_status).
        period_id, period_status, started_at, limit, period_reason = open_period
        trusted = period_matches(
            status=agent.status,
            reason_id=agent.pause_reason_id,
            since=agent.status_since,
            period=(period_id, period_status, started_at, period_reason),
        )
        current = CurrentStatus(
            agent.status, agent.pause_reason_id, period_id, period_status, started_at, limit
        )
        set_agent_status(
            agent=agent, status=Agent.Status.ON_CALL, now=now, current=current if trusted else None
        )
    return assignment


def _pick_task_pg(
    *, agent: Agent, territory_ids: list[int], language_codes: list[str], now: datetime
) -> tuple[CallTask, list[str]] | None:
    """Lock the most urgent eligible task; (task with its person, the person's numbers) or None.
    Rows locked by concurrent claims are skipped, not waited for."""
    pg = claim_statements()
    params: dict[str, Any] = {
        "territories": territory_ids,
        "languages": language_codes,
        "now": now,
        "agent": agent.pk,
    }
    for candidates in CANDIDATE_STEPS:
        with _bound_cursor() as cursor:
            cursor.execute(pg["claim_sql"][candidates], params)
            row = cursor.fetchone()
        if row is not None:
            row = list(row)
            n_task, n_person = len(pg["task"].fields), len(pg["person"].fields)
            task = pg["task"].build(row[:n_task])
            task.person = pg["person"].build(row[n_task : n_task + n_person])
            return task, row[-1]
        # None left, or all of them taken by concurrent claims: then read more.
        with connection.cursor() as cursor:
            cursor.execute(pg["exists_sql"], params)
            if not cursor.fetchone()[0]:
                return None
    return None


def current_phone(task: CallTask) -> str:
    """Return the number to dial for this task: the next of the person's numbers in service."""
    numbers = list(
        task.person.phones.in_service().order_by("position").values_list("number", flat=True)
    )
    return phone_of(numbers, task.phone_position)


def phone_of(numbers: list[str], position: int) -> str:
    if not numbers:
        return ""
    return numbers[position % len(numbers)]


def _give_back(*, assignment: Assignment, now: datetime, reason: str) -> None:
    # Conditional on the lease still being this assignment's: a sweep may have done it already.
    CallTask.objects.filter(
        pk=assignment.task_id, status=CallTask.Status.ASSIGNED, lease_holder=assignment.agent_id
    ).update(status=CallTask.Status.QUEUED, lease_holder=None, lease_expires_at=None)
    Assignment.objects.filter(pk=assignment.pk, closed_at__isnull=True).update(
        closed_at=now, end_reason=reason
    )


@transaction.atomic
def release_assignment(*, assignment: Assignment, now: datetime, reason: str) -> None:
    """Give a call back to the queue untouched (the agent logs out, a supervisor frees it),
    saying why (an Assignment.EndReason): the agent's desk tells her. Her draft stays."""
    _give_back(assignment=assignment, now=now, reason=reason)


@transaction.atomic
def renew_lease(*, assignment: Assignment, agent: Agent, now: datetime) -> Assignment:
    """Extend the lease of a call the agent is still working on (a long interview)."""
    lease_expires_at = now + timedelta(minutes=settings.LEASE_MINUTES)
    renewed = Assignment.objects.filter(
        pk=assignment.pk, agent=agent, closed_at__isnull=True, lease_expires_at__gt=now
    ).update(lease_expires_at=lease_expires_at)
    if not renewed:
        raise LeaseLost
    CallTask.objects.filter(pk=assignment.task_id, lease_holder=agent).update(
        lease_expires_at=lease_expires_at
    )
    assignment.lease_expires_at = lease_expires_at
    return assignment


@transaction.atomic
def move_callback(*, task: CallTask, to: Agent | None) -> bool:
    """Give an owned callback to another agent, or to all (None); False if it no longer waits
    for an owner (taken, or opened to all by the sweep, meanwhile). A call a supervisor handed to
    an agent is moved on the escalations page (calls.services.lifecycle), not here."""
    return bool(
        CallTask.objects.filter(
            pk=task.pk, status=CallTask.Status.QUEUED, reserved_for__isnull=False
        )
        .exclude(queue_band=CallTask.Band.HANDED)
        .update(reserved_for=to)
    )
