"""The OpenAPI document fuzzed in-process with schemathesis: no input gets a server error.

Every operation of /api/schema/ gets a few generated requests, valid ones (positive) and invalid
ones (negative), with a CPAM admin's token and with a téléconseiller's, through Django's test
handler, so that the requests share the test's transaction on SQLite and PostgreSQL alike. Each
request runs in a savepoint rolled back afterwards: one example's writes (a new agent, a revoked
token, a failed login counted by axes) never change the next one's answer, and a run is the same
every time (derandomized).

A failure names the operation and the mode, and quotes schemathesis's report (the check that
failed, the response, a curl command reproducing the request) and the server's traceback.
"""

import traceback
from collections.abc import Iterable
from typing import Any
from unittest import mock

import schemathesis
from django.core.signals import got_request_exception
from django.db import transaction
from django.test.client import ClientHandler
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.base import PersonasTestCase

# Examples per operation, mode and token: about 25 operations x 2 modes x 2 tokens in all.
MAX_EXAMPLES = 8
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # No "explain" phase: it replays the failing example many times to no use here.
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    # Generated requests are rejected or slow by design (a 400 is the expected answer to most).
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
CHECKS = [not_a_server_error, response_schema_conformance]
# Django's test host: in ALLOWED_HOSTS whatever the settings say.
BASE_URL = "http://testserver"


class DjangoTestApp:
    """A WSGI application over Django's test handler, keeping the traceback of a server error.

    Django's own WSGIHandler closes the database connection around each request, which would end
    the test's transaction; the test handler does not (and checks no CSRF token, as the API's
    token authentication needs none).
    """

    def __init__(self) -> None:
        self.handler = ClientHandler(enforce_csrf_checks=False)
        self.tracebacks: list[str] = []
        self.statuses: set[int] = set()

    def keep_traceback(self, **kwargs: Any) -> None:
        self.tracebacks.append(traceback.format_exc())

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        got_request_exception.connect(self.keep_traceback)
        try:
            response = self.handler(environ)
        finally:
            got_request_exception.disconnect(self.keep_traceback)
        self.statuses.add(response.status_code)
        headers = [*response.items()]
        for cookie in response.cookies.values():
            headers.append(("Set-Cookie", cookie.output(header="").strip()))
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        if response.streaming:
            return response.streaming_content
        return [response.content]


def generation_modes(operation) -> list[schemathesis.GenerationMode]:
    """Both modes, but only the positive one for an operation without input to get wrong."""
    has_input = len(operation.path_parameters) or len(operation.query) or len(operation.body)
    if has_input:
        return list(schemathesis.GenerationMode)
    return [schemathesis.GenerationMode.POSITIVE]


class SchemathesisTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.admin_token = Token.objects.create(user=cls.carol).key
        cls.agent_token = Token.objects.create(user=cls.alice).key

    def setUp(self):
        document = self.client.get("/api/schema/", {"format": "json"}).json()
        self.schema = schemathesis.openapi.from_dict(document)
        self.operation_count = sum(len(methods) for methods in document["paths"].values())
        self.app = DjangoTestApp()

    def fuzz(self, token: str, *, only: str = "") -> list[str]:
        """Fuzz every operation (or the one labelled `only`); return a report per failure."""
        headers = {"Authorization": f"Token {token}", "Accept-Language": "en"}
        operations = [result.ok() for result in self.schema.get_all_operations()]
        self.assertEqual(len(operations), self.operation_count)
        failures = []
        for operation in operations:
            if only and operation.label != only:
                continue
            for mode in generation_modes(operation):
                try:
                    self.fuzz_operation(operation, mode, headers)
                except (Exception, BaseExceptionGroup) as error:
                    failures.append(f"{operation.label} ({mode}):\n{self.describe(error)}")
        # A token refused would fuzz nothing but the authentication.
        self.assertNotIn(401, self.app.statuses)
        return failures

    def assert_no_failures(self, failures: list[str]) -> None:
        if failures:
            self.fail(f"{len(failures)} failure(s):\n\n" + "\n\n".join(failures))

    def fuzz_operation(self, operation, mode, headers) -> None:
        @FUZZ_SETTINGS
        @given(case=operation.as_strategy(mode, headers=headers))
        def check(case):
            self.app.tracebacks.clear()
            savepoint = transaction.savepoint()
            try:
                case.call_and_validate(base_url=BASE_URL, app=self.app, checks=CHECKS)
            finally:
                transaction.savepoint_rollback(savepoint)

        check()

    def describe(self, error: BaseException) -> str:
        text = str(error)
        notes = getattr(error, "__notes__", [])
        # The last request run is the failing example, replayed once more after shrinking.
        server = "".join(self.app.tracebacks[-1:])
        return "\n".join([text, *notes, server])

    def test_it_answers_a_cpam_admin_without_a_server_error(self):
        self.assert_no_failures(self.fuzz(self.admin_token))

    def test_it_answers_a_teleconseiller_without_a_server_error(self):
        self.assert_no_failures(self.fuzz(self.agent_token))

    def test_it_reports_a_server_error_with_its_request_and_traceback(self):
        label = "GET /api/v1/supervision/queue-health/"
        with mock.patch("supervision.api.queue_health", side_effect=RuntimeError("boom")):
            failures = self.fuzz(self.admin_token, only=label)
        self.assertEqual(len(failures), 2)  # positive and negative
        for report in failures:
            self.assertIn(label, report)
            self.assertIn("Server error", report)
            self.assertIn("curl -X GET", report)
            self.assertIn("RuntimeError: boom", report)
