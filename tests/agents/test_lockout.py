"""A locked-out login answers a page in the site's layout that says for how long (429), and the
API's token endpoint a JSON detail (429)."""

from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils.translation import ngettext

from tests.base import PASSWORD, PersonasTestCase

LOGIN = reverse("login")
TOKEN = reverse("api:obtain-token")


def try_again_in(minutes: int) -> str:
    return ngettext(
        "Try again in %(minutes)d minute.", "Try again in %(minutes)d minutes.", minutes
    ) % {"minutes": minutes}


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=timedelta(minutes=15))
class LockoutTests(PersonasTestCase):
    def lock(self, url: str, **extra) -> None:
        for _attempt in range(3):
            self.client.post(url, {"username": "alice", "password": "wrong-password"}, **extra)

    def test_the_login_page_says_it_is_locked_and_for_how_long(self):
        self.lock(LOGIN)
        response = self.client.post(LOGIN, {"username": "alice", "password": PASSWORD})
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "registration/locked_out.html")
        self.assertTemplateUsed(response, "base.html")
        self.assertContains(response, try_again_in(15), status_code=429)
        self.assertContains(response, reverse("password_reset"), status_code=429)
        self.assertEqual(response["Retry-After"], "900")
        self.assertNotIn("_auth_user_id", self.client.session)

    @override_settings(AXES_COOLOFF_TIME=timedelta(hours=1))
    def test_it_counts_the_configured_cooloff(self):
        self.lock(LOGIN)
        response = self.client.post(LOGIN, {"username": "alice", "password": PASSWORD})
        self.assertContains(response, try_again_in(60), status_code=429)

    def test_the_token_endpoint_answers_json(self):
        self.lock(TOKEN, content_type="application/json")
        response = self.client.post(
            TOKEN, {"username": "alice", "password": PASSWORD}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response["Content-Type"], "application/json")
        body = response.json()
        self.assertEqual(body["code"], "locked_out")
        self.assertEqual(body["retry_after_minutes"], 15)
        self.assertIn(try_again_in(15), body["detail"])
