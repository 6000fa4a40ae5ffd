"""A doctor declares a patient and two contacts from a phone (issue 16), and sees them queued."""

import os
from datetime import timedelta
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from agents.models import Territory
from cases.models import IndexCase
from tests.base import PASSWORD, make_doctor
from tests.browser.base import BrowserTestCase

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/doctors"))
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1440, "height": 900}


class DoctorDeclarationBrowserTests(BrowserTestCase):
    def setUp(self):
        self.t93 = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        make_doctor("house", "10003456786", self.t93)

    def new_page_sized(self, viewport: dict):
        context = self.browser.new_context(locale="fr-FR", viewport=viewport)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    def shoot(self, page, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)

    def assert_no_horizontal_scroll(self, page, width: int) -> None:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        self.assertLessEqual(scroll_width, width, page.url)

    def fill_contact(self, page, index: int, last_name: str, phone: str, kind: str) -> None:
        prefix = f"#id_contacts-{index}"
        page.fill(f"{prefix}-first_name", "Ana")
        page.fill(f"{prefix}-last_name", last_name)
        page.fill(f"{prefix}-phone", phone)
        page.select_option(f"{prefix}-exposure_type", kind)
        page.fill(f"{prefix}-last_exposure_date", self.days_ago(1))

    @staticmethod
    def days_ago(days: int) -> str:
        return (timezone.localdate() - timedelta(days=days)).isoformat()

    def test_a_doctor_declares_a_patient_and_two_contacts_on_a_phone(self):
        page = self.new_page_sized(PHONE)
        self.log_in(page, "house", PASSWORD)
        # A doctor lands on their patients, with the way to declare one.
        self.assertTrue(page.url.endswith(reverse("intake:declaration-list")))
        self.assert_no_horizontal_scroll(page, 390)
        page.locator("[data-testid=declare-new]").click()
        page.wait_for_load_state()
        self.assert_no_horizontal_scroll(page, 390)

        page.fill("#id_first_name", "Paul")
        page.fill("#id_last_name", "Martin")
        page.fill("#id_birth_date", "1970-05-04")
        page.fill("#id_address", "12 rue de la République")
        page.fill("#id_postcode", "93200")
        page.fill("#id_city", "Saint-Denis")
        page.fill("#id_phone", "06 12 34 56 78")
        page.fill("#id_sampled_on", self.days_ago(1))
        self.fill_contact(page, 0, "Silva", "06 11 11 11 11", "household")
        # The second row comes from the server (htmx), as on the staff's form.
        page.get_by_role("button", name="Ajouter un cas contact").click()
        page.locator("#id_contacts-1-last_name").wait_for()
        self.fill_contact(page, 1, "Yilmaz", "07 81 22 22 22", "close")
        self.assert_no_horizontal_scroll(page, 390)
        self.shoot(page, "declaration-form-390.png")
        with page.expect_navigation():
            page.locator("[data-testid=declare]").click()

        case = IndexCase.objects.get()
        self.assertTrue(page.url.endswith(reverse("intake:declaration-detail", args=[case.pk])))
        self.assertEqual((case.source, case.territory), ("doctor", self.t93))
        self.assertEqual(case.exposures.count(), 2)
        with page.expect_navigation():
            page.locator("[data-testid=nav-declarations]").click()
        self.assertTrue(page.url.endswith(reverse("intake:declaration-list")), page.url)
        self.assertIn("Paul Martin", page.locator("main").inner_text())
        card = page.locator(f"[data-testid=declaration-{case.pk}]")
        text = card.inner_text()
        for name in ("Paul Martin", "Ana Silva", "Ana Yilmaz"):
            self.assertIn(name, text)
        states = card.locator("[data-testid=progress-state]").all_inner_texts()
        self.assertEqual(states, ["En file d'attente"] * 3)
        self.assert_no_horizontal_scroll(page, 390)
        self.shoot(page, "declarations-390.png")

        wide = self.new_page_sized(DESK)
        self.log_in(wide, "house", PASSWORD)
        self.shoot(wide, "declarations-1440.png")
        wide.goto(f"{self.live_server_url}{reverse('intake:declaration-new')}")
        self.shoot(wide, "declaration-form-1440.png")
        self.assert_no_horizontal_scroll(wide, 1440)
