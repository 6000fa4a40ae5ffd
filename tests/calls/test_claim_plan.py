"""The claim's plan on PostgreSQL with retries waiting at the head of the queue (bench/README.md):
it reads the head of the fresh queue and the retries due, never the ones not due yet, whether
PostgreSQL plans it for these values or generically (a prepared statement)."""

import json
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from agents import roles
from agents.models import Agent, Territory
from agents.services.staff import set_agent_status
from calls.models import CallTask
from calls.services import sweeps
from calls.services.dispatch import claim_next_task, claim_statements
from cases.models import Person, Phone
from tests.base import make_user

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
WAITING = 5000
FRESH = 3000
DUE = 20


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def _rows_from(plan: dict, index: str) -> int:
    """Rows of the table found through an index (after the heap's visibility and filters)."""
    found = 0
    for n in _nodes(plan):
        direct = n.get("Index Name") == index and n["Node Type"] != "Bitmap Index Scan"
        bitmap = n["Node Type"] == "Bitmap Heap Scan" and any(
            c.get("Index Name") == index for c in _nodes(n)
        )
        if direct or bitmap:
            found += n["Actual Rows"] * n["Actual Loops"]
    return found


@pytest.mark.postgres
class ClaimPlanTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.territory = Territory.objects.create(
            code="93",
            name="CPAM 93",
            timezone="Europe/Paris",
            calling_hours_start=time(8, 30),
            calling_hours_end=time(19, 0),
        )
        cls.agent = make_user(
            "anna", roles.TELECONSEILLER, territory=cls.territory, languages=("fr",)
        ).agent
        set_agent_status(agent=cls.agent, status=Agent.Status.READY, now=NOW - timedelta(hours=1))
        persons = Person.objects.bulk_create(
            Person(territory=cls.territory, first_name="Ana", last_name=f"P{i}", language_id="fr")
            for i in range(WAITING + FRESH + DUE)
        )
        Phone.objects.bulk_create(
            Phone(person=p, number=f"+336{i:08d}") for i, p in enumerate(persons)
        )

        def task(person, i, *, deadline_at, not_before=None):
            return CallTask(
                person=person,
                reason=CallTask.Reason.FOLLOW_UP,
                territory=cls.territory,
                language_id="fr",
                deadline_at=deadline_at,
                not_before=not_before,
                created_at=NOW - timedelta(hours=1, seconds=i),
            )

        waiting, fresh, due = (
            persons[:WAITING],
            persons[WAITING : WAITING + FRESH],
            persons[WAITING + FRESH :],
        )
        CallTask.objects.bulk_create(
            [
                # No-answer retries an hour away, at the head of the queue by their deadlines.
                *(
                    task(p, i, deadline_at=NOW + timedelta(minutes=5 + i / 1000),
                         not_before=NOW + timedelta(hours=1))
                    for i, p in enumerate(waiting)
                ),
                *(
                    task(p, i, deadline_at=NOW + timedelta(hours=2, seconds=i))
                    for i, p in enumerate(fresh)
                ),
                # Retries due since the last sweep, among the fresh tasks by their deadlines.
                *(
                    task(p, i, deadline_at=NOW + timedelta(hours=2, seconds=100 * i + 50),
                         not_before=NOW - timedelta(minutes=1))
                    for i, p in enumerate(due)
                ),
            ]
        )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE calls_calltask")

    def claim_sql(self) -> str:
        """The claim query exactly as the service sent it (values bound in), the claim rolled
        back."""
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            assignment = claim_next_task(agent=self.agent, now=NOW)
            transaction.set_rollback(True)
        self.assertIsNotNone(assignment)
        return next(q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"])

    def explain(self, statement: str) -> dict:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement)
            plan = cursor.fetchone()[0]
            transaction.set_rollback(True)
        return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]

    def assert_short_walk(self, plan: dict) -> None:
        nodes = list(_nodes(plan))
        indexes = {n.get("Index Name") for n in nodes}
        self.assertIn("call_task_fresh_queue", indexes)
        self.assertIn("call_task_waiting", indexes)
        self.assertNotIn(
            "calls_calltask",
            {n.get("Relation Name") for n in nodes if "Seq Scan" in n["Node Type"]},
        )
        # The old walk of one queue index dropped the 5,000 retries not due yet, one heap fetch
        # each: now no row of the queue is read to be dropped, and a few dozen buffers do.
        removed = sum(n.get("Rows Removed by Filter", 0) for n in nodes)
        self.assertLess(removed, 50, json.dumps(plan, indent=1))
        buffers = plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
        self.assertLess(buffers, 300, json.dumps(plan, indent=1))
        # The due retries are read (at most the candidates), the others not at all.
        self.assertLessEqual(_rows_from(plan, "call_task_waiting"), DUE)

    def test_the_claim_reads_no_retry_not_due(self):
        self.assert_short_walk(self.explain(self.claim_sql()))

    def test_the_generic_plan_reads_no_retry_not_due_either(self):
        """What a prepared statement runs after a few executions (server-side binding): the
        candidates still drive the plan."""
        names = ("territories", "languages", "now", "agent")
        sql = claim_statements()["claim_sql"][8]
        for i, name in enumerate(names, start=1):
            sql = sql.replace(f"%({name})s", f"${i}")
        sql = sql.replace("%%", "%")
        self.assertIsNone(re.search(r"%\(", sql))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute("PREPARE claim_plan(bigint[], varchar[], timestamptz, bigint) AS " + sql)
            try:
                plan = self.explain(
                    f"EXECUTE claim_plan(ARRAY[{self.territory.pk}]::bigint[],"
                    f" ARRAY['fr']::varchar[], '{NOW.isoformat()}'::timestamptz,"
                    f" {self.agent.pk})"
                )
            finally:
                cursor.execute("DEALLOCATE claim_plan")
        self.assert_short_walk(plan)

    def test_the_sweep_lets_the_due_retries_into_the_fresh_queue(self):
        self.assertEqual(sweeps.rejoin_due_retries(now=NOW), DUE)
        plan = self.explain(self.claim_sql())
        self.assertEqual(_rows_from(plan, "call_task_waiting"), 0)
        self.assertGreater(_rows_from(plan, "call_task_fresh_queue"), 0)
        self.assertEqual(sweeps.rejoin_due_retries(now=NOW), 0)
