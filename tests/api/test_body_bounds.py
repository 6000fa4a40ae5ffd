from django.test import override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.api.base import ApiTestCase
from workforce.models.recruitment import Candidate


class BodyBoundsTests(ApiTestCase):
    def post_raw(self, url_name: str, body: bytes):
        return self.api.post(reverse(url_name), body, content_type="application/json")

    def test_it_refuses_a_deeply_nested_body_from_anyone(self):
        body = b"[" * 5000 + b"]" * 5000
        response = self.post_raw("api:obtain-token", body)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Token.objects.exists())

    def test_it_refuses_a_deeply_nested_object_under_the_recursion_limit(self):
        body = b'{"username": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"}"
        response = self.post_raw("api:obtain-token", body)
        self.assertEqual(response.status_code, 400)

    @override_settings(API_MAX_BODY_BYTES=1024 * 1024)
    def test_it_refuses_a_body_over_the_limit(self):
        body = b'{"username": "' + b"a" * (2 * 1024 * 1024) + b'"}'
        response = self.post_raw("api:obtain-token", body)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(Token.objects.exists())

    def test_it_refuses_a_list_body(self):
        self.as_token(self.carol)
        response = self.post_raw("api:candidates", b"[1, 2]")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Candidate.objects.count(), 0)

    def test_it_refuses_a_scalar_body(self):
        response = self.post_raw("api:obtain-token", b'"alice"')
        self.assertEqual(response.status_code, 400)

    def test_it_refuses_invalid_json(self):
        response = self.post_raw("api:obtain-token", b'{"username": NaN}')
        self.assertEqual(response.status_code, 400)
