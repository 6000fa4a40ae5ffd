from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Agent, AgentStatusPeriod, PauseReason
from agents.services.staff import set_agent_status
from calls.models import RetryRule, SmsMessage
from cases.models import Interview, IsolationRuleSet, Notification, PersonAccess
from tests.base import PersonasTestCase, contact, make_user


class AdminCallLoopModelsTests(PersonasTestCase):
    """The call-loop models in the admin: shared rules editable, records read-only and scoped."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        now = timezone.now()
        cls.case93 = cls.register_case(
            cls.t93,
            name="Mercier",
            phone="0611111111",
            contacts=[contact("Ana", "Silva", "0622222222")],
        )
        cls.case75 = cls.register_case(
            cls.t75,
            name="Durand",
            phone="0633333333",
            contacts=[contact("Luc", "Fabre", "0644444444")],
        )
        cls.sms93 = SmsMessage.objects.create(
            task=cls.case93.task, phone="+33611111111", body="Texte 93"
        )
        cls.sms75 = SmsMessage.objects.create(
            task=cls.case75.task, phone="+33633333333", body="Texte 75"
        )
        set_agent_status(agent=cls.alice.agent, status=Agent.Status.READY, now=now)
        set_agent_status(agent=cls.erin.agent, status=Agent.Status.READY, now=now)
        cls.period93 = AgentStatusPeriod.objects.get(agent=cls.alice.agent)
        cls.period75 = AgentStatusPeriod.objects.get(agent=cls.erin.agent)
        cls.rules = IsolationRuleSet.objects.order_by("valid_from").last()
        # The shared reference data is a national admin's (issue 12 part 6).
        cls.nina = make_user("nina", roles.ADMIN_NATIONAL)
        cls.nina.is_staff = True
        cls.nina.save(update_fields=["is_staff"])
        for case, agent in ((cls.case93, cls.alice), (cls.case75, cls.erin)):
            Interview.objects.create(
                index_case=case.index_case,
                isolation_until=date(2026, 12, 1),
                rule_set=cls.rules,
                recorded_by=agent,
            )
            Notification.objects.create(
                exposure=case.contacts[0].exposure,
                isolation_until=date(2026, 12, 1),
                test_on=date(2026, 11, 28),
                rule_set=cls.rules,
                recorded_by=agent,
            )

    def get(self, user, url, **kwargs):
        self.client.force_login(user)
        return self.client.get(url, **kwargs)

    def test_it_lists_only_the_admins_territory(self):
        lists = [
            ("calls", "smsmessage", "Mercier", "Durand"),
            ("agents", "agentstatusperiod", "Alice", "Erin"),
            ("cases", "interview", "Mercier", "Durand"),
            ("cases", "notification", "Silva", "Fabre"),
        ]
        for user, mine, theirs in ((self.carol, 2, 3), (self.dave, 3, 2)):
            for row in lists:
                app_label, model_name = row[:2]
                with self.subTest(user=user.username, model=model_name):
                    response = self.get(user, reverse(f"admin:{app_label}_{model_name}_changelist"))
                    self.assertEqual(response.status_code, 200)
                    self.assertContains(response, row[mine])
                    self.assertNotContains(response, row[theirs])

    def test_a_superuser_sees_every_territory(self):
        response = self.get(self.root, reverse("admin:calls_smsmessage_changelist"))
        self.assertContains(response, "Mercier")
        self.assertContains(response, "Durand")

    def test_it_hides_another_territorys_records(self):
        for url in [
            reverse("admin:calls_smsmessage_change", args=[self.sms75.pk]),
            reverse("admin:agents_agentstatusperiod_change", args=[self.period75.pk]),
            reverse("admin:cases_interview_change", args=[self.case75.index_case.interview.pk]),
            reverse(
                "admin:cases_notification_change",
                args=[self.case75.contacts[0].exposure.notification.pk],
            ),
        ]:
            with self.subTest(url):
                response = self.get(self.carol, url, follow=True)
                self.assertEqual(response.redirect_chain, [(reverse("admin:index"), 302)])
                for secret in ("Durand", "Fabre", "+33633333333", "Texte 75", "Erin"):
                    self.assertNotContains(response, secret)
        self.assertFalse(PersonAccess.objects.filter(person__territory=self.t75).exists())

    def test_it_shows_records_read_only_and_logs_who_read_a_person(self):
        url = reverse("admin:calls_smsmessage_change", args=[self.sms93.pk])
        response = self.get(self.carol, url)
        self.assertContains(response, "+33611111111")
        self.assertContains(response, "Texte 93")
        self.assertNotContains(response, 'name="_save"')
        self.assertTrue(
            PersonAccess.objects.filter(user=self.carol, person=self.case93.task.person).exists()
        )
        self.assertEqual(self.client.post(url, {"status": SmsMessage.Status.SENT}).status_code, 403)
        self.assertEqual(
            self.client.post(
                reverse("admin:calls_smsmessage_delete", args=[self.sms93.pk])
            ).status_code,
            403,
        )
        self.assertEqual(
            self.get(self.carol, reverse("admin:agents_agentstatusperiod_add")).status_code, 403
        )
        self.sms93.refresh_from_db()
        self.assertEqual(self.sms93.status, SmsMessage.Status.QUEUED)

    def test_the_record_lists_cost_the_same_queries_for_more_rows(self):
        urls = (
            reverse("admin:calls_smsmessage_changelist"),
            reverse("admin:agents_agentstatusperiod_changelist"),
        )
        self.client.force_login(self.carol)

        def count(url):
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(queries)

        before = [count(url) for url in urls]
        task = self.register_case(self.t93, name="Bernard", phone="0655555555").task
        SmsMessage.objects.create(task=task, phone="+33655555555", body="Texte")
        later = timezone.now() + timedelta(minutes=5)
        set_agent_status(agent=self.alice.agent, status=Agent.Status.OFFLINE, now=later)
        set_agent_status(agent=self.bob.agent, status=Agent.Status.READY, now=later)
        self.assertEqual([count(url) for url in urls], before)

    def test_a_national_admin_tunes_the_retry_rules(self):
        response = self.get(self.nina, reverse("admin:calls_retryrule_changelist"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="form-0-delay_minutes"')
        rule = RetryRule.objects.get(outcome="no_answer")
        response = self.client.post(
            reverse("admin:calls_retryrule_change", args=[rule.pk]),
            {
                "closes_task": "",
                "delay_minutes": "90",
                "try_next_phone": "on",
                "max_attempts": "4",
                "outcome": "refused",
            },
        )
        self.assertEqual(response.status_code, 302)
        rule.refresh_from_db()
        self.assertEqual(
            (rule.outcome, rule.delay_minutes, rule.max_attempts, rule.try_next_phone),
            ("no_answer", 90, 4, True),
        )
        self.assertEqual(self.client.get(reverse("admin:calls_retryrule_add")).status_code, 403)
        self.assertEqual(
            self.client.post(reverse("admin:calls_retryrule_delete", args=[rule.pk])).status_code,
            403,
        )
        self.assertEqual(RetryRule.objects.count(), 9)

    def test_a_national_admin_edits_pause_reasons_but_not_their_codes(self):
        reason = PauseReason.objects.get(code="dejeuner")
        self.assertContains(
            self.get(self.nina, reverse("admin:agents_pausereason_changelist")), "dejeuner"
        )
        response = self.client.post(
            reverse("admin:agents_pausereason_change", args=[reason.pk]),
            {
                "code": "lunch",
                "label_fr": "Déjeuner",
                "label_en": "Lunch",
                "max_minutes": "45",
                "active": "on",
            },
        )
        self.assertEqual(response.status_code, 302)
        reason.refresh_from_db()
        self.assertEqual(
            (reason.code, reason.label_fr, reason.max_minutes), ("dejeuner", "Déjeuner", 45)
        )

    def test_an_isolation_rule_set_in_use_is_read_only(self):
        unused = IsolationRuleSet.objects.exclude(pk=self.rules.pk).first()
        response = self.get(
            self.nina, reverse("admin:cases_isolationruleset_change", args=[self.rules.pk])
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'name="name"')
        response = self.get(
            self.nina, reverse("admin:cases_isolationruleset_change", args=[unused.pk])
        )
        self.assertContains(response, 'name="name"')
        self.assertEqual(
            self.get(self.nina, reverse("admin:cases_isolationruleset_add")).status_code, 200
        )


class NationalReferenceDataTests(PersonasTestCase):
    """Issue 12 part 6: CPAM admins read the shared reference data; national admins change it."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.nina = make_user("nina", roles.ADMIN_NATIONAL)
        cls.nina.is_staff = True
        cls.nina.save(update_fields=["is_staff"])
        cls.rule = RetryRule.objects.get(outcome="no_answer")
        cls.reason = PauseReason.objects.get(code="dejeuner")
        cls.rule_set = IsolationRuleSet.objects.order_by("valid_from").last()

    def urls(self) -> list[tuple[str, dict]]:
        return [
            (
                reverse("admin:calls_retryrule_change", args=[self.rule.pk]),
                {"delay_minutes": "1", "max_attempts": "1", "closes_task": ""},
            ),
            (
                reverse("admin:agents_pausereason_change", args=[self.reason.pk]),
                {"label_fr": "X", "label_en": "X", "max_minutes": "5", "active": "on"},
            ),
            (reverse("admin:agents_pausereason_add"), {"code": "x", "label_fr": "X"}),
            (
                reverse("admin:cases_isolationruleset_change", args=[self.rule_set.pk]),
                {"name": "X"},
            ),
            (reverse("admin:cases_isolationruleset_add"), {"name": "X"}),
        ]

    def test_a_cpam_admin_cannot_change_them(self):
        self.client.force_login(self.carol)
        for url, data in self.urls():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 403)
        self.rule.refresh_from_db()
        self.assertNotEqual(self.rule.max_attempts, 1)
        self.assertFalse(PauseReason.objects.filter(code="x").exists())

    def test_a_cpam_admin_still_reads_them(self):
        self.client.force_login(self.carol)
        for name in (
            "admin:calls_retryrule_changelist",
            "admin:agents_pausereason_changelist",
            "admin:cases_isolationruleset_changelist",
        ):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(name)).status_code, 200)

    def test_a_national_admin_can_change_them(self):
        self.client.force_login(self.nina)
        for url, _data in self.urls():
            if "retryrule" in url:
                continue  # posted in AdminCallLoopModelsTests
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(
            reverse("admin:calls_retryrule_change", args=[self.rule.pk]),
            {"closes_task": "", "delay_minutes": "90", "try_next_phone": "on", "max_attempts": "4"},
        )
        self.assertEqual(response.status_code, 302)
        self.rule.refresh_from_db()
        self.assertEqual(self.rule.max_attempts, 4)
