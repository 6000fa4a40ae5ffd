"""The desk dialling through the carrier simulator: the card follows the call's life from the
carrier (ringing, then answered) without a click, and the outcome keeps the carrier's proof."""

import os
from datetime import time, timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Territory
from calls.models import Assignment, CallAttempt, CarrierCall
from intake.services import register_index_case
from tests.base import PASSWORD, make_user, person
from tests.browser.base import BrowserTestCase
from tests.calls.carrier_sim import SerialLiveServerThread, start_simulator, stop_simulator

SECRET = "test-carrier-secret"
SCREENSHOTS = os.environ.get("DESK_SCREENSHOTS", "")


class DeskCarrierBrowserTests(BrowserTestCase):
    # One request at a time: the webhooks, the desk's poll and the test share one SQLite file.
    server_thread_class = SerialLiveServerThread

    def setUp(self):
        self.territory = Territory.objects.create(
            code="93",
            name="CPAM de la Seine-Saint-Denis",
            timezone="Europe/Paris",
            calling_hours_start=time(0, 0),
            calling_hours_end=time(23, 59),
        )
        make_user("agent93", roles.TELECONSEILLER, territory=self.territory, languages=("fr",))
        now = timezone.now()
        self.case = register_index_case(
            territory=self.territory,
            person=person("Paul", "Premier", "0612345678"),
            sampled_at=now - timedelta(days=1),
            source="form",
            now=now - timedelta(hours=3),
        ).index_case

    def start_carrier(self, outcome: str) -> None:
        webhook = self.live_server_url + reverse("api:carrier-events", args=["sim"])
        # Answered 2 to 4 s after ringing: long enough for a 1 s poll to see it ring.
        process, url = start_simulator(
            webhook=webhook, secret=SECRET, outcome=outcome, delay_scale=1.0, max_delay=4.0
        )
        self.addCleanup(stop_simulator, process)
        carrier = override_settings(
            TELEPHONY_BACKEND="calls.telephony.CarrierBackend",
            CARRIER_URL=url,
            DESK_POLL_SECONDS=1,
        )
        carrier.enable()
        self.addCleanup(carrier.disable)

    def open_desk_and_dial(self):
        page = self.new_page()
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": self.live_server_url}]
        )
        self.errors = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.log_in(page, "agent93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('calls:desk')}")
        page.click("[data-testid=status-ready]")
        page.wait_for_selector("#current-status[data-status=ready]")
        page.click("[data-testid=next-call]")
        page.wait_for_selector("[data-testid=contact-card]")
        page.click("[data-testid=dial]")
        return page

    def test_an_answering_machine_frees_the_agent_without_a_click(self):
        self.start_carrier("machine")
        page = self.open_desk_and_dial()
        notice = page.wait_for_selector("[data-testid=desk-notice-text]:has-text('answering')")
        self.assertIn("recorded as voicemail", notice.text_content())
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, "desk-carrier-machine.png"))
        attempt = CallAttempt.objects.get(task__index_case=self.case)
        self.assertEqual(attempt.outcome, CallAttempt.Outcome.VOICEMAIL)
        # The next step: back to the desk, the next call is hers to take.
        page.click("[data-testid=desk-notice-continue]")
        page.wait_for_selector("[data-testid=next-call]")
        self.assertEqual(self.errors, [])

    def test_the_card_follows_the_carrier_and_the_outcome_keeps_its_proof(self):
        self.start_carrier("person")
        page = self.open_desk_and_dial()
        # No click from here: the poll brings the carrier's state.
        state = page.locator("[data-testid=carrier-state]")
        page.wait_for_selector("[data-testid=carrier-state][data-carrier-state=ringing]")
        self.assertIn("Ringing", state.text_content())
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, "desk-carrier-ringing.png"))
        page.wait_for_selector(
            "[data-testid=carrier-state][data-carrier-state=answered]", timeout=15_000
        )
        self.assertIn("Answered at", state.text_content())
        # The agent's own « Answered » has nothing left to say.
        self.assertFalse(page.locator("#connected").is_visible())
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, "desk-carrier-answered.png"))

        page.click("input[name=outcome][value=refused]")
        # A conversation: the carrier proved the answer, so the desk does not ask for a click.
        self.assertEqual(page.locator("#answered-prompt").count(), 0)
        page.click("[data-testid=record-outcome]")
        page.wait_for_selector("[data-testid=next-call]")

        attempt = CallAttempt.objects.get(task__index_case=self.case)
        self.assertEqual(attempt.outcome, CallAttempt.Outcome.REFUSED)
        self.assertEqual(attempt.connected_source, Assignment.ConnectedSource.CARRIER)
        self.assertFalse(attempt.talk_not_marked)
        call = CarrierCall.objects.get(carrier="sim", carrier_call_id=attempt.carrier_call_id)
        self.assertEqual(call.answered_by, CarrierCall.AnsweredBy.PERSON)
        self.assertEqual(attempt.connected_at, call.answered_at)
        self.assertEqual(self.errors, [])
