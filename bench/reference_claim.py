"""The claim as first written (commit 75f35ed), kept to measure the fast path against: the same
behaviour through the ORM, about seventeen SQL statements. Not used by the application.

bench/service.py --compare runs both, interleaved, on the same data.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from agents.exceptions import AgentNotReady
from agents.models import Agent
from agents.services.staff import set_agent_status
from calls.models import Assignment, CallTask
from calls.services.dispatch import _give_back, _has_eligible, claimable_territory_ids, current_phone

_CANDIDATES = 8
_MAX_CANDIDATES = 512

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


def _pick_task_id(*, agent: Agent, territory_ids: list[int], language_codes: list[str], now: datetime) -> int | None:
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


@transaction.atomic
def claim_next_task(*, agent: Agent, now: datetime) -> Assignment | None:
    agent = Agent.objects.select_for_update(of=("self",)).select_related("territory").get(pk=agent.pk)
    if agent.status not in (Agent.Status.READY, Agent.Status.WRAP_UP, Agent.Status.ON_CALL):
        raise AgentNotReady
    held = Assignment.objects.filter(agent=agent, closed_at__isnull=True).select_related("task__person").first()
    if held is not None:
        if held.lease_expires_at > now:
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
    taken = CallTask.objects.filter(pk=task.pk, status=CallTask.Status.QUEUED).update(
        status=CallTask.Status.ASSIGNED, lease_holder=agent, lease_expires_at=lease_expires_at
    )
    if not taken:
        return None
    assignment = Assignment.objects.create(task=task, agent=agent, claimed_at=now, lease_expires_at=lease_expires_at, phone=phone)
    set_agent_status(agent=agent, status=Agent.Status.ON_CALL, now=now)
    return assignment
