from datetime import timedelta

from agents.models import Agent, AgentDay, PauseReason
from calls.exceptions import CallInProgress, LeaseLost
from calls.models import CallTask
from calls.services.outcomes import record_outcome
from calls.services.presence import change_status
from tests.calls.test_dispatch import NOW, QueueTestCase


class PresenceTests(QueueTestCase):
    def test_it_refuses_a_pause_while_a_call_is_in_hand(self):
        self.make_task()
        self.ready(self.alice)
        self.claim(self.alice, NOW)
        with self.assertRaises(CallInProgress):
            change_status(
                agent=self.alice.agent,
                status=Agent.Status.PAUSED,
                now=NOW,
                pause_reason=PauseReason.objects.first(),
            )
        self.alice.agent.refresh_from_db()
        self.assertEqual(self.alice.agent.status, Agent.Status.ON_CALL)

    def test_it_gives_the_call_back_when_the_agent_goes_offline(self):
        task = self.make_task()
        self.ready(self.alice)
        self.claim(self.alice, NOW)
        change_status(
            agent=self.alice.agent, status=Agent.Status.OFFLINE, now=NOW + timedelta(minutes=1)
        )
        task.refresh_from_db()
        self.assertEqual((task.status, task.lease_holder), (CallTask.Status.QUEUED, None))
        self.ready(self.anna, at=NOW)
        self.assertEqual(self.claim(self.anna, NOW + timedelta(minutes=2)).task_id, task.pk)

    def test_it_counts_a_resent_outcome_as_no_new_call(self):
        self.make_task()
        self.ready(self.alice)
        assignment = self.claim(self.alice, NOW)
        record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome="busy",
            now=NOW + timedelta(minutes=1),
        )
        with self.assertRaises(LeaseLost):
            record_outcome(
                assignment=assignment,
                agent=self.alice.agent,
                outcome="busy",
                now=NOW + timedelta(minutes=1, seconds=2),
            )
        day = AgentDay.objects.get(agent=self.alice.agent)
        self.assertEqual((day.calls, day.refused_outcomes), (1, 1))
