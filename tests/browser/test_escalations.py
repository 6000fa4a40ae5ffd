import os
from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Territory
from calls.models import CallAttempt, CallTask, TaskEvent
from calls.services import sweeps
from cases.models import Interview
from intake.services import register_index_case
from tests.base import PASSWORD, contact, make_user, person
from tests.browser.base import BrowserTestCase

# Where to leave screenshots of the page, to look at it as a user does (unset: none taken).
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")


class EscalationBrowserTests(BrowserTestCase):
    def setUp(self):
        # Calling hours around the clock, so that the test passes at any hour.
        self.territory = Territory.objects.create(
            code="93",
            name="CPAM de la Seine-Saint-Denis",
            timezone="Europe/Paris",
            calling_hours_start=time(0, 0),
            calling_hours_end=time(23, 59),
        )
        self.agent_user = make_user(
            "agent93", roles.TELECONSEILLER, territory=self.territory, languages=("fr", "ar")
        )
        make_user("awa93", roles.TELECONSEILLER, territory=self.territory, languages=("fr", "snk"))
        make_user("super93", roles.SUPERVISEUR, territory=self.territory)
        now = timezone.now()
        # A patient zéro registered three days ago: nobody reached them in their 24 hours, nor
        # in the late period after; the sweeps texted them and escalated the call.
        self.case = register_index_case(
            territory=self.territory,
            person=person("Paul", "Premier", "0612345678"),
            sampled_at=now - timedelta(days=4),
            source="form",
            now=now - timedelta(hours=80),
            contacts=[contact("Awa", "Diallo", "0611111111", language="snk")],
        )
        self.task = self.case.task
        sweeps.fallback_at_deadline(now=now - timedelta(hours=1))
        sweeps.escalate_overdue(now=now - timedelta(minutes=30))
        # Its contact, in a language few speak, was escalated after five failed calls.
        CallTask.objects.filter(pk=self.case.contacts[0].task.pk).update(
            escalation_reason=CallTask.Escalation.MAX_ATTEMPTS, attempts=5
        )

    def screenshot(self, page, name: str) -> None:
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)

    def test_an_escalated_patient_zero_is_assigned_by_a_supervisor_and_interviewed(self):
        self.assertEqual(CallTask.objects.get(pk=self.task.pk).status, CallTask.Status.ESCALATED)
        errors = []

        # The supervisor, on the escalations page at 1440 px, hands the call to agent93.
        board = self.new_page(locale="fr-FR", width=1440)
        board.on("pageerror", lambda error: errors.append(str(error)))
        self.log_in(board, "super93", PASSWORD)
        board.goto(f"{self.live_server_url}{reverse('supervision:escalations')}")
        row = board.locator(f"[data-testid=escalated-row][data-task-id='{self.task.pk}']")
        expect(row).to_have_attribute("data-reason", "deadline")
        expect(row.locator("[data-testid=sms-state]")).to_have_attribute("data-sms", "sent")
        expect(board.locator("[data-testid=count-escalated]")).to_have_text("2")
        row.locator("[data-testid=history] summary").click()
        expect(row.locator("[data-testid=event]")).to_have_count(2)
        row.locator("[data-testid=task-actions] details summary").click()
        self.screenshot(board, "escalations-before")
        row.locator("select[name=agent]").select_option(str(self.agent_user.agent.pk))
        row.locator("[data-testid=assign]").click()
        board.wait_for_selector(".message--success")
        followed = board.locator(f"[data-testid=followed-row][data-task-id='{self.task.pk}']")
        expect(followed).to_have_attribute("data-band", "0")
        expect(board.locator("[data-testid=count-handed]")).to_have_text("1")
        self.screenshot(board, "escalations-after")

        # The agent takes their next call: the patient zéro comes first, and is interviewed.
        desk = self.new_page(locale="fr-FR", width=1440)
        desk.on("pageerror", lambda error: errors.append(str(error)))
        self.log_in(desk, "agent93", PASSWORD)
        desk.goto(f"{self.live_server_url}{reverse('calls:desk')}")
        expect(
            desk.locator(f"[data-testid=handed-call][data-task-id='{self.task.pk}']")
        ).to_be_visible()
        self.screenshot(desk, "desk-handed")
        desk.click("[data-testid=status-ready]")
        desk.wait_for_selector("#current-status[data-status=ready]")
        desk.click("[data-testid=next-call]")
        card = desk.wait_for_selector("[data-testid=contact-card]")
        self.assertEqual(int(card.get_attribute("data-task-id")), self.task.pk)
        desk.wait_for_selector("[data-testid=script-interview]")
        desk.click("input[name=outcome][value=reached]")
        desk.check("input[name=interview-consent_to_name]")
        desk.click("[data-testid=record-outcome]")
        desk.wait_for_selector("[data-testid=next-call]")

        task = CallTask.objects.get(pk=self.task.pk)
        self.assertEqual(task.status, CallTask.Status.DONE)
        self.assertTrue(Interview.objects.filter(index_case=task.index_case).exists())
        self.assertEqual(CallAttempt.objects.get(task=task).agent, self.agent_user.agent)
        assigned = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.ASSIGNED)
        self.assertEqual(
            (assigned.by.username, assigned.agent, assigned.from_status),
            ("super93", self.agent_user.agent, CallTask.Status.ESCALATED),
        )
        self.assertEqual(errors, [])
