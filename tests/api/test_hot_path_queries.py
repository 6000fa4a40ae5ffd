"""The call loop's SQL, pinned: one claim and one outcome as an API client sends them
(issue 17). A test runs inside a transaction, so the view's own transaction is a savepoint
here: its SAVEPOINT and RELEASE are set aside and checked apart; in production the view's
transaction is the connection's BEGIN and COMMIT, which are not statements of their own."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agents import roles
from calls.models import CallTask, RetryRule
from tests.api.test_queue import CallApiTestCase

# The statements of a claim: the token with its user, roles and agent; the agent locked with
# its open status period; the task picked and locked with its person and numbers; the lease and
# the assignment; the status change with its period and day counters; the read of the person
# logged.
CLAIM_STATEMENTS = 6
# Of an outcome: the token; the assignment and task locked with the person, territory and
# numbers; the attempt; the assignment closed; the task moved on; the drafts discarded; the
# agent's status locked; the status change with the attempt's day counters.
OUTCOME_STATEMENTS = 8


def statements(context: CaptureQueriesContext) -> list[str]:
    """The SQL of a request less the savepoint that stands for its transaction in a test."""
    sqls = [q["sql"].strip() for q in context.captured_queries]
    savepoints = [s for s in sqls if s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(savepoints) == 2, savepoints  # one transaction, no nested savepoint
    return [s for s in sqls if s not in savepoints]


class CallLoopTestCase(CallApiTestCase):
    url_name = "api:claim-next"

    def setUp(self):
        super().setUp()
        for _ in range(4):
            self.make_task(deadline_at=timezone.now() + timedelta(hours=2))
        self.go_ready(self.alice)
        self.as_token(self.alice)

    def claim(self) -> int:
        response = self.api.post(reverse("api:claim-next"), format="json")
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["assignment"]["id"]

    def outcome(self, assignment_id: int, outcome: str = "no_answer"):
        url = reverse("api:record-outcome", kwargs={"assignment_id": assignment_id})
        response = self.api.post(url, {"outcome": outcome}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()


@pytest.mark.postgres
class HotPathQueriesTests(CallLoopTestCase):
    """The counts on PostgreSQL, where the claim is its own SQL (SQLite runs the ORM's, locking
    the whole database)."""

    def test_a_claim_and_an_outcome_run_6_and_8_statements(self):
        self.outcome(self.claim())  # the loop's second turn: coming out of wrap-up
        with CaptureQueriesContext(connection) as claim:
            assignment_id = self.claim()
        with CaptureQueriesContext(connection) as outcome:
            self.outcome(assignment_id)
        self.assertEqual(len(statements(claim)), CLAIM_STATEMENTS, statements(claim))
        self.assertEqual(len(statements(outcome)), OUTCOME_STATEMENTS, statements(outcome))
        # No reference data read on the way (the rules are cached in the process).
        for sql in statements(outcome):
            self.assertNotIn("calls_retryrule", sql)
            self.assertNotIn("calls_durationrule", sql)

    def test_the_first_claim_of_the_day_runs_as_few(self):
        with CaptureQueriesContext(connection) as claim:
            self.claim()
        self.assertEqual(len(statements(claim)), CLAIM_STATEMENTS, statements(claim))


class CallLoopAnswersTests(CallLoopTestCase):
    """What the fewer statements must not change, on both databases."""

    def test_the_answer_comes_from_the_service_not_read_again(self):
        body = self.outcome(self.claim())
        task = CallTask.objects.get(pk=body["task"]["id"])
        self.assertEqual(
            (body["task"]["status"], body["task"]["attempts"]), (task.status, task.attempts)
        )
        self.assertEqual(parse_datetime(body["task"]["not_before"]), task.not_before)

    def test_a_role_taken_away_applies_to_the_next_request(self):
        self.outcome(self.claim())
        self.alice.groups.remove(Group.objects.get(name=roles.TELECONSEILLER))
        response = self.api.post(reverse("api:claim-next"), format="json")
        self.assertEqual(response.status_code, 403)

    def test_a_retry_rule_changed_applies_to_the_next_outcome(self):
        self.outcome(self.claim())  # the rules are cached now
        rule = RetryRule.objects.get(outcome="no_answer")
        rule.delay_minutes = 7
        rule.save()  # as the admin does
        before = timezone.now()
        body = self.outcome(self.claim())
        task = CallTask.objects.get(pk=body["task"]["id"])
        self.assertLess(task.not_before - before, timedelta(minutes=8))
        self.assertGreater(task.not_before - before, timedelta(minutes=6))
        # Through the queryset too (a data fix, a bulk edit).
        RetryRule.objects.filter(outcome="no_answer").update(delay_minutes=90)
        before = timezone.now()
        body = self.outcome(self.claim())
        task = CallTask.objects.get(pk=body["task"]["id"])
        self.assertGreater(task.not_before - before, timedelta(minutes=89))


def forget_prepared() -> None:
    """Deallocate the connection's prepared statements (psycopg forgets them too)."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")


@pytest.mark.postgres
class PreparedClaimTests(CallLoopTestCase):
    def test_the_claim_reads_are_prepared_on_the_connection(self):
        forget_prepared()
        for _ in range(4):
            self.make_task(deadline_at=timezone.now() + timedelta(hours=3))
        for _ in range(4):  # past the claim's _PREPARE_AFTER (2)
            self.outcome(self.claim())
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        self.assertTrue(any("FOR UPDATE OF a" in sql for sql in prepared), prepared)
        self.assertTrue(any("SKIP LOCKED" in sql for sql in prepared), prepared)

    @override_settings(CLAIM_PREPARED_STATEMENTS=False)
    def test_they_are_not_when_turned_off(self):
        forget_prepared()
        for _ in range(4):
            self.make_task(deadline_at=timezone.now() + timedelta(hours=3))
        for _ in range(7):
            self.outcome(self.claim())
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        self.assertFalse(any("SKIP LOCKED" in sql for sql in prepared), prepared)
