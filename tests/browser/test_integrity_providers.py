import os
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Agent, Territory
from integrity.invoice_models import ProviderInvoice
from integrity.models import Finding
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")
ACME = "Acme Appels"
BETA = "Beta Contact"
DELTA = "Delta Relation"


class IntegrityProvidersBrowserTests(BrowserTestCase):
    """93 has in-house agents and two providers (Acme, with an invoice, and Beta); 75 has Delta."""

    def setUp(self):
        t93 = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        t75 = Territory.objects.create(code="75", name="CPAM de Paris", timezone="Europe/Paris")
        provider = Agent.Employer.PROVIDER
        agents = {
            "lina": make_user("lina", roles.TELECONSEILLER, territory=t93),
            "omar": make_user("omar", roles.TELECONSEILLER, territory=t93),
            "pat": make_user(
                "pat", roles.TELECONSEILLER, territory=t93, employer=provider, provider_name=ACME
            ),
            "quinn": make_user(
                "quinn", roles.TELECONSEILLER, territory=t93, employer=provider, provider_name=ACME
            ),
            "ravi": make_user(
                "ravi", roles.TELECONSEILLER, territory=t93, employer=provider, provider_name=BETA
            ),
            "tom": make_user(
                "tom", roles.TELECONSEILLER, territory=t75, employer=provider, provider_name=DELTA
            ),
        }
        admin = make_user("admin93", roles.ADMIN_CPAM, territory=t93)
        make_user("super75", roles.SUPERVISEUR, territory=t75)
        today = timezone.localdate()
        for n, (name, kind) in enumerate(
            [
                ("lina", Finding.Kind.LOW_OUTPUT),
                ("pat", Finding.Kind.LOW_OUTPUT),
                ("pat", Finding.Kind.NO_CARRIER_RECORD),
                ("quinn", Finding.Kind.UNPROVEN_CALL),
                ("ravi", Finding.Kind.LOW_OUTPUT),
                ("tom", Finding.Kind.LOW_OUTPUT),
            ]
        ):
            agent = agents[name].agent
            Finding.objects.create(
                territory=agent.territory,
                agent=agent,
                day=today - timedelta(days=1 + n),
                kind=kind,
                evidence={"connected_calls": 3, "floor": 10, "logged_in_seconds": 25200},
                detected_at=timezone.now(),
            )
        ProviderInvoice.objects.create(
            territory=t93,
            provider=ACME,
            month=today.replace(day=1),
            uploaded_by=admin,
            uploaded_at=timezone.now(),
            file_name="acme.csv",
            billed_hours=Decimal("140"),
            billed_calls=600,
            line_count=20,
        )

    def screenshot(self, page, name: str) -> None:
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)

    def test_a_cpam_admin_filters_by_provider_and_opens_its_invoices(self):
        page = self.new_page(width=1440)
        self.log_in(page, "admin93", PASSWORD)
        page.goto(f"{self.live_server_url}/integrity/")
        rows = page.get_by_test_id("employer-row")
        expect(rows).to_have_count(3)
        acme = page.locator(f'[data-testid=employer-row][data-employer="provider:{ACME}"]')
        expect(acme.get_by_test_id("agents")).to_have_text("2")
        expect(acme.get_by_test_id("agents-with-findings")).to_have_text("2")
        expect(acme.get_by_test_id("open")).to_contain_text("3")
        expect(page.get_by_test_id("findings-by-employer")).not_to_contain_text(DELTA)
        self.screenshot(page, "integrity-providers-1440")
        # The filter lists the territory's providers; choosing one narrows every table.
        page.select_option("select[name=employer]", f"provider:{ACME}")
        page.locator("[data-testid=finding-filters] button[type=submit]").click()
        page.wait_for_load_state()
        findings = page.get_by_test_id("finding-row")
        expect(findings).to_have_count(3)
        for agent in findings.evaluate_all("rows => rows.map(r => r.dataset.agent)"):
            self.assertIn(agent, {"pat", "quinn"})
        expect(acme).to_have_attribute("aria-current", "true")
        self.screenshot(page, "integrity-providers-acme-1440")
        # The CSV link carries the filter.
        href = page.get_by_test_id("csv-link").get_attribute("href") or ""
        self.assertIn("employer=provider%3AAcme", href)
        acme.get_by_test_id("provider-invoices-link").click()
        page.wait_for_load_state()
        expect(page.get_by_test_id("invoice-row")).to_have_count(1)
        expect(page.get_by_test_id("invoice-provider-filter")).to_contain_text(ACME)

    def test_the_table_fits_a_phone_and_75_sees_its_provider_only(self):
        page = self.new_page(width=390)
        self.log_in(page, "super75", PASSWORD)
        page.goto(f"{self.live_server_url}/integrity/")
        rows = page.get_by_test_id("employer-row")
        expect(rows).to_have_count(2)
        expect(page.get_by_test_id("findings-by-employer")).to_contain_text(DELTA)
        expect(page.get_by_test_id("findings-by-employer")).not_to_contain_text(ACME)
        # No invoices column for a supervisor; the page does not scroll sideways.
        expect(page.get_by_test_id("provider-invoices-link")).to_have_count(0)
        width = page.evaluate("document.documentElement.scrollWidth")
        self.assertLessEqual(width, 390)
        self.screenshot(page, "integrity-providers-390")
        page.locator(f'[data-employer="provider:{DELTA}"] [data-testid=employer-link]').click()
        page.wait_for_load_state()
        expect(page.get_by_test_id("finding-row")).to_have_count(1)

    def test_the_in_house_row_on_a_phone_for_the_admin(self):
        page = self.new_page(width=390)
        self.log_in(page, "admin93", PASSWORD)
        page.goto(f"{self.live_server_url}/integrity/")
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), 390)
        self.screenshot(page, "integrity-providers-admin-390")
        page.locator('[data-employer="in_house"] [data-testid=employer-link]').click()
        page.wait_for_load_state()
        expect(page.get_by_test_id("finding-row")).to_have_count(1)
        expect(page.get_by_test_id("finding-row")).to_have_attribute("data-agent", "lina")
