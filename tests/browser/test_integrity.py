import os
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Territory
from integrity.models import Finding
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")


class IntegrityBrowserTests(BrowserTestCase):
    def setUp(self):
        territory = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        agent = make_user("agent93", roles.TELECONSEILLER, territory=territory).agent
        make_user("super93", roles.SUPERVISEUR, territory=territory)
        today = timezone.localdate()
        Finding.objects.create(
            territory=territory,
            agent=agent,
            day=today - timedelta(days=1),
            kind=Finding.Kind.LOW_OUTPUT,
            evidence={"connected_calls": 6, "floor": 10, "logged_in_seconds": 7 * 3600, "calls": 9},
            detected_at=timezone.now(),
        )

    def screenshot(self, page, name: str) -> None:
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)

    def test_a_supervisor_finds_the_page_in_the_menu_and_acknowledges_a_finding(self):
        page = self.new_page(width=1440)
        self.log_in(page, "super93", PASSWORD)
        page.get_by_test_id("nav-menu-reports").locator("summary").click()
        page.get_by_test_id("nav-integrity").click()
        row = page.get_by_test_id("finding-row")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("6")
        self.screenshot(page, "integrity")
        row.locator("input[name=note]").fill("Talked with the agent: a training day")
        row.get_by_test_id("acknowledge").click()
        page.wait_for_load_state()
        expect(page.get_by_test_id("finding-row")).to_have_count(0)
        self.assertEqual(Finding.objects.get().note, "Talked with the agent: a training day")
