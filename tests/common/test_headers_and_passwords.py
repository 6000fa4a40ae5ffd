"""Issue 12 part 9: no-store on personal answers; French common passwords refused."""

from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.base import PASSWORD, PersonasTestCase


class NoStoreTests(PersonasTestCase):
    def assertNoStore(self, response) -> None:
        self.assertIn("no-store", response["Cache-Control"])
        self.assertIn("private", response["Cache-Control"])

    def test_a_page_is_not_stored(self):
        self.client.force_login(self.alice)
        response = self.client.get(reverse("agents:home"))
        self.assertEqual(response.status_code, 200)
        self.assertNoStore(response)

    def test_an_api_answer_is_not_stored(self):
        token = Token.objects.create(user=self.root)
        response = self.client.post(
            reverse("api:create-territory"),
            {"code": "13", "name": "CPAM des Bouches-du-Rhône", "timezone": "Europe/Paris"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token.key}",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertNoStore(response)

    def test_an_api_refusal_is_not_stored_either(self):
        response = self.client.post(reverse("api:create-territory"), {})
        self.assertEqual(response.status_code, 401)
        self.assertNoStore(response)

    def test_a_csv_export_is_not_stored(self):
        self.client.force_login(self.bob)
        response = self.client.get(reverse("supervision:sla-report-csv"))
        self.assertEqual(response.status_code, 200)
        self.assertNoStore(response)


class FrenchPasswordTests(PersonasTestCase):
    def change_to(self, password: str):
        self.client.force_login(self.bob)
        return self.client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
        )

    def test_it_refuses_the_published_demo_password(self):
        response = self.change_to("demo-Tracing-2026")
        self.assertEqual(response.status_code, 200)
        self.assertIn("new_password2", response.context["form"].errors)
        self.bob.refresh_from_db()
        self.assertTrue(self.bob.check_password(PASSWORD))

    def test_it_refuses_a_common_french_password(self):
        for password in ("azerty123", "Motdepasse2026!", "soleil12345"):
            with self.subTest(password=password):
                response = self.change_to(password)
                self.assertEqual(response.status_code, 200)
                self.assertIn("new_password2", response.context["form"].errors)

    def test_it_accepts_an_uncommon_password(self):
        response = self.change_to("Another-Secret-77")
        self.assertEqual(response.status_code, 302)
