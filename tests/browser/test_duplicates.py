"""A CPAM admin reviews a possible duplicate found after two intakes, and merges it."""

import os
from datetime import date
from pathlib import Path

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Language, Territory
from calls.models import CallTask
from cases.models import DuplicateCandidate, PersonMerge
from cases.services import ContactData, PersonData
from intake.services import register_index_case
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/duplicates"))


def someone(first, last, phone, born=None):
    return PersonData(
        first_name=first,
        last_name=last,
        phones=[phone],
        language=Language.objects.get(code="fr"),
        birth_date=born,
    )


class DuplicatesBrowserTests(BrowserTestCase):
    def setUp(self):
        # The cache outlives each test's flush (Redis in CI): nothing read from it may come from
        # an earlier test's rows.
        cache.clear()
        self.territory, _ = Territory.objects.get_or_create(
            code="93",
            defaults={"name": "CPAM de la Seine-Saint-Denis", "timezone": "Europe/Paris"},
        )
        make_user("dupadmin93", roles.ADMIN_CPAM, territory=self.territory)
        born = date(1990, 1, 15)
        now = timezone.now()
        for index, contact in [
            (
                someone("Paul", "Martin", "+33612345678"),
                someone("Mohamed", "Ouafi", "+33611111111", born),
            ),
            (
                someone("Awa", "Diallo", "+33698765432"),
                someone("Muhammad", "Ouafi", "+33622222222", born),
            ),
        ]:
            register_index_case(
                territory=self.territory,
                person=index,
                sampled_at=now,
                source="form",
                now=now,
                contacts=[
                    ContactData(
                        person=contact, exposure_type="close", last_exposure_date=now.date()
                    )
                ],
            )
        # Found by the search run after each intake committed (eager in tests).
        self.pair = DuplicateCandidate.objects.select_related("person_a", "person_b").get(
            person_a__territory=self.territory
        )

    def shoot(self, page, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)

    def test_an_admin_reviews_and_merges_the_suggested_pair(self):
        self.assertEqual(
            {self.pair.person_a.first_name, self.pair.person_b.first_name},
            {"Mohamed", "Muhammad"},
        )
        phone = self.new_page(width=390)
        self.log_in(phone, "dupadmin93", PASSWORD)
        phone.goto(f"{self.live_server_url}{reverse('intake:duplicate-list')}")
        self.shoot(phone, "duplicate-list-390.png")
        phone.goto(
            f"{self.live_server_url}{reverse('intake:duplicate-detail', args=[self.pair.pk])}"
        )
        self.shoot(phone, "duplicate-pair-390.png")

        page = self.new_page(width=1440)
        self.log_in(page, "dupadmin93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('intake:duplicate-list')}")
        card = page.locator(f"[data-testid=duplicate-pair]:has([data-testid=pair-{self.pair.pk}])")
        self.assertIn("Même date de naissance", card.inner_text())
        self.assertIn("MOHAMED", card.inner_text().upper())
        self.shoot(page, "duplicate-list-1440.png")

        card.locator("[data-testid=review-pair]").click()
        page.wait_for_load_state()
        self.shoot(page, "duplicate-pair-1440.png")
        keep = "a" if self.pair.person_a.first_name == "Mohamed" else "b"
        page.locator(f"[data-testid=survivor-{keep}]").check()
        page.locator("[data-testid=merge]").click()
        page.wait_for_load_state()

        self.assertIn("a été fusionné(e) avec", page.locator("main").inner_text())
        self.assertIn("Fusionnées", page.locator("[data-testid=pair-status]").inner_text())
        self.assertIn("Mohamed", page.locator("[data-testid=merge-survivor]").inner_text())
        self.shoot(page, "duplicate-merged-1440.png")
        merge = PersonMerge.objects.get()
        self.assertEqual(merge.survivor.first_name, "Mohamed")
        open_calls = CallTask.objects.open().filter(
            person=merge.survivor, reason=CallTask.Reason.CONTACT_NOTIFICATION
        )
        self.assertEqual(open_calls.count(), 1)
        page.goto(f"{self.live_server_url}{reverse('intake:duplicate-list')}")
        self.assertEqual(page.locator(f"[data-testid=pair-{self.pair.pk}]").count(), 0)
