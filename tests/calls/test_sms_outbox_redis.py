"""The SMS outbox against a real Redis broker that stops and comes back (issue 12)."""

from collections import Counter

import pytest
from django.test import override_settings
from django.urls import reverse

from calls.models import CallAttempt, CallTask, RetryRule, SmsMessage
from calls.tasks import republish_sms
from tests.calls.test_desk import DeskTestCase, outcome_data
from tests.calls.test_sms_outbox import BACKEND, CountingGateway
from tests.redis_faults import OwnRedis, celery_conf, drop_broker_pools


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
        drop_broker_pools()
        self.addCleanup(drop_broker_pools)
        for n in range(3):
            self.register_case(self.t93, name=f"Durand{n}", phone=f"061111111{n}")
        self.rule = RetryRule.objects.get(outcome=CallAttempt.Outcome.NO_ANSWER)
        CallTask.objects.update(attempts=self.rule.max_attempts - 1)
        self.client.force_login(self.alice)

    def set_conf(self, **conf) -> None:
        self.enterContext(celery_conf(**conf))

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
