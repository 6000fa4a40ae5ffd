"""The staffing planner in the browser (issue 15): a CPAM admin opens the simulator for a surge
day, sees the rota miss the 24-hour promise, adds the planner's proposal to the rota as draft
shifts, and the projection then meets the target."""

from datetime import date, datetime, time, timedelta

from django.urls import reverse
from playwright.sync_api import expect

from agents import roles
from agents.models import Plateau
from agents.services.staff import create_territory
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase
from workforce.models.rota import Shift

DAY = date(2026, 3, 3)


class PlannerBrowserTests(BrowserTestCase):
    def setUp(self):
        territory = create_territory(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        plateau = Plateau.objects.create(territory=territory, name="Saint-Denis")
        make_user("admin93", roles.ADMIN_CPAM, territory=territory)
        staff = [
            make_user(f"tc{n}", roles.TELECONSEILLER, territory=territory, languages=("fr",),
                      plateau=plateau)
            for n in range(14)
        ]  # fmt: skip
        midnight = datetime.combine(DAY, time.min, tzinfo=territory.zone)
        for user in staff[:2]:
            Shift.objects.create(
                agent=user.agent,
                plateau=plateau,
                day=DAY,
                starts_at=midnight + timedelta(hours=9),
                ends_at=midnight + timedelta(hours=17),
            )

    def test_an_admin_plans_a_surge_day_and_the_drafts_meet_the_target(self):
        page = self.new_page(locale="fr-FR", width=1440)
        self.log_in(page, "admin93", PASSWORD)
        page.goto(self.live_server_url + reverse("workforce:staffing"))
        page.get_by_test_id("open-simulator").click()
        page.fill("input[name=day]", DAY.isoformat())
        page.fill("input[name=index_cases]", "20")
        page.fill("input[name=contacts]", "160")
        page.get_by_test_id("simulate").click()
        verdict = page.get_by_test_id("verdict")
        expect(verdict).to_contain_text("manque")
        current = float(
            page.get_by_test_id("current-share").inner_text().split()[0].replace(",", ".")
        )
        self.assertLess(current, 99)
        expect(page.get_by_test_id("plan-share")).to_be_visible()
        page.get_by_test_id("apply-plan").click()
        expect(page.locator(".message--success")).to_contain_text("brouillon")
        expect(page.get_by_test_id("verdict")).to_contain_text("tient")
        after = float(
            page.get_by_test_id("current-share").inner_text().split()[0].replace(",", ".")
        )
        self.assertGreaterEqual(after, 99)
        drafts = Shift.objects.drafts().filter(day=DAY).count()
        self.assertGreater(drafts, 0)
        self.assertEqual(Shift.objects.scheduled().filter(day=DAY).count(), 2)
        expect(page.get_by_test_id("draft-shift")).to_have_count(drafts)
        page.screenshot(path="/tmp/tour/planner-after.png", full_page=True)
        # The admin confirms the drafts: they are on the rota.
        page.get_by_test_id("confirm-drafts").click()
        expect(page.locator(".message--success")).to_contain_text("confirm")
        expect(page.get_by_test_id("draft-shifts")).to_have_count(0)
        self.assertEqual(Shift.objects.scheduled().filter(day=DAY).count(), 2 + drafts)
