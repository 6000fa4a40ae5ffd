"""Drafts under real concurrency on PostgreSQL: a draft saved as the outcome is recorded is either
written before it (and discarded by it) or refused; never left behind by a finished call."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import TransactionTestCase

from agents import roles
from agents.models import Agent
from agents.services.staff import set_agent_status
from calls.exceptions import LeaseLost
from calls.models import CallAttempt, CallDraft, CallTask
from calls.services.dispatch import claim_next_task
from calls.services.drafts import save_draft
from calls.services.outcomes import record_outcome
from tests.base import make_user
from tests.calls import test_inbound_concurrency as inbound
from tests.calls.test_inbound_concurrency import NOW, ROUNDS


@pytest.mark.postgres
class ConcurrentDraftTests(TransactionTestCase):
    serialized_rollback = True
    # The same territory and tasks as the inbound races (importing that class would run its tests
    # here too).
    setUp = inbound.ConcurrentInboundTests.setUp
    task = inbound.ConcurrentInboundTests.task

    def agent(self) -> Agent:
        self.users += 1
        agent = make_user(f"agent{self.users:02d}", roles.TELECONSEILLER, territory=self.territory)
        set_agent_status(agent=agent.agent, status=Agent.Status.READY, now=NOW - timedelta(hours=1))
        return agent.agent

    def race(self, *works) -> list:
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

    def test_a_draft_crossing_the_outcome_never_outlives_it(self):
        for i in range(ROUNDS):
            task, agent = self.task(i), self.agent()
            assignment = claim_next_task(agent=agent, now=NOW + timedelta(minutes=i))
            self.assertEqual(assignment.task_id, task.pk)
            saved, recorded = self.race(
                lambda a=assignment, g=agent: save_draft(
                    assignment=a, agent=g, fields={"notes": ["Tousse"]}, now=NOW
                ),
                lambda a=assignment, g=agent, at=NOW + timedelta(minutes=i, seconds=30): (
                    record_outcome(
                        assignment=a, agent=g, outcome=CallAttempt.Outcome.REACHED, now=at
                    ).attempt
                ),
            )
            self.assertIsInstance(recorded, CallAttempt)
            # Saved before the outcome (then discarded by it), or refused after it.
            self.assertIsInstance(saved, CallDraft | LeaseLost)
            self.assertEqual(CallTask.objects.get(pk=task.pk).status, CallTask.Status.DONE)
            self.assertFalse(CallDraft.objects.filter(assignment=assignment).exists())
