from datetime import time

from agents.models import Territory
from tests.api.base import ApiTestCase

BOUCHES_DU_RHONE = {"code": "13", "name": "CPAM des Bouches-du-Rhône", "timezone": "Europe/Paris"}


class CreateTerritoryTests(ApiTestCase):
    url_name = "api:create-territory"

    def test_it_creates_a_territory(self):
        response = self.post(BOUCHES_DU_RHONE, user=self.root)
        self.assertEqual(response.status_code, 201)
        territory = Territory.objects.get(code="13")
        self.assertEqual(territory.name, "CPAM des Bouches-du-Rhône")
        self.assertEqual(territory.timezone, "Europe/Paris")
        self.assertEqual(territory.phone_region, "FR")
        self.assertEqual(
            (territory.calling_hours_start, territory.calling_hours_end), (time(8, 30), time(19, 0))
        )
        self.assertEqual(
            response.json(),
            {
                "id": territory.pk,
                "code": "13",
                "name": "CPAM des Bouches-du-Rhône",
                "timezone": "Europe/Paris",
                "phone_region": "FR",
                "calling_hours_start": "08:30:00",
                "calling_hours_end": "19:00:00",
            },
        )

    def test_it_takes_the_phone_region_and_calling_hours(self):
        data = {
            "code": "971",
            "name": "CGSS de la Guadeloupe",
            "timezone": "America/Guadeloupe",
            "phone_region": "gp",
            "calling_hours_start": "09:00",
            "calling_hours_end": "18:00",
        }
        response = self.post(data, user=self.root, session=True)
        self.assertEqual(response.status_code, 201)
        territory = Territory.objects.get(code="971")
        self.assertEqual(territory.phone_region, "GP")
        self.assertEqual(
            (territory.calling_hours_start, territory.calling_hours_end), (time(9), time(18))
        )

    def test_it_refuses_an_unknown_time_zone(self):
        response = self.post({**BOUCHES_DU_RHONE, "timezone": "Europe/Marseille"}, user=self.root)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["timezone"])
        self.assertFalse(Territory.objects.filter(code="13").exists())

    def test_it_refuses_a_duplicate_code(self):
        response = self.post({**BOUCHES_DU_RHONE, "code": "93"}, user=self.root)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["code"])
        self.assertEqual(Territory.objects.filter(code="93").count(), 1)

    def test_it_refuses_a_code_that_is_no_departement(self):
        response = self.post({**BOUCHES_DU_RHONE, "code": "X1"}, user=self.root)
        self.assertEqual(response.status_code, 400)
        self.assertIn("code", response.json())

    def test_it_refuses_calling_hours_that_end_before_they_start(self):
        data = {**BOUCHES_DU_RHONE, "calling_hours_start": "19:00", "calling_hours_end": "08:00"}
        response = self.post(data, user=self.root)
        self.assertEqual(response.status_code, 400)
        self.assertIn("calling_hours_end", response.json())

    def test_it_refuses_an_unknown_phone_region(self):
        response = self.post({**BOUCHES_DU_RHONE, "phone_region": "ZZ"}, user=self.root)
        self.assertEqual(response.status_code, 400)
        self.assertIn("phone_region", response.json())

    def test_it_asks_anonymous_callers_to_authenticate(self):
        response = self.post(BOUCHES_DU_RHONE)
        self.assertEqual(response.status_code, 401)
        self.assertFalse(Territory.objects.filter(code="13").exists())

    def test_it_is_for_superusers_only(self):
        for user in (self.carol, self.dave, self.bob, self.alice, self.labfeed):
            with self.subTest(user=user.username):
                response = self.post(BOUCHES_DU_RHONE, user=user)
                self.assertEqual(response.status_code, 403)
        self.assertFalse(Territory.objects.filter(code="13").exists())

    def test_it_refuses_other_methods(self):
        self.as_token(self.root)
        self.assertEqual(self.api.get(self.url).status_code, 405)
        self.assertEqual(self.api.put(self.url, BOUCHES_DU_RHONE, format="json").status_code, 405)
