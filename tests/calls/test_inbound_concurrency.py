"""Inbound calls under real concurrency on PostgreSQL: an inbound call takes no lease, but never
resolves a task a colleague holds, never resolves one twice, and never deadlocks with a late
outcome."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase

from agents import roles
from agents.models import Agent, AgentDay, Territory
from agents.services.staff import set_agent_status
from calls.exceptions import LeaseLost, TaskHeld, TaskNotOpen
from calls.models import Assignment, CallAttempt, CallTask
from calls.services.dispatch import claim_next_task
from calls.services.fallback import escalate
from calls.services.inbound import record_inbound_call
from calls.services.outcomes import record_outcome
from cases.models import Person, Phone
from tests.base import make_user

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
ROUNDS = 12


@pytest.mark.postgres
class ConcurrentInboundTests(TransactionTestCase):
    # Keep the languages, roles and retry rules that migrations load: a flush would drop them.
    serialized_rollback = True

    def setUp(self):
        self.territory = Territory.objects.create(
            code="93",
            name="CPAM 93",
            timezone="Europe/Paris",
            calling_hours_start=time(8, 30),
            calling_hours_end=time(19, 0),
        )
        self.users = 0

    def agent(self) -> Agent:
        self.users += 1
        agent = make_user(
            f"agent{self.users:02d}", roles.TELECONSEILLER, territory=self.territory
        ).agent
        set_agent_status(agent=agent, status=Agent.Status.READY, now=NOW - timedelta(hours=1))
        return agent

    def task(self, i: int) -> CallTask:
        person = Person.objects.create(
            territory=self.territory, first_name="Awa", last_name=f"Diallo{i}", language_id="fr"
        )
        Phone.objects.create(person=person, number=f"+3361100{i:04d}")
        return CallTask.objects.create(
            person=person,
            reason=CallTask.Reason.FOLLOW_UP,
            territory=self.territory,
            language_id="fr",
            deadline_at=NOW + timedelta(hours=2),
            created_at=NOW - timedelta(hours=1),
        )

    def race(self, *works) -> list:
        """Run each work in its own thread, released at once; return each result or exception."""
        barrier = threading.Barrier(len(works))
        results: list = [None] * len(works)

        def run(i):
            try:
                barrier.wait()
                results[i] = works[i]()
            except Exception as exc:  # noqa: BLE001 - the test sorts what each thread met
                results[i] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        return results

    def inbound(self, task: CallTask, agent: Agent, now: datetime = NOW):
        return lambda: record_inbound_call(
            task=task, agent=agent, outcome=CallAttempt.Outcome.REACHED, now=now
        ).attempt

    def test_a_claim_and_an_inbound_call_never_both_take_the_task(self):
        won = {"claim": 0, "inbound": 0}
        for i in range(ROUNDS):
            task, caller, answerer = self.task(i), self.agent(), self.agent()
            claimed, recorded = self.race(
                lambda a=caller: claim_next_task(agent=a, now=NOW),
                self.inbound(task, answerer),
            )
            task.refresh_from_db()
            if isinstance(recorded, CallAttempt):
                # The inbound call went first: the claim found nothing left to take.
                won["inbound"] += 1
                self.assertIsNone(claimed)
                self.assertEqual(task.status, CallTask.Status.DONE)
                self.assertFalse(Assignment.objects.filter(task=task).exists())
            else:
                # The claim went first: the inbound call was refused and wrote nothing.
                won["claim"] += 1
                self.assertIsInstance(recorded, TaskHeld, recorded)
                self.assertIsInstance(claimed, Assignment)
                self.assertEqual((task.status, task.lease_holder), ("assigned", caller))
                self.assertFalse(CallAttempt.objects.filter(task=task).exists())
        self.assertEqual(sum(won.values()), ROUNDS)

    def test_agents_answering_the_same_escalated_call_at_once_resolve_it_once(self):
        task = self.task(0)
        escalate(task=task, reason=CallTask.Escalation.MAX_ATTEMPTS, now=NOW)
        agents = [self.agent() for _ in range(8)]
        results = self.race(*(self.inbound(task, a) for a in agents))
        attempts = [r for r in results if isinstance(r, CallAttempt)]
        self.assertEqual(len(attempts), 1)
        self.assertTrue(all(isinstance(r, TaskNotOpen) for r in results if r not in attempts))
        task.refresh_from_db()
        self.assertEqual((task.status, task.escalation_reason), (CallTask.Status.DONE, ""))
        self.assertEqual(CallAttempt.objects.filter(task=task).count(), 1)
        self.assertEqual(sum(AgentDay.objects.values_list("reached", flat=True)), 1)

    def test_a_late_outcome_and_an_inbound_call_on_an_expired_lease_never_deadlock(self):
        late = NOW + timedelta(minutes=settings.LEASE_MINUTES + 1)
        for i in range(ROUNDS):
            task, holder, answerer = self.task(i), self.agent(), self.agent()
            assignment = claim_next_task(agent=holder, now=NOW)
            self.assertEqual(assignment.task_id, task.pk)
            outcome, recorded = self.race(
                lambda a=assignment, h=holder: record_outcome(
                    assignment=a, agent=h, outcome=CallAttempt.Outcome.REACHED, now=late
                ),
                self.inbound(task, answerer, now=late),
            )
            # Whatever the order: the holder's late outcome is refused, kept; the inbound call
            # resolves the task.
            self.assertIsInstance(outcome, LeaseLost, outcome)
            self.assertIsInstance(recorded, CallAttempt, recorded)
            task.refresh_from_db()
            self.assertEqual(task.status, CallTask.Status.DONE)
            self.assertEqual(
                sorted(CallAttempt.objects.filter(task=task).values_list("channel", "accepted")),
                [("inbound", True), ("outbound", False)],
            )
            self.assertFalse(Assignment.objects.filter(closed_at__isnull=True).exists())
