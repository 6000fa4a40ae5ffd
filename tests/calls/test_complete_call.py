from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from agents.models import Agent, Territory
from agents.services.staff import set_agent_status
from calls.exceptions import LeaseLost
from calls.models import CallAttempt, CallTask
from calls.services.dispatch import claim_next_task
from calls.services.outcomes import complete_call
from cases.models import Interview
from tests.base import PersonasTestCase, contact


class CompleteCallTests(PersonasTestCase):
    def setUp(self):
        Territory.objects.filter(pk=self.t93.pk).update(
            calling_hours_start="00:00", calling_hours_end="23:59"
        )
        self.now = timezone.now()
        self.case = self.register_case(self.t93).index_case
        set_agent_status(agent=self.alice.agent, status=Agent.Status.READY, now=self.now)
        self.assignment = claim_next_task(agent=self.alice.agent, now=self.now)

    def interview(self):
        return {
            "symptomatic": True,
            "symptom_onset_on": timezone.localdate() - timedelta(days=1),
            "consent_to_name": True,
            "support_needed": False,
            "contacts": [
                contact("Ana", "Silva", "0611111111"),
                contact("Rui", "Costa", "0622222222"),
            ],
        }

    def test_it_records_the_interview_and_queues_the_named_contacts(self):
        later = self.now + timedelta(minutes=15)
        complete_call(
            assignment=self.assignment,
            agent=self.alice.agent,
            outcome="reached",
            now=later,
            interview=self.interview(),
        )
        self.assertTrue(Interview.objects.filter(index_case=self.case).exists())
        contacts = CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION)
        self.assertEqual(contacts.count(), 2)
        self.assertEqual(
            {t.deadline_at for t in contacts},
            {later + timedelta(hours=settings.CONTACT_DEADLINE_HOURS)},
        )

    def test_it_keeps_the_refused_attempt_but_not_the_answers_on_a_lost_lease(self):
        late = self.now + timedelta(minutes=settings.LEASE_MINUTES + 1)
        with self.assertRaises(LeaseLost):
            complete_call(
                assignment=self.assignment,
                agent=self.alice.agent,
                outcome="reached",
                now=late,
                interview=self.interview(),
            )
        self.assertEqual(list(CallAttempt.objects.values_list("accepted", flat=True)), [False])
        self.assertFalse(Interview.objects.exists())
        self.assertFalse(
            CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION).exists()
        )
