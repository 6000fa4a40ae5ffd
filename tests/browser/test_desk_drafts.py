"""Never lose an interview, in a real browser: the fields survive a reload, and a supervisor's
release reaches the agent's desk within seconds with what she typed kept (issue 13)."""

import os
from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Territory
from calls.models import Assignment, CallDraft
from intake.services import register_index_case
from tests.base import PASSWORD, make_user, person
from tests.browser.base import BrowserTestCase

NOTES = "Tousse depuis lundi, vit avec sa sœur"
# Screenshots for a person to look at (issue 13): set DESK_SCREENSHOTS to a directory.
SCREENSHOTS = os.environ.get("DESK_SCREENSHOTS", "")


class DeskDraftBrowserTests(BrowserTestCase):
    def english_page(self):
        """A page in English: the site is French first, English through the language cookie."""
        page = self.new_page(width=1440)
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": self.live_server_url}]
        )
        return page

    def setUp(self):
        self.territory = Territory.objects.create(
            code="93",
            name="CPAM de la Seine-Saint-Denis",
            timezone="Europe/Paris",
            calling_hours_start=time(0, 0),
            calling_hours_end=time(23, 59),
        )
        for username in ("agent93", "agent93b"):
            make_user(username, roles.TELECONSEILLER, territory=self.territory, languages=("fr",))
        make_user("sup93", roles.SUPERVISEUR, territory=self.territory)
        now = timezone.now()
        self.case = register_index_case(
            territory=self.territory,
            person=person("Paul", "Premier", "0612345678"),
            sampled_at=now - timedelta(days=1),
            source="form",
            now=now - timedelta(hours=3),
        ).index_case

    def screenshot(self, page, name: str) -> None:
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, f"desk-{name}.png"), full_page=False)

    def open_desk(self, username: str = "agent93"):
        page = self.english_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        self.addCleanup(lambda: self.assertEqual(errors, []))
        self.log_in(page, username, PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('calls:desk')}")
        return page

    def take_a_call(self, page) -> None:
        page.click("[data-testid=status-ready]")
        page.wait_for_selector("#current-status[data-status=ready]")
        page.click("[data-testid=next-call]")
        page.wait_for_selector("[data-testid=contact-card]")

    def type_the_interview(self, page) -> None:
        page.check("#id_interview-symptomatic")
        page.fill(
            "#id_interview-symptom_onset_on", (timezone.localdate() - timedelta(2)).isoformat()
        )
        page.fill("#id_contacts-0-first_name", "Amina")
        page.fill("#id_contacts-0-last_name", "Diallo")
        page.fill("#id_contacts-0-phone", "06 11 22 33 44")
        page.select_option("#id_contacts-0-exposure_type", "household")
        page.fill(
            "#id_contacts-0-last_exposure_date", (timezone.localdate() - timedelta(1)).isoformat()
        )
        page.fill("#id_notes", NOTES)
        expect(page.locator("[data-testid=draft-state]")).to_contain_text("Typing kept at")

    def test_an_interview_survives_a_reload(self):
        page = self.open_desk()
        self.take_a_call(page)
        self.type_the_interview(page)
        page.reload()
        page.wait_for_selector("[data-testid=contact-card]")
        expect(page.locator("#id_notes")).to_have_value(NOTES)
        expect(page.locator("#id_contacts-0-first_name")).to_have_value("Amina")
        expect(page.locator("#id_contacts-0-phone")).to_have_value("06 11 22 33 44")
        expect(page.locator("#id_interview-symptomatic")).to_be_checked()
        expect(page.locator("#id_contacts-0-exposure_type")).to_have_value("household")
        expect(page.locator("[data-testid=draft-state]")).to_contain_text("Restored as typed at")
        page.locator("#id_notes").scroll_into_view_if_needed()
        self.screenshot(page, "reload")

        # Typing on after the reload is kept too, then the outcome drops the draft.
        page.fill("#id_notes", NOTES + ". Rappeler sa sœur.")
        expect(page.locator("[data-testid=draft-state]")).to_contain_text("Typing kept at")
        self.assertTrue(
            CallDraft.objects.filter(fields__notes=[NOTES + ". Rappeler sa sœur."]).exists()
        )
        page.check("input[name=outcome][value=reached]")
        page.click("[data-testid=record-outcome]")
        page.wait_for_selector("[data-testid=next-call]")
        self.assertFalse(CallDraft.objects.exists())

    def test_a_release_reaches_the_desk_within_seconds_and_the_next_agent_gets_the_notes(self):
        page = self.open_desk()
        self.take_a_call(page)
        self.type_the_interview(page)
        # The call has been held a few minutes: past the release threshold.
        Assignment.objects.update(claimed_at=timezone.now() - timedelta(minutes=5))

        supervisor = self.english_page()
        self.log_in(supervisor, "sup93", PASSWORD)
        supervisor.goto(f"{self.live_server_url}{reverse('supervision:action-log')}")
        supervisor.click("[data-testid=release-lease]")
        supervisor.wait_for_selector("[data-testid=confirm-release]")
        self.screenshot(supervisor, "confirm-release")
        supervisor.click("[data-testid=confirm-release-button]")
        supervisor.wait_for_selector("[data-testid=held-calls]")

        notice = page.locator("[data-testid=desk-notice]")
        expect(notice).to_be_visible(timeout=5_000)
        expect(notice).to_contain_text("Your supervisor gave this call back to the queue.")
        expect(notice).to_contain_text("What you typed is kept")
        # Her typing stays in sight; nothing more is recorded on the call.
        expect(page.locator("#id_notes")).to_have_value(NOTES)
        expect(page.locator("[data-testid=record-outcome]")).to_be_disabled()
        self.screenshot(page, "released")
        self.assertEqual(CallDraft.objects.get().fields["notes"], [NOTES])

        page.click("[data-testid=desk-notice-continue]")
        page.wait_for_selector("[data-testid=next-call]")
        expect(notice).to_be_hidden()

        # A colleague takes the call: the notes of the interrupted call are shown to him, apart.
        colleague = self.open_desk("agent93b")
        self.take_a_call(colleague)
        panel = colleague.locator("[data-testid=interrupted-call]")
        expect(panel).to_contain_text(NOTES)
        expect(panel).to_contain_text("Amina")
        expect(colleague.locator("#id_notes")).to_have_value("")
        self.screenshot(colleague, "interrupted")
        colleague.click("[data-testid=resume-draft]")
        expect(colleague.locator("#id_notes")).to_have_value(NOTES)
        expect(colleague.locator("#id_contacts-0-first_name")).to_have_value("Amina")

    def test_a_forced_log_out_reaches_the_desk_and_keeps_the_draft(self):
        from agents.models import Agent
        from supervision.services.actions import log_out_agent

        page = self.open_desk()
        self.take_a_call(page)
        self.type_the_interview(page)
        agent = Agent.objects.get(user__username="agent93")
        supervisor = Agent.objects.get(user__username="sup93").user
        log_out_agent(actor=supervisor, agent=agent, now=timezone.now())
        notice = page.locator("[data-testid=desk-notice]")
        expect(notice).to_contain_text("You are logged out", timeout=5_000)
        expect(page.locator("#id_notes")).to_have_value(NOTES)
        self.assertEqual(CallDraft.objects.get().fields["notes"], [NOTES])
        self.screenshot(page, "logged-out")
        # Back in: the call went to the queue; taken again, her answers come back in the fields.
        page.click("[data-testid=desk-notice-continue]")
        page.fill("input[name=username]", "agent93")
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form [type=submit]").first.click()
        page.wait_for_selector("[data-testid=next-call]")
        self.take_a_call(page)
        expect(page.locator("#id_notes")).to_have_value(NOTES)

    def test_a_forced_pause_reaches_the_desk(self):
        from agents.models import Agent, PauseReason
        from supervision.services.actions import pause_agent

        page = self.open_desk()
        page.click("[data-testid=status-ready]")
        page.wait_for_selector("#current-status[data-status=ready]")
        agent = Agent.objects.get(user__username="agent93")
        reason = PauseReason.objects.filter(active=True).first()
        supervisor = Agent.objects.get(user__username="sup93").user
        pause_agent(actor=supervisor, agent=agent, pause_reason=reason, now=timezone.now())
        page.wait_for_selector("#current-status[data-status=paused]", timeout=5_000)
        notice = page.locator("[data-testid=desk-notice]")
        expect(notice).to_contain_text("You were put in pause")
        self.screenshot(page, "paused")
        page.click("[data-testid=desk-notice-close]")
        expect(notice).to_be_hidden()
