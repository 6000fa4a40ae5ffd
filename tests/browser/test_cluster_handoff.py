"""A cluster in a browser: the CPAM admin hands the nursing home's cluster off to the ARS, and
the ARS officer takes it under investigation."""

import os
from datetime import timedelta
from pathlib import Path

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Language, Region, Territory
from agents.services.staff import create_ars_officer, set_ars_email
from cases.clusters import detect_clusters
from cases.models import Cluster
from cases.places import PlaceData
from cases.services import ContactData, PersonData
from intake.services import register_index_case
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/clusters"))
EHPAD = PlaceData(
    name="EHPAD Les Tilleuls", type="nursing_home", address="12 rue des Tilleuls", postcode="93200"
)


class ClusterHandoffBrowserTests(BrowserTestCase):
    def setUp(self):
        idf = set_ars_email(region=Region.objects.get(code="11"), email="ars@example.org")
        self.t93 = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris", region=idf
        )
        make_user("admin93", roles.ADMIN_CPAM, territory=self.t93)
        create_ars_officer(
            username="ars-idf",
            password=PASSWORD,
            first_name="Claire",
            last_name="Dubois",
            region=idf,
        )
        french = Language.objects.get(code="fr")
        now = timezone.now()
        for n, (first, last) in enumerate([("Odette", "Lemaire"), ("Marcel", "Guérin")]):
            register_index_case(
                territory=self.t93,
                person=PersonData(
                    first_name=first, last_name=last, phones=[f"+3375842000{n}"], language=french
                ),
                sampled_at=now - timedelta(days=1),
                source="lab",
                now=now,
                contacts=[
                    ContactData(
                        person=PersonData(
                            first_name="Suzanne",
                            last_name=f"Perrin{n}",
                            phones=[f"+3375842010{n}"],
                            language=french,
                        ),
                        exposure_type="co_exposed",
                        last_exposure_date=timezone.localdate() - timedelta(days=n),
                        place=EHPAD,
                    )
                ],
            )
        detect_clusters(now=now)
        self.cluster = Cluster.objects.get()

    def shoot(self, page, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)

    def test_the_cpam_hands_off_and_the_ars_takes_it(self):
        page = self.new_page(locale="fr-FR", width=1440)
        self.log_in(page, "admin93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('supervision:clusters')}")
        row = page.locator("[data-testid=cluster-row]")
        self.assertEqual(row.count(), 1)
        self.assertEqual(row.get_attribute("data-status"), "detected")
        self.shoot(page, "clusters-1440.png")
        row.locator("a").click()
        page.wait_for_load_state()
        self.assertEqual(page.locator("[data-testid=cluster-case]").count(), 2)
        self.shoot(page, "cluster-detail-1440.png")
        page.locator("[data-testid=hand-off]").click()
        page.wait_for_load_state()
        self.assertEqual(
            page.locator("[data-testid=cluster-status]").get_attribute("data-status"),
            "handed_off",
        )
        self.assertEqual(
            page.locator("[data-testid=handoff-state]").get_attribute("data-status"), "sent"
        )
        self.shoot(page, "cluster-handed-off-1440.png")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].attachments[0][0], f"cluster-{self.cluster.pk}.json")

        page = self.new_page(locale="fr-FR", width=1440)
        self.log_in(page, "ars-idf", PASSWORD)
        # The ARS lands on its clusters.
        self.assertTrue(page.url.endswith(reverse("supervision:clusters")), page.url)
        page.locator("[data-testid=cluster-row] a").click()
        page.wait_for_load_state()
        self.shoot(page, "cluster-ars-1440.png")
        page.locator("[data-testid=take]").click()
        page.wait_for_load_state()
        self.assertEqual(
            page.locator("[data-testid=cluster-status]").get_attribute("data-status"),
            "under_investigation",
        )
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.taken_by.username, "ars-idf")
        self.shoot(page, "cluster-taken-1440.png")
