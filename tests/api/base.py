"""Helpers for the API v1 tests: a JSON client speaking English, by token or by session."""

from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.base import PersonasTestCase


class ApiTestCase(PersonasTestCase):
    url_name = ""

    def setUp(self):
        # English, so that error messages are stable whatever translations the project ships.
        self.api = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def as_token(self, user) -> APIClient:
        token, _ = Token.objects.get_or_create(user=user)
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return self.api

    def as_session(self, user) -> APIClient:
        self.api.force_login(user)
        return self.api

    def post(self, data, *, user=None, session: bool = False):
        if user is not None:
            (self.as_session if session else self.as_token)(user)
        return self.api.post(self.url, data, format="json")
