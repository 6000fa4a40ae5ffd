"""NUL bytes and lone surrogates are refused by field (400), never a 500."""

import json

from django.urls import reverse
from rest_framework.authtoken.models import Token

from cases.models import IndexCase
from tests.api.base import ApiTestCase
from tests.intake.test_date_bounds import api_contact, api_intake
from tests.intake.test_intake_form import URL, a_contact, intake_data

BAD_TEXTS = ("Pa\x00ul", "Pa\ud800ul")


class ApiTextBoundsTests(ApiTestCase):
    url_name = "api:register-index-case"

    def post(self, data, *, user=None, session: bool = False):
        # json.dumps escapes a lone surrogate as \\ud800, as a client's JSON would.
        if user is not None:
            self.as_token(user)
        return self.api.post(self.url, json.dumps(data), content_type="application/json")

    def test_it_refuses_nul_and_lone_surrogates_in_every_text_field(self):
        for bad in BAD_TEXTS:
            for field in ("first_name", "last_name", "phone", "language", "external_ref"):
                with self.subTest(field=field, text=repr(bad)):
                    response = self.post(api_intake(**{field: bad}), user=self.carol)
                    self.assertEqual(response.status_code, 400)
                    self.assertEqual(list(response.json()), [field])
            for field in ("first_name", "phone", "exposure_type", "last_exposure_date"):
                with self.subTest(field=f"contacts.{field}", text=repr(bad)):
                    data = api_intake(contact=api_contact(**{field: bad}))
                    response = self.post(data, user=self.carol)
                    self.assertEqual(response.status_code, 400)
                    self.assertEqual(list(response.json()["contacts"][0]), [field])
        self.assertFalse(IndexCase.objects.exists())

    def test_it_refuses_them_in_the_token_credentials_of_anyone(self):
        for bad in BAD_TEXTS:
            with self.subTest(text=repr(bad)):
                response = self.api.post(
                    reverse("api:obtain-token"),
                    json.dumps({"username": bad, "password": bad}),
                    content_type="application/json",
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn("username", response.json())
        self.assertFalse(Token.objects.exists())


class FormTextBoundsTests(ApiTestCase):
    def test_it_refuses_a_nul_in_the_form(self):
        self.client.force_login(self.carol)
        for field in ("first_name", "last_name", "phone", "external_ref"):
            with self.subTest(field=field):
                data = intake_data(a_contact("Ana", "0611111111"), **{field: "Pa\x00ul"})
                response = self.client.post(URL, data)
                self.assertEqual(response.status_code, 200)
                self.assertIn(field, response.context["form"].errors)
        data = intake_data(a_contact("An\x00a", "0611111111"))
        response = self.client.post(URL, data)
        self.assertIn("first_name", response.context["formset"].forms[0].errors)
        self.assertFalse(IndexCase.objects.exists())


class FormBodyBoundsTests(ApiTestCase):
    def test_it_refuses_a_form_post_over_the_limit(self):
        self.client.force_login(self.carol)
        data = intake_data(a_contact("Ana", "0611111111"), external_ref="x" * (2 * 1024 * 1024))
        response = self.client.post(URL, data)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(IndexCase.objects.exists())
