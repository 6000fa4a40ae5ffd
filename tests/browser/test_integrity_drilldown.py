"""The drill-down of a reconciliation finding in a browser: from the integrity page to the
attempt, the carrier's call and its events."""

import os
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Territory
from calls.models import CallAttempt, CallTask, CarrierCall, CarrierEvent
from cases.models import Person
from integrity.models import Finding
from integrity.reconciliation import reconcile
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")


class IntegrityDrillDownBrowserTests(BrowserTestCase):
    def setUp(self):
        territory = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        agent = make_user("agent93", roles.TELECONSEILLER, territory=territory).agent
        make_user("super93", roles.SUPERVISEUR, territory=territory)
        person = Person.objects.create(
            territory=territory, first_name="Ana", last_name="Martin", language_id="fr"
        )
        task = CallTask.objects.create(
            person=person,
            reason=CallTask.Reason.FOLLOW_UP,
            territory=territory,
            language_id="fr",
            deadline_at=timezone.now() + timedelta(days=1),
        )
        at = timezone.now() - timedelta(hours=3)
        CallAttempt.objects.create(
            task=task,
            agent=agent,
            phone="+33612345678",
            started_at=at,
            connected_at=at + timedelta(seconds=10),
            ended_at=at + timedelta(seconds=250),
            outcome=CallAttempt.Outcome.REACHED,
            notes="<b>Said she was isolated</b>",
            carrier="sim",
            carrier_call_id="sim-1",
            connected_source="agent",
        )
        call = CarrierCall.objects.create(
            carrier="sim",
            carrier_call_id="sim-1",
            number="+33612345678",
            state="completed",
            started_at=at,
            ended_at=at + timedelta(seconds=30),
            billed_seconds=0,
            final_status="no_answer",
        )
        for n, kind in enumerate(("initiated", "ringing", "completed")):
            CarrierEvent.objects.create(
                carrier="sim",
                event_id=f"sim-1:{kind}",
                call=call,
                type=kind,
                occurred_at=at + timedelta(seconds=15 * n),
                payload={"billed_seconds": 0} if kind == "completed" else {},
            )
        reconcile(now=timezone.now())

    def test_a_supervisor_opens_a_finding_and_sees_the_carriers_events(self):
        page = self.new_page(width=1440)
        self.log_in(page, "super93", PASSWORD)
        page.goto(f"{self.live_server_url}/integrity/?kind=no_carrier_answer")
        row = page.get_by_test_id("finding-row")
        expect(row).to_have_count(1)
        row.get_by_test_id("finding-detail-link").click()
        page.wait_for_load_state()
        expect(page.get_by_test_id("carrier-event")).to_have_count(3)
        expect(page.get_by_test_id("attempt-number")).to_have_text("06 12 34 56 78")
        expect(page.get_by_test_id("attempt-notes")).to_have_text("<b>Said she was isolated</b>")
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, "drilldown.png"), full_page=True)
        self.assertEqual(Finding.objects.filter(kind=Finding.Kind.NO_CARRIER_ANSWER).count(), 1)
