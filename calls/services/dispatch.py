"""Claims and leases: who calls whom next."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from agents.exceptions import AgentNotReady
from agents.models import Agent
from agents.services import set_agent_status
from calls.exceptions import LeaseLost
from calls.models import Assignment, CallTask

# Candidates read per (territory, language) pair before locking one; doubled when all of them
# were taken by concurrent claims.
_CANDIDATES = 8
_MAX_CANDIDATES = 512

# Among eligible tasks: the earliest deadline first, then the highest priority, then the oldest.
_PG_CLAIM = """
SELECT t.id
FROM calls_calltask t
WHERE t.id IN (
    SELECT c.id
    FROM unnest(%(territories)s::bigint[]) AS terr(id)
    CROSS JOIN unnest(%(languages)s::varchar[]) AS lang(code)
    CROSS JOIN LATERAL (
        SELECT q.id, q.deadline_at, q.priority, q.created_at
        FROM calls_calltask q
        WHERE q.status = 'queued'
          AND q.territory_id = terr.id
          AND q.language_id = lang.code
          AND (q.not_before IS NULL OR q.not_before <= %(now)s)
          AND (q.reserved_for_id IS NULL OR q.reserved_for_id = %(agent)s)
        ORDER BY q.deadline_at, q.priority DESC, q.created_at
        LIMIT %(candidates)s
    ) c
    ORDER BY c.deadline_at, c.priority DESC, c.created_at
    LIMIT %(candidates)s
)
  AND t.status = 'queued'
ORDER BY t.deadline_at, t.priority DESC, t.created_at
LIMIT 1
FOR UPDATE SKIP LOCKED
"""


def claimable_territory_ids(*, agent: Agent, now: datetime) -> list[int]:
    """Return the territories whose calls this agent may take now: their own and those lending
    to it, each only inside its people's local calling hours."""
    territories = [agent.territory, *agent.territory.borrows_from.all()]
    return [t.pk for t in territories if t.is_calling_time(now)]


def _pick_task_id(*, agent: Agent, territory_ids: list[int], language_codes: list[str], now: datetime) -> int | None:
    if connection.vendor == "postgresql":
        # One short index walk per (territory, language) pair, never a sort of the backlog; rows
        # locked by concurrent claims are skipped, not waited for.
        candidates = _CANDIDATES
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    _PG_CLAIM,
                    {
                        "territories": territory_ids,
                        "languages": language_codes,
                        "now": now,
                        "agent": agent.pk,
                        "candidates": candidates,
                    },
                )
                row = cursor.fetchone()
            if row is not None:
                return row[0]
            if candidates >= _MAX_CANDIDATES or not _has_eligible(agent, territory_ids, language_codes, now):
                return None
            candidates *= 4
    # SQLite: the IMMEDIATE transaction already holds the write lock, so nobody else claims now.
    return (
        CallTask.objects.eligible_for(agent=agent, territory_ids=territory_ids, language_codes=language_codes, now=now)
        .values_list("pk", flat=True)
        .first()
    )


def _has_eligible(agent, territory_ids, language_codes, now) -> bool:
    return CallTask.objects.eligible_for(
        agent=agent, territory_ids=territory_ids, language_codes=language_codes, now=now
    ).exists()


@transaction.atomic
def claim_next_task(*, agent: Agent, now: datetime) -> Assignment | None:
    """Lease the most urgent eligible call to the agent; None when nothing is eligible."""
    agent = Agent.objects.select_for_update(of=("self",)).select_related("territory").get(pk=agent.pk)
    if agent.status not in (Agent.Status.READY, Agent.Status.WRAP_UP, Agent.Status.ON_CALL):
        raise AgentNotReady
    held = Assignment.objects.filter(agent=agent, closed_at__isnull=True).select_related("task__person").first()
    if held is not None:
        if held.lease_expires_at > now:
            # Asking again (a second tab, a retried request) gives the same call back.
            return held
        _give_back(assignment=held, now=now)
    territory_ids = claimable_territory_ids(agent=agent, now=now)
    language_codes = list(agent.languages.values_list("code", flat=True))
    if not territory_ids or not language_codes:
        return None
    while True:
        task_id = _pick_task_id(agent=agent, territory_ids=territory_ids, language_codes=language_codes, now=now)
        if task_id is None:
            return None
        task = CallTask.objects.select_related("person").get(pk=task_id)
        phone = current_phone(task)
        if phone:
            break
        from calls.services.fallback import escalate

        escalate(task=task, reason=CallTask.Escalation.NO_PHONE, now=now)
    lease_expires_at = now + timedelta(minutes=settings.LEASE_MINUTES)
    # The row is locked (PostgreSQL) or the database is (SQLite): the condition is a second guard.
    taken = CallTask.objects.filter(pk=task.pk, status=CallTask.Status.QUEUED).update(
        status=CallTask.Status.ASSIGNED, lease_holder=agent, lease_expires_at=lease_expires_at
    )
    if not taken:
        return None
    assignment = Assignment.objects.create(task=task, agent=agent, claimed_at=now, lease_expires_at=lease_expires_at, phone=phone)
    set_agent_status(agent=agent, status=Agent.Status.ON_CALL, now=now)
    return assignment


def current_phone(task: CallTask) -> str:
    """Return the number to dial for this task: the next of the person's numbers in service."""
    numbers = list(task.person.phones.in_service().order_by("position").values_list("number", flat=True))
    if not numbers:
        return ""
    return numbers[task.phone_position % len(numbers)]


def _give_back(*, assignment: Assignment, now: datetime) -> None:
    # Conditional on the lease still being this assignment's: a sweep may have done it already.
    CallTask.objects.filter(pk=assignment.task_id, status=CallTask.Status.ASSIGNED, lease_holder=assignment.agent_id).update(
        status=CallTask.Status.QUEUED, lease_holder=None, lease_expires_at=None
    )
    Assignment.objects.filter(pk=assignment.pk, closed_at__isnull=True).update(closed_at=now)


@transaction.atomic
def release_assignment(*, assignment: Assignment, now: datetime) -> None:
    """Give a call back to the queue untouched (the agent logs out, a supervisor frees it)."""
    _give_back(assignment=assignment, now=now)


@transaction.atomic
def renew_lease(*, assignment: Assignment, agent: Agent, now: datetime) -> Assignment:
    """Extend the lease of a call the agent is still working on (a long interview)."""
    lease_expires_at = now + timedelta(minutes=settings.LEASE_MINUTES)
    renewed = Assignment.objects.filter(pk=assignment.pk, agent=agent, closed_at__isnull=True, lease_expires_at__gt=now).update(
        lease_expires_at=lease_expires_at
    )
    if not renewed:
        raise LeaseLost
    CallTask.objects.filter(pk=assignment.task_id, lease_holder=agent).update(lease_expires_at=lease_expires_at)
    assignment.lease_expires_at = lease_expires_at
    return assignment
