from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from calls.models import CallTask
from calls.services.fallback import escalate
from tests.base import PersonasTestCase, contact

URL = reverse("supervision:escalations")
QUERIES = 8


class EscalationsPageTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        now = timezone.now()
        cls.case93 = cls.register_case(
            cls.t93,
            name="Seinesaintdenis",
            contacts=[contact("Ana", "Silva", "0611111111"), contact("Rui", "Costa", "0622222222")],
        ).index_case
        cls.case75 = cls.register_case(cls.t75, name="Parisien", phone="0633333333").index_case
        cls.escalated93 = CallTask.objects.get(index_case=cls.case93)
        cls.escalated75 = CallTask.objects.get(index_case=cls.case75)
        escalate(task=cls.escalated93, reason=CallTask.Escalation.MAX_ATTEMPTS, now=now)
        escalate(task=cls.escalated75, reason=CallTask.Escalation.NO_PHONE, now=now)
        cls.ana = CallTask.objects.get(person__first_name="Ana")
        cls.rui = CallTask.objects.get(person__first_name="Rui")
        CallTask.objects.filter(pk=cls.ana.pk).update(
            at_risk_since=now, deadline_at=now + timedelta(hours=3)
        )
        CallTask.objects.filter(pk=cls.rui.pk).update(
            at_risk_since=now, deadline_at=now + timedelta(hours=1)
        )

    def test_it_sends_anonymous_users_to_the_login_page(self):
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_a_teleconseiller_and_a_lab_feed(self):
        for user in (self.alice, self.labfeed):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(URL).status_code, 403)

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(URL).status_code, 405)

    def test_it_lists_the_escalated_and_at_risk_calls_of_the_territory(self):
        for user in (self.bob, self.carol):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                response = self.client.get(URL)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["escalated"], [self.escalated93])
                # The soonest deadline first.
                self.assertEqual(response.context["at_risk"], [self.rui, self.ana])
                self.assertContains(response, f'data-task-id="{self.escalated93.pk}"')
                self.assertContains(
                    response, reverse("intake:index-case-detail", args=[self.case93.pk])
                )
                self.assertNotContains(response, "PARISIEN")

    def test_it_shows_nothing_of_93_to_a_supervisor_of_75(self):
        self.client.force_login(self.erin)
        response = self.client.get(URL)
        self.assertEqual(response.context["escalated"], [self.escalated75])
        self.assertEqual(response.context["at_risk"], [])
        self.assertNotContains(response, "SEINESAINTDENIS")
        self.assertNotContains(response, "Silva")
        self.assertNotContains(response, f'data-task-id="{self.escalated93.pk}"')

    def test_it_shows_every_territory_to_the_superuser(self):
        self.client.force_login(self.root)
        response = self.client.get(URL)
        self.assertEqual(set(response.context["escalated"]), {self.escalated93, self.escalated75})

    def test_its_query_count_does_not_grow_with_the_lists(self):
        self.client.force_login(self.bob)
        # Session, user, groups, territory, the two lists, and the header's agent and territory.
        with self.assertNumQueries(QUERIES):
            self.client.get(URL)
        now = timezone.now()
        for i in range(5):
            result = self.register_case(
                self.t93,
                name=f"Extra{i}",
                phone=f"06444444{i:02d}",
                contacts=[contact(f"C{i}", "X", f"06555555{i:02d}")],
            )
            escalate(task=result.task, reason=CallTask.Escalation.DEADLINE, now=now)
            CallTask.objects.filter(pk=result.contacts[0].task.pk).update(at_risk_since=now)
        with self.assertNumQueries(QUERIES):
            response = self.client.get(URL)
        self.assertEqual(len(response.context["escalated"]), 6)
        self.assertEqual(len(response.context["at_risk"]), 7)
