from datetime import timedelta

from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from agents import roles
from calls.models import CallTask, SmsMessage
from calls.services import lifecycle
from calls.services.fallback import escalate
from tests.base import PersonasTestCase, contact, make_user

URL = reverse("supervision:escalations")
# Session, user, groups, the user's territory; the counts, the escalated and followed lists, their
# history and SMS, the territories lending calls, the agents and their languages, the at-risk
# list, the SMS not delivered, the languages of the filter; the read log's insert; the header's
# agent and territory.
QUERIES = 18
Status, Band = CallTask.Status, CallTask.Band


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
        cls.sam = make_user("sam", roles.SUPERVISEUR, territory=cls.t93, languages=("fr",))
        cls.sam.groups.add(Group.objects.get(name=roles.TELECONSEILLER))

    def get(self, user, params: dict | None = None):
        self.client.force_login(user)
        response = self.client.get(URL, params or {})
        self.assertEqual(response.status_code, 200)
        return response

    @staticmethod
    def tasks(rows) -> list[CallTask]:
        return [row.task for row in rows]

    def escalate_contact(self, task: CallTask, reason: str, *, deadline_in: timedelta):
        CallTask.objects.filter(pk=task.pk).update(
            at_risk_since=None, deadline_at=timezone.now() + deadline_in
        )
        task.refresh_from_db()
        escalate(task=task, reason=reason, now=timezone.now())

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
            with self.subTest(user=user.username):
                response = self.get(user)
                self.assertEqual(self.tasks(response.context["escalated"]), [self.escalated93])
                # The soonest deadline first.
                self.assertEqual(response.context["at_risk"], [self.rui, self.ana])
                self.assertContains(response, f'data-task-id="{self.escalated93.pk}"')
                self.assertContains(
                    response, reverse("intake:index-case-detail", args=[self.case93.pk])
                )
                self.assertNotContains(response, "PARISIEN")

    def test_it_shows_nothing_of_93_to_a_supervisor_of_75(self):
        response = self.get(self.erin)
        self.assertEqual(self.tasks(response.context["escalated"]), [self.escalated75])
        self.assertEqual(response.context["at_risk"], [])
        self.assertEqual(response.context["counts"].escalated, 1)
        self.assertNotContains(response, "SEINESAINTDENIS")
        self.assertNotContains(response, "Silva")
        self.assertNotContains(response, f'data-task-id="{self.escalated93.pk}"')

    def test_it_shows_every_territory_to_the_superuser(self):
        response = self.get(self.root)
        self.assertEqual(
            set(self.tasks(response.context["escalated"])), {self.escalated93, self.escalated75}
        )

    def test_it_offers_the_actions_on_each_call_and_the_agents_who_may_take_it(self):
        self.escalate_contact(self.ana, CallTask.Escalation.LANGUAGE, deadline_in=timedelta(0))
        CallTask.objects.filter(pk=self.ana.pk).update(language_id="tr")
        response = self.get(self.bob)
        rows = {row.task.pk: row for row in response.context["escalated"]}
        # French: every téléconseiller of 93 (sam takes calls too); Turkish: Alice only.
        self.assertEqual(rows[self.escalated93.pk].candidates, [self.alice.agent, self.sam.agent])
        self.assertEqual(rows[self.ana.pk].candidates, [self.alice.agent])
        for task in (self.escalated93, self.ana):
            for action in ("assign-task", "requeue-task", "close-task"):
                self.assertContains(response, reverse(f"calls:{action}", args=[task.pk]))
        # Bob takes no calls: "call now" is offered to those who do.
        self.assertNotContains(response, 'data-testid="call-now"')
        response = self.get(self.sam)
        self.assertContains(response, 'data-testid="call-now"', count=2)

    def test_it_shows_each_calls_history_and_sms_state(self):
        for task, status in ((self.ana, "failed"), (self.rui, "sent")):
            self.escalate_contact(task, CallTask.Escalation.DEADLINE, deadline_in=-timedelta(1))
            SmsMessage.objects.create(
                task=task,
                phone="+33611111111",
                body="…",
                status=status,
                wording=SmsMessage.Wording.NOT_CALLED,
            )
        lifecycle.assign_task(
            actor=self.bob, task=self.rui, agent=self.alice.agent, now=timezone.now()
        )
        response = self.get(self.bob)
        self.assertContains(
            response, f'data-task-id="{self.ana.pk}" data-testid="escalated-row"', count=1
        )
        self.assertContains(response, 'data-sms="failed"', count=1)
        self.assertContains(response, 'data-sms="sent"', count=1)
        self.assertContains(response, 'data-sms=""', count=1)  # the patient zéro: none
        rows = {row.task.pk: row for row in response.context["followed"]}
        self.assertEqual(
            [event.kind for event in rows[self.rui.pk].events], ["escalated", "assigned"]
        )
        self.assertContains(response, 'data-kind="assigned"', count=1)

    def test_it_follows_the_calls_handed_to_an_agent_or_late_in_the_queue(self):
        now = timezone.now()
        lifecycle.assign_task(
            actor=self.bob, task=self.escalated93, agent=self.alice.agent, now=now
        )
        CallTask.objects.filter(pk=self.ana.pk).update(
            queue_band=Band.LATE, deadline_at=now - timedelta(hours=2), at_risk_since=None
        )
        response = self.get(self.bob)
        self.assertEqual(response.context["escalated"], [])
        self.assertEqual(
            set(self.tasks(response.context["followed"])), {self.escalated93, self.ana}
        )
        self.assertEqual(response.context["at_risk"], [self.rui])
        counts = response.context["counts"]
        self.assertEqual((counts.escalated, counts.handed, counts.late), (0, 1, 1))

    def test_it_filters_by_reason_language_and_age_and_counts_by_reason(self):
        self.escalate_contact(self.ana, CallTask.Escalation.DEADLINE, deadline_in=-timedelta(2))
        self.escalate_contact(self.rui, CallTask.Escalation.LANGUAGE, deadline_in=timedelta(1))
        CallTask.objects.filter(pk=self.rui.pk).update(language_id="tr")
        cases = [
            ({}, {self.escalated93, self.ana, self.rui}),
            ({"reason": "deadline"}, {self.ana}),
            ({"reason": "max_attempts"}, {self.escalated93}),
            ({"language": "tr"}, {self.rui}),
            ({"age": "due"}, {self.escalated93, self.rui}),
            ({"age": "days"}, {self.ana}),
            ({"age": "older"}, set()),
            ({"reason": "language", "language": "fr"}, set()),
            # What the form cannot read filters nothing, and breaks nothing.
            ({"age": "forever", "language": "xx"}, {self.escalated93, self.ana, self.rui}),
        ]
        for params, expected in cases:
            with self.subTest(params=params):
                response = self.get(self.bob, params)
                self.assertEqual(set(self.tasks(response.context["escalated"])), expected)
        counts = {code: n for code, _, n in response.context["counts"].by_reason}
        self.assertEqual(counts, {"max_attempts": 1, "deadline": 1, "no_phone": 0, "language": 1})
        self.assertContains(response, 'data-testid="count-escalated">3<')

    def test_its_query_count_does_not_grow_with_the_lists(self):
        self.client.force_login(self.bob)
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
            SmsMessage.objects.create(task=result.task, phone="+33644444400", body="…")
            CallTask.objects.filter(pk=result.contacts[0].task.pk).update(at_risk_since=now)
            make_user(f"agent{i}", roles.TELECONSEILLER, territory=self.t93, languages=("fr",))
        lifecycle.assign_task(actor=self.bob, task=result.task, agent=self.alice.agent, now=now)
        with self.assertNumQueries(QUERIES):
            response = self.client.get(URL)
        self.assertEqual(len(response.context["escalated"]), 5)
        self.assertEqual(len(response.context["followed"]), 1)
        self.assertEqual(len(response.context["at_risk"]), 7)
