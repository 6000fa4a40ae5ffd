"""The SMS outbox against a real Redis broker that stops and comes back (issue 12)."""

import socket
import subprocess
import time
from collections import Counter
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse
from kombu import pools

from calls.models import CallAttempt, CallTask, RetryRule, SmsMessage
from calls.tasks import republish_sms
from tests.calls.test_desk import DeskTestCase, outcome_data
from tests.calls.test_sms_outbox import BACKEND, CountingGateway
from tracing_center.celery import app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A redis-server of the test's own, on a free port, without persistence."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(5)
            self.process = None


@pytest.mark.redis
@BACKEND
class BrokerOutageTests(DeskTestCase):
    def setUp(self):
        super().setUp()
        CountingGateway.reset()
        self.redis = OwnRedis()
        self.redis.start()
        self.addCleanup(self.redis.stop)
        self.enterContext(override_settings(CELERY_BROKER_URL=self.redis.url))
        self.set_conf(
            broker_url=self.redis.url,
            task_always_eager=False,
            task_publish_retry=False,
            broker_connection_timeout=1,
        )
        self.drop_pool()
        self.addCleanup(self.drop_pool)
        for n in range(3):
            self.register_case(self.t93, name=f"Durand{n}", phone=f"061111111{n}")
        self.rule = RetryRule.objects.get(outcome=CallAttempt.Outcome.NO_ANSWER)
        CallTask.objects.update(attempts=self.rule.max_attempts - 1)
        self.client.force_login(self.alice)

    @staticmethod
    def drop_pool() -> None:
        # Celery keeps its connection and producer pools (and kombu a registry of them) for the
        # broker it met first: forget them all, so that the next publish connects to the broker
        # configured now (this test's Redis, then back to the suite's).
        pools.reset()
        app._pool = app.amqp._producer_pool = None

    def set_conf(self, **conf) -> None:
        # Celery reads Django's CELERY_* settings under their own names: set both; every
        # change is undone after the test.
        changes = {}
        for name, value in conf.items():
            changes[name] = changes[f"CELERY_{name.upper()}"] = value
        self.enterContext(mock.patch.dict(app.conf.changes, changes))

    def post_outcome(self) -> int:
        assignment = self.claim()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("calls:record-outcome", args=[assignment.pk]), outcome_data("no_answer")
            )
        return response.status_code

    def test_outcomes_answer_while_the_broker_is_down_and_every_sms_is_sent_once(self):
        codes = [self.post_outcome()]
        self.redis.stop()
        with self.assertLogs("calls.sms", "ERROR"):
            codes += [self.post_outcome(), self.post_outcome()]
        self.assertEqual(codes, [302, 302, 302])
        self.assertEqual(SmsMessage.objects.filter(status=SmsMessage.Status.QUEUED).count(), 3)

        self.redis.start()
        self.set_conf(task_always_eager=True)
        with self.captureOnCommitCallbacks(execute=True):
            republish_sms.delay().get()

        refs = [str(ref) for ref in SmsMessage.objects.values_list("client_ref", flat=True)]
        self.assertEqual(len(refs), 3)
        self.assertEqual(
            set(SmsMessage.objects.values_list("status", flat=True)), {SmsMessage.Status.SENT}
        )
        self.assertEqual(CountingGateway.delivered, Counter(dict.fromkeys(refs, 1)))
