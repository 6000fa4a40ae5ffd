"""The desk dialling through the carrier simulator: the card follows the call's life from the
carrier (ringing, then answered) without a click, and the outcome keeps the carrier's proof."""

import os
from datetime import timedelta

from django.utils import timezone

from agents import roles
from calls.models import Assignment, CallAttempt, CarrierCall
from intake.services import register_index_case
from tests.base import make_user, person
from tests.browser.carrier_desk import CarrierDeskTestCase

SCREENSHOTS = os.environ.get("DESK_SCREENSHOTS", "")


class DeskCarrierBrowserTests(CarrierDeskTestCase):
    def setUp(self):
        self.territory = self.make_territory()
        make_user("agent93", roles.TELECONSEILLER, territory=self.territory, languages=("fr",))
        now = timezone.now()
        self.case = register_index_case(
            territory=self.territory,
            person=person("Paul", "Premier", "0612345678"),
            sampled_at=now - timedelta(days=1),
            source="form",
            now=now - timedelta(hours=3),
        ).index_case

    def open_desk_and_dial(self):
        page = self.open_desk("agent93")
        self.take_and_dial(page)
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
