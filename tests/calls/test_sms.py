import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.test import SimpleTestCase, override_settings

from calls.exceptions import SmsError
from calls.models import SmsMessage
from calls.sms import HttpGatewayBackend, send_sms
from tests.base import PersonasTestCase
from tests.test_settings_env import run_manage

KEY = "test-gateway-key"


class FakeGateway:
    """A real HTTP server on 127.0.0.1 that records each request and answers as told."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.body = b'{"id": "msg-42"}'
        self.headers: dict[str, str] = {"Content-Type": "application/json"}
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                gateway.requests.append(
                    {
                        "method": "POST",
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                time.sleep(gateway.delay)
                self.send_response(gateway.status)
                for name, value in gateway.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(gateway.body)))
                self.end_headers()
                self.wfile.write(gateway.body)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def gateway_settings(gateway: FakeGateway):
    return override_settings(
        SMS_BACKEND="calls.sms.HttpGatewayBackend", SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_KEY=KEY
    )


class HttpGatewayBackendTests(SimpleTestCase):
    def setUp(self):
        self.gateway = self.enterContext(FakeGateway())
        self.enterContext(gateway_settings(self.gateway))

    def test_it_posts_the_message_as_json_with_the_bearer_key(self):
        reference = HttpGatewayBackend().send(to="+33612345678", body="Bonjour, rappelez-nous.")

        self.assertEqual(reference, "msg-42")
        [request] = self.gateway.requests
        self.assertEqual(request["path"], "/v1/messages")
        self.assertEqual(request["headers"]["Authorization"], f"Bearer {KEY}")
        self.assertEqual(request["headers"]["Content-Type"], "application/json")
        self.assertEqual(
            json.loads(request["body"]),
            {"to": "+33612345678", "text": "Bonjour, rappelez-nous.", "client_ref": ""},
        )

    def test_it_sends_the_client_reference_so_that_a_retry_is_not_a_second_sms(self):
        HttpGatewayBackend().send(to="+33612345678", body="x", client_ref="ref-1")

        [request] = self.gateway.requests
        self.assertEqual(json.loads(request["body"])["client_ref"], "ref-1")
        self.assertEqual(request["headers"]["Idempotency-Key"], "ref-1")

    def test_it_reads_a_numeric_message_id(self):
        self.gateway.body = b'{"id": 1234567, "status": "accepted"}'
        self.assertEqual(HttpGatewayBackend().send(to="+33612345678", body="x"), "1234567")

    def test_it_raises_on_an_http_error(self):
        self.gateway.status, self.gateway.body = 500, b'{"error": "boom"}'
        with self.assertRaisesMessage(SmsError, "HTTP 500"):
            HttpGatewayBackend().send(to="+33612345678", body="x")

    def test_it_raises_on_an_answer_that_is_not_json_or_has_no_id(self):
        for body in (
            b"<html>OK</html>",
            b'{"status": "accepted"}',
            b'["msg-42"]',
            b'{"id": ""}',
            b'{"id": true}',
        ):
            with self.subTest(body):
                self.gateway.body = body
                with self.assertRaises(SmsError):
                    HttpGatewayBackend().send(to="+33612345678", body="x")

    def test_it_raises_on_a_timeout(self):
        self.gateway.delay = 1.0
        backend = HttpGatewayBackend()
        backend.timeout = 0.2
        with self.assertRaisesMessage(SmsError, "unreachable"):
            backend.send(to="+33612345678", body="x")

    def test_it_raises_when_the_gateway_is_unreachable(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            closed_port = sock.getsockname()[1]
        with (
            override_settings(SMS_GATEWAY_URL=f"http://127.0.0.1:{closed_port}/v1/messages"),
            self.assertRaisesMessage(SmsError, "unreachable"),
        ):
            HttpGatewayBackend().send(to="+33612345678", body="x")

    def test_it_does_not_follow_a_redirect_with_the_key(self):
        self.gateway.status, self.gateway.headers = 302, {"Location": "/elsewhere"}
        with self.assertRaisesMessage(SmsError, "HTTP 302"):
            HttpGatewayBackend().send(to="+33612345678", body="x")
        self.assertEqual([r["path"] for r in self.gateway.requests], ["/v1/messages"])

    def test_it_refuses_to_send_without_a_url_or_a_key(self):
        for url, key in (("", KEY), (self.gateway.url, ""), ("file:///etc/passwd", KEY)):
            with (
                self.subTest(url=url, key=bool(key)),
                override_settings(SMS_GATEWAY_URL=url, SMS_GATEWAY_KEY=key),
                self.assertRaisesMessage(SmsError, "not configured"),
            ):
                HttpGatewayBackend().send(to="+33612345678", body="x")
        self.assertEqual(self.gateway.requests, [])

    def test_the_settings_refuse_to_start_the_gateway_without_its_url_and_key(self):
        result = run_manage(
            "check",
            DEBUG="1",
            SMS_BACKEND="calls.sms.HttpGatewayBackend",
            SMS_GATEWAY_URL="",
            SMS_GATEWAY_KEY="",
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("needs SMS_GATEWAY_URL and SMS_GATEWAY_KEY", result.stderr)


class SendSmsThroughTheGatewayTests(PersonasTestCase):
    def setUp(self):
        self.gateway = self.enterContext(FakeGateway())
        self.enterContext(gateway_settings(self.gateway))
        task = self.register_case(self.t93, name="Mercier", phone="0611111111").task
        self.sms = SmsMessage.objects.create(
            task=task, phone="+33611111111", body="Rappelez-nous au 09 74 75 76 78."
        )

    def test_it_sends_a_message_once_however_often_the_task_runs(self):
        self.assertEqual(send_sms.delay(self.sms.pk).get(), "sent")
        self.assertEqual(send_sms.delay(self.sms.pk).get(), "skipped")

        self.assertEqual(len(self.gateway.requests), 1)
        self.assertEqual(
            json.loads(self.gateway.requests[0]["body"]),
            {"to": "+33611111111", "text": self.sms.body, "client_ref": str(self.sms.client_ref)},
        )
        self.assertEqual(
            self.gateway.requests[0]["headers"]["Idempotency-Key"], str(self.sms.client_ref)
        )
        self.sms.refresh_from_db()
        self.assertEqual(
            (self.sms.status, self.sms.provider_ref, self.sms.error),
            (SmsMessage.Status.SENT, "msg-42", ""),
        )
        self.assertIsNotNone(self.sms.sent_at)

    def test_a_gateway_error_queues_the_message_again_after_a_backoff(self):
        self.gateway.status, self.gateway.body = 500, b"Internal Server Error"

        self.assertEqual(send_sms.delay(self.sms.pk).get(), "retry")
        # Not due yet: a redelivery sends nothing before the backoff is over.
        self.assertEqual(send_sms.delay(self.sms.pk).get(), "skipped")

        self.assertEqual(len(self.gateway.requests), 1)
        self.sms.refresh_from_db()
        self.assertEqual(
            (self.sms.status, self.sms.provider_ref, self.sms.attempts),
            (SmsMessage.Status.QUEUED, "", 1),
        )
        self.assertIn("HTTP 500", self.sms.error)
        self.assertIsNotNone(self.sms.next_attempt_at)
        self.assertIsNone(self.sms.sent_at)
