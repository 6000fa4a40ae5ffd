"""Issue 12 part 5: API tokens expire and are revoked when the user's session ends."""

import re
from datetime import UTC, date, datetime, timedelta

from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from supervision.services.actions import log_out_agent
from tests.api.base import ApiTestCase
from tests.base import PASSWORD
from workforce.models.contracts import Contract
from workforce.services.contracts import (
    add_contract,
    end_expired_contracts,
    open_started_contracts,
)

NEW_PASSWORD = "Another-Secret-77"


class TokenLifeTests(ApiTestCase):
    url_name = "api:obtain-token"

    def obtain(self, username: str = "alice", password: str = PASSWORD) -> str:
        response = self.post({"username": username, "password": password})
        self.assertEqual(response.status_code, 200)
        return response.json()["token"]

    def assertTokenWorks(self, key: str, works: bool = True) -> None:
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        # A superuser's endpoint: an authenticated agent is refused for their role (403), an
        # unknown token for itself (401).
        status = self.api.get(reverse("api:create-territory")).status_code
        self.api.credentials()
        if works:
            self.assertEqual(status, 403)
        else:
            self.assertEqual(status, 401)

    def test_it_refuses_and_deletes_a_token_older_than_a_working_day(self):
        key = self.obtain()
        self.assertTokenWorks(key)
        Token.objects.filter(key=key).update(
            created=timezone.now() - timedelta(hours=10, minutes=1)
        )
        self.assertTokenWorks(key, works=False)
        self.assertFalse(Token.objects.filter(key=key).exists())

    @override_settings(API_TOKEN_HOURS=2)
    def test_the_lifetime_is_a_setting(self):
        key = self.obtain()
        Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=3))
        self.assertTokenWorks(key, works=False)

    def test_obtaining_again_gives_a_fresh_token_when_the_old_one_expired(self):
        key = self.obtain()
        Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=11))
        fresh = self.obtain()
        self.assertNotEqual(fresh, key)
        self.assertTokenWorks(fresh)

    def test_logout_revokes_the_token(self):
        key = self.obtain()
        self.client.force_login(self.alice)
        self.client.post(reverse("logout"))
        self.assertTokenWorks(key, works=False)

    def test_logging_out_of_the_admin_site_revokes_the_token_too(self):
        key = self.obtain("carol")
        self.assertTokenWorks(key)
        self.client.force_login(self.carol)
        response = self.client.post(reverse("admin:logout"))
        self.assertEqual(response.status_code, 302)
        self.assertTokenWorks(key, works=False)

    def test_a_forced_logout_revokes_the_token(self):
        key = self.obtain()
        log_out_agent(actor=self.bob, agent=self.alice.agent, now=timezone.now())
        self.assertTokenWorks(key, works=False)

    def test_a_password_change_revokes_the_token(self):
        key = self.obtain()
        self.client.force_login(self.alice)
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertTokenWorks(key, works=False)

    def test_a_password_reset_revokes_the_token(self):
        self.alice.email = "alice@example.org"
        self.alice.save(update_fields=["email"])
        key = self.obtain()
        self.client.post(reverse("password_reset"), {"email": "alice@example.org"})
        link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
        form_page = self.client.get(link, follow=True)
        response = self.client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        self.assertEqual(response.status_code, 302)
        self.assertTokenWorks(key, works=False)

    def test_the_end_of_the_contract_revokes_the_token_and_a_re_hire_gets_a_new_one(self):
        key = self.obtain()
        # alice's contract ends on 31 March 2027.
        end_expired_contracts(now=datetime(2027, 4, 2, 10, 0, tzinfo=UTC))
        self.alice.refresh_from_db()
        self.assertFalse(self.alice.is_active)
        self.assertFalse(Token.objects.filter(key=key).exists())
        add_contract(
            agent=self.alice.agent,
            kind=Contract.Kind.CDD,
            start_on=date(2027, 5, 3),
            end_on=date(2027, 8, 31),
        )
        open_started_contracts(now=datetime(2027, 5, 3, 8, 0, tzinfo=UTC))
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)
        self.assertTokenWorks(key, works=False)
        self.assertNotEqual(self.obtain(), key)


class LockoutTests(ApiTestCase):
    url_name = "api:obtain-token"

    def attempt(self, password: str, address: str, forwarded: str | None = None):
        extra = {"REMOTE_ADDR": address}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        return self.api.post(
            self.url, {"username": "alice", "password": password}, format="json", **extra
        )

    @override_settings(AXES_FAILURE_LIMIT=5)
    def test_it_locks_a_username_out_across_ten_addresses(self):
        for n in range(10):
            self.attempt("wrong-password", f"198.51.100.{n + 1}")
        response = self.attempt(PASSWORD, "198.51.100.200")
        self.assertEqual(response.status_code, 429)
        self.assertFalse(Token.objects.exists())

    @override_settings(AXES_FAILURE_LIMIT=5, TRUSTED_PROXY_COUNT=1)
    def test_behind_a_proxy_it_locks_the_client_out_not_the_proxy(self):
        proxy = "10.0.0.1"
        for n in range(5):
            # The client's own claim on the left is ignored; the proxy appended the real address.
            self.api.post(
                self.url,
                {"username": f"nobody{n}", "password": "x"},
                format="json",
                REMOTE_ADDR=proxy,
                HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.7",
            )
        # Another client behind the same proxy still logs in.
        self.assertEqual(self.attempt(PASSWORD, proxy, "203.0.113.8").status_code, 200)
        locked = self.api.post(
            self.url,
            {"username": "bob", "password": PASSWORD},
            format="json",
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
        self.assertEqual(locked.status_code, 429)

    @override_settings(AXES_FAILURE_LIMIT=5, TRUSTED_PROXY_COUNT=0)
    def test_without_a_proxy_the_forwarded_header_is_ignored(self):
        for n in range(5):
            self.api.post(
                self.url,
                {"username": f"nobody{n}", "password": "x"},
                format="json",
                REMOTE_ADDR="203.0.113.9",
                HTTP_X_FORWARDED_FOR=f"1.2.3.{n}",
            )
        self.assertEqual(self.attempt(PASSWORD, "203.0.113.9", "5.6.7.8").status_code, 429)
