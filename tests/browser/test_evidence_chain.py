"""The whole evidence chain in a browser (issue 14): the desk dials through the carrier
simulator, the carrier's record of each call is kept, the reconciliation sets the agent's
outcomes against it, and the supervisor sees the one « reached » the carrier never answered,
down to the carrier's events."""

import os
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from calls.models import Assignment, CallAttempt, CarrierCall
from intake.services import register_index_case
from integrity.models import Finding
from integrity.reconciliation import reconcile
from tests.base import PASSWORD, make_user, person
from tests.browser.carrier_desk import CarrierDeskTestCase
from tests.calls.carrier_sim import all_delivered, wait_for

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")
ANSWERS = "+33612345678"
RINGS_OUT = "+33698765432"


class EvidenceChainBrowserTests(CarrierDeskTestCase):
    def setUp(self):
        territory = self.make_territory()
        self.agent = make_user(
            "agent93", roles.TELECONSEILLER, territory=territory, languages=("fr",)
        ).agent
        make_user("super93", roles.SUPERVISEUR, territory=territory)
        now = timezone.now()
        # Identified an hour apart: the earliest deadline (the one who answers) comes first.
        self.cases = [
            register_index_case(
                territory=territory,
                person=person(first, last, phone),
                sampled_at=now - timedelta(days=1),
                source="form",
                now=now - timedelta(hours=hours),
            ).index_case
            for first, last, phone, hours in (
                ("Paul", "Premier", ANSWERS, 3),
                ("Nina", "Seconde", RINGS_OUT, 2),
            )
        ]

    def screenshot(self, page, name: str, **options) -> None:
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), **options)

    def record_reached(self, page) -> None:
        # An index case reached: the interview, with no symptom and no contact named.
        page.click("input[name=outcome][value=reached]")
        page.click("[data-testid=record-outcome]")
        page.wait_for_selector("[data-testid=next-call]")

    def attempt_of(self, case) -> CallAttempt:
        return CallAttempt.objects.get(task__index_case=case)

    def test_a_reached_the_carrier_never_answered_reaches_the_supervisor(self):
        url = self.start_carrier(
            outcomes_by_number={ANSWERS: "person", RINGS_OUT: "no_answer"}, bill_elapsed=True
        )
        page = self.open_desk("agent93", width=1440)
        state = page.locator("[data-testid=carrier-state]")

        # 1. Paul answers: the card follows the carrier, the agent never clicks « Answered ».
        self.take_and_dial(page)
        expect(page.locator("#card-name")).to_contain_text("Paul")
        page.wait_for_selector("[data-testid=carrier-state][data-carrier-state=ringing]")
        expect(state).to_contain_text("Ringing")
        self.screenshot(page, "chain-desk-ringing")
        page.wait_for_selector(
            "[data-testid=carrier-state][data-carrier-state=answered]", timeout=15_000
        )
        expect(state).to_contain_text("Answered at")
        self.assertFalse(page.locator("#connected").is_visible())
        self.screenshot(page, "chain-desk-answered")
        self.record_reached(page)
        honest = self.attempt_of(self.cases[0])
        self.assertEqual(honest.outcome, CallAttempt.Outcome.REACHED)
        self.assertEqual(honest.connected_source, Assignment.ConnectedSource.CARRIER)

        # 2. Nina's phone rings out; the agent records « reached » all the same.
        self.take_and_dial(page)
        expect(page.locator("#card-name")).to_contain_text("Nina")
        page.wait_for_selector(
            "[data-testid=carrier-state][data-carrier-state=completed]", timeout=15_000
        )
        expect(state).to_contain_text("No answer")
        self.screenshot(page, "chain-desk-no-answer")
        self.record_reached(page)
        cheat = self.attempt_of(self.cases[1])
        self.assertEqual(cheat.outcome, CallAttempt.Outcome.REACHED)
        self.assertIsNone(cheat.connected_at)
        self.assertEqual(self.errors, [])

        # Every event delivered (Paul's call ends after his outcome), the carrier's record whole.
        wait_for(lambda: all_delivered(url, [honest.carrier_call_id, cheat.carrier_call_id]))
        calls = {
            c.carrier_call_id: c
            for c in CarrierCall.objects.filter(
                carrier_call_id__in=[honest.carrier_call_id, cheat.carrier_call_id]
            )
        }
        self.assertEqual(calls[honest.carrier_call_id].answered_by, CarrierCall.AnsweredBy.PERSON)
        self.assertEqual(calls[cheat.carrier_call_id].final_status, "no_answer")

        # 3. The reconciliation: nothing judged inside the grace period, then the one finding.
        self.assertEqual(reconcile(now=timezone.now()), 0)
        later = timezone.now() + timedelta(minutes=settings.INTEGRITY_CARRIER_GRACE_MINUTES + 1)
        self.assertEqual(reconcile(now=later), 1)
        self.assertFalse(Finding.objects.filter(attempt=honest).exists())
        finding = Finding.objects.get(attempt=cheat)
        self.assertEqual(
            (finding.kind, finding.agent_id), (Finding.Kind.NO_CARRIER_ANSWER, self.agent.pk)
        )

        # 4. The supervisor of the territory: the finding on the agent, down to the carrier.
        boss = self.new_page(width=1440)
        boss.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": self.live_server_url}]
        )
        self.log_in(boss, "super93", PASSWORD)
        boss.goto(f"{self.live_server_url}/integrity/")
        rows = boss.get_by_test_id("finding-row")
        expect(rows).to_have_count(1)
        row = rows.first
        expect(row).to_have_attribute("data-kind", Finding.Kind.NO_CARRIER_ANSWER)
        expect(row).to_have_attribute("data-agent", "agent93")
        expect(row).to_contain_text("without a carrier answer")
        expect(boss.locator("[data-testid=agent-row][data-agent=agent93]")).to_contain_text("1")
        self.screenshot(boss, "chain-integrity", full_page=True)

        row.get_by_test_id("finding-detail-link").click()
        boss.wait_for_load_state()
        expect(boss.get_by_test_id("attempt-outcome")).to_have_text("Reached")
        expect(boss.get_by_test_id("attempt-number")).to_have_text("06 98 76 54 32")
        events = boss.get_by_test_id("carrier-event")
        expect(events).to_have_count(3)
        self.assertEqual(
            [events.nth(n).get_attribute("data-type") for n in range(3)],
            ["initiated", "ringing", "completed"],
        )
        self.screenshot(boss, "chain-drilldown", full_page=True)
