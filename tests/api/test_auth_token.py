from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.base import ApiTestCase
from tests.base import PASSWORD


class ObtainTokenTests(ApiTestCase):
    url_name = "api:obtain-token"

    def test_it_answers_the_users_token(self):
        response = self.post({"username": "alice", "password": PASSWORD})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"token": Token.objects.get(user=self.alice).key})

    def test_it_answers_the_same_token_twice(self):
        first = self.post({"username": "alice", "password": PASSWORD}).json()["token"]
        second = self.post({"username": "alice", "password": PASSWORD}).json()["token"]
        self.assertEqual(first, second)
        self.assertEqual(Token.objects.filter(user=self.alice).count(), 1)

    def test_it_stamps_the_last_login(self):
        self.post({"username": "alice", "password": PASSWORD})
        self.alice.refresh_from_db()
        self.assertIsNotNone(self.alice.last_login)

    def test_it_refuses_bad_credentials(self):
        response = self.post({"username": "alice", "password": "wrong-password"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("non_field_errors", response.json())
        self.assertFalse(Token.objects.exists())

    def test_it_refuses_an_unknown_user(self):
        response = self.post({"username": "nobody", "password": PASSWORD})
        self.assertEqual(response.status_code, 400)

    def test_it_refuses_an_inactive_user(self):
        self.alice.is_active = False
        self.alice.save(update_fields=["is_active"])
        response = self.post({"username": "alice", "password": PASSWORD})
        self.assertEqual(response.status_code, 400)

    def test_it_requires_both_fields(self):
        response = self.post({})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()), {"username", "password"})

    @override_settings(AXES_FAILURE_LIMIT=5)
    def test_it_locks_out_after_repeated_failures(self):
        for _ in range(5):
            response = self.post({"username": "alice", "password": "wrong-password"})
            self.assertNotEqual(response.status_code, 200)
        response = self.post({"username": "alice", "password": PASSWORD})
        self.assertEqual(response.status_code, 429)
        self.assertFalse(Token.objects.exists())

    def test_it_forgets_failures_after_a_success(self):
        for _ in range(4):
            self.post({"username": "alice", "password": "wrong-password"})
        self.assertEqual(self.post({"username": "alice", "password": PASSWORD}).status_code, 200)
        for _ in range(4):
            self.post({"username": "alice", "password": "wrong-password"})
        self.assertEqual(self.post({"username": "alice", "password": PASSWORD}).status_code, 200)

    def test_it_ignores_a_session_without_csrf_token(self):
        # A browser tab logged in must not turn this call into a CSRF failure.
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(self.bob)
        response = client.post(self.url, {"username": "alice", "password": PASSWORD}, format="json")
        self.assertEqual(response.status_code, 200)

    def test_it_refuses_other_methods(self):
        self.assertEqual(self.api.get(self.url).status_code, 405)
        self.assertEqual(self.api.put(self.url, {}, format="json").status_code, 405)

    def test_it_lets_the_token_authenticate(self):
        token = self.post({"username": "carol", "password": PASSWORD}).json()["token"]
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        # An authenticated call that reaches the view: GET is refused for its method, not for 401.
        self.assertEqual(self.api.get("/api/v1/index-cases/").status_code, 405)
