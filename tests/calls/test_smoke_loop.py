from datetime import timedelta

from django.utils import timezone

from agents.models import Agent, AgentDay
from agents.services.staff import set_agent_status
from calls.models import CallAttempt, CallTask, SmsMessage
from calls.services.dispatch import claim_next_task
from calls.services.outcomes import record_outcome
from tests.base import PersonasTestCase, contact


class SmokeLoopTests(PersonasTestCase):
    def test_it_runs_a_claim_and_an_outcome(self):
        self.t93.calling_hours_start = self.t93.calling_hours_start.replace(hour=0, minute=0)
        self.t93.calling_hours_end = self.t93.calling_hours_end.replace(hour=23, minute=59)
        self.t93.save()
        self.register_case(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        agent = self.alice.agent
        now = timezone.now()
        set_agent_status(agent=agent, status=Agent.Status.READY, now=now)
        assignment = claim_next_task(agent=agent, now=now)
        self.assertIsNotNone(assignment)
        self.assertEqual(assignment.task.reason, CallTask.Reason.INDEX_INTERVIEW)
        attempt = record_outcome(
            assignment=assignment, agent=agent, outcome="no_answer", now=now + timedelta(minutes=1)
        ).attempt
        self.assertTrue(attempt.accepted)
        task = CallTask.objects.get(pk=assignment.task_id)
        self.assertEqual(task.status, CallTask.Status.QUEUED)
        self.assertEqual(task.attempts, 1)
        day = AgentDay.objects.get(agent=agent)
        self.assertEqual((day.calls, day.reached), (1, 0))
        second = claim_next_task(agent=agent, now=now + timedelta(minutes=2))
        self.assertEqual(second.task.reason, CallTask.Reason.CONTACT_NOTIFICATION)
        record_outcome(
            assignment=second, agent=agent, outcome="reached", now=now + timedelta(minutes=3)
        )
        self.assertEqual(CallAttempt.objects.count(), 2)
        self.assertFalse(SmsMessage.objects.exists())
