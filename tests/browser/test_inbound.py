from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Territory
from calls.models import CallAttempt, CallTask, SmsMessage
from calls.services.fallback import escalate, queue_fallback_sms
from cases.models import Notification, PersonAccess
from intake.services import register_index_case
from tests.base import PASSWORD, contact, make_user, person
from tests.browser.base import BrowserTestCase


class InboundCallBrowserTests(BrowserTestCase):
    def setUp(self):
        self.territory = Territory.objects.create(
            code="93",
            name="CPAM de la Seine-Saint-Denis",
            timezone="Europe/Paris",
            calling_hours_start=time(0, 0),
            calling_hours_end=time(23, 59),
        )
        self.agent_user = make_user(
            "agent93", roles.TELECONSEILLER, territory=self.territory, languages=("fr",)
        )
        now = timezone.now()
        result = register_index_case(
            territory=self.territory,
            person=person("Paul", "Martin", "0612345678"),
            sampled_at=now - timedelta(days=1),
            source="form",
            now=now - timedelta(hours=20),
            contacts=[contact("Awa", "Diallo", "0611223344", exposure_type="household")],
        )
        # Five calls unanswered: the fallback SMS asked Awa to call back, and her call went to
        # the supervisors.
        self.task = result.contacts[0].task
        CallTask.objects.filter(pk=self.task.pk).update(attempts=5)
        self.task.refresh_from_db()
        queue_fallback_sms(task=self.task, now=now - timedelta(hours=2))
        escalate(task=self.task, reason=CallTask.Escalation.MAX_ATTEMPTS, now=now)
        self.awa = self.task.person

    def test_a_person_who_calls_back_after_an_sms_is_found_by_phone_and_notified(self):
        self.assertEqual(SmsMessage.objects.filter(task=self.task).count(), 1)
        page = self.new_page()
        errors = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        self.log_in(page, "agent93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('calls:desk')}")

        # "/" from anywhere on the desk: the number as the caller gives it, in E.164 with spaces.
        page.keyboard.press("/")
        expect(page.locator("#desk-search-q")).to_be_focused()
        page.keyboard.type("+33 6 11 22 33 44")
        page.keyboard.press("Enter")
        results = page.locator("[data-testid=search-result]")
        expect(results).to_have_count(1)
        self.assertEqual(int(results.get_attribute("data-person-id")), self.awa.pk)
        # The first result has the cursor: Enter opens the file.
        expect(page.locator("[data-testid=open-person]")).to_be_focused()
        page.keyboard.press("Enter")

        form = page.locator("[data-testid=inbound-form]")
        expect(form).to_have_attribute("data-task-id", str(self.task.pk))
        expect(page.locator("[data-testid=script-notification]")).to_be_visible()
        expect(page.locator("[data-testid=sms-row]")).to_have_count(1)
        # Reached (key 1), a certificate, and recorded with Enter (the focus on the checkbox).
        page.keyboard.press("1")
        self.assertTrue(page.is_checked("input[name=outcome][value=reached]"))
        page.check("input[name=notification-certificate_needed]")
        page.keyboard.press("Enter")
        expect(page.locator("[data-testid=task][data-status=done]")).to_have_count(1)
        expect(page.locator("[data-testid=attempt][data-channel=inbound]")).to_have_count(1)

        self.task.refresh_from_db()
        self.assertEqual(self.task.status, CallTask.Status.DONE)
        attempt = CallAttempt.objects.get(task=self.task)
        self.assertEqual(attempt.channel, CallAttempt.Channel.INBOUND)
        self.assertEqual(attempt.outcome, CallAttempt.Outcome.REACHED)
        self.assertEqual(attempt.agent, self.agent_user.agent)
        # Handled in under a minute: from the file opened to the call recorded, in server time.
        self.assertLess(attempt.ended_at - attempt.started_at, timedelta(minutes=1))
        self.assertLess(attempt.started_at, attempt.ended_at)
        self.assertTrue(Notification.objects.get(exposure=self.task.exposure).certificate_needed)
        self.assertEqual(
            set(PersonAccess.objects.values_list("what", flat=True)), {"desk-search", "desk-person"}
        )
        self.assertEqual(errors, [])
