"""Redis down, floor up (issue 12): a Redis of the test's own, both the cache and the broker,
stops while agents record outcomes and supervisors watch; nothing answers 500, /readyz names
what is down, and once it is back every SMS owed is sent exactly once."""

import time
from collections import Counter

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from calls.models import CallAttempt, CallTask, JobHeartbeat, RetryRule, SmsMessage
from calls.tasks import BEAT_AND_WORKER, republish_sms
from supervision.services.board import refresh_boards, snapshot_key
from tests.calls.test_desk import DeskTestCase, outcome_data
from tests.calls.test_sms_outbox import BACKEND, CountingGateway
from tests.redis_faults import OwnRedis, celery_conf, drop_broker_pools, redis_cache_at
from tracing_center.settings import redis_broker_options

PAGES = [
    "supervision:plateau",
    "supervision:board-rows",
    "supervision:queue-health",
    "supervision:queue-health-panel",
    "supervision:alerts",
    "supervision:escalations",
    "supervision:action-log",
    "agents:home",
]
OUTCOMES = 4
# The whole outage, outcomes and pages, with every Redis call refused at once.
OUTAGE_SECONDS = 10


@pytest.mark.redis
@BACKEND
class RedisOutageTests(DeskTestCase):
    def setUp(self):
        super().setUp()
        CountingGateway.reset()
        self.redis = OwnRedis()
        self.redis.start()
        self.addCleanup(self.redis.stop)
        self.enterContext(redis_cache_at(self.redis.url))
        self.enterContext(override_settings(CELERY_BROKER_URL=self.redis.url))
        self.enterContext(
            celery_conf(
                broker_url=self.redis.url,
                broker_transport=None,
                # Production's, in a suite that may run on the embedded broker.
                broker_transport_options=redis_broker_options(timeout=settings.REDIS_TIMEOUT),
                task_always_eager=False,
            )
        )
        drop_broker_pools()
        self.addCleanup(drop_broker_pools)
        for n in range(OUTCOMES):
            self.register_case(self.t93, name=f"Durand{n}", phone=f"061111111{n}")
        rule = RetryRule.objects.get(outcome=CallAttempt.Outcome.NO_ANSWER)
        # The next unanswered call of each task is its last: the fallback SMS is owed.
        CallTask.objects.update(attempts=rule.max_attempts - 1)
        JobHeartbeat.objects.create(name=BEAT_AND_WORKER, beat_at=timezone.now())

    def post_outcome(self) -> int:
        self.client.force_login(self.alice)
        assignment = self.claim()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("calls:record-outcome", args=[assignment.pk]), outcome_data("no_answer")
            )
        return response.status_code

    def pages(self) -> list[int]:
        codes = []
        for user, names in ((self.bob, PAGES), (self.carol, [*PAGES, "supervision:national"])):
            self.client.force_login(user)
            codes += [self.client.get(reverse(name)).status_code for name in names]
        self.client.force_login(self.bob)
        codes.append(self.client.get(reverse("api:supervision-agents")).status_code)
        return codes

    def test_the_floor_works_through_a_redis_outage_and_every_sms_is_sent_once(self):
        codes = [self.post_outcome()]
        refresh_boards(now=timezone.now())
        self.assertIsNotNone(cache.get(snapshot_key(self.t93.pk)), "the cache is this Redis")
        self.assertEqual(self.client.get("/readyz").status_code, 200)

        self.redis.stop()
        started = time.monotonic()
        with self.assertLogs("calls.sms", "ERROR"):
            codes += [self.post_outcome() for _ in range(OUTCOMES - 1)]
        codes += self.pages()
        self.assertEqual(Counter(codes), Counter({302: OUTCOMES, 200: len(codes) - OUTCOMES}))
        response = self.client.get("/readyz")
        self.assertLess(time.monotonic() - started, OUTAGE_SECONDS)
        self.assertEqual(response.status_code, 503)
        checks = response.json()["checks"]
        self.assertEqual(
            sorted(name for name, state in checks.items() if state != "ok"), ["broker", "cache"]
        )
        self.assertEqual(
            SmsMessage.objects.filter(status=SmsMessage.Status.QUEUED).count(), OUTCOMES
        )

        self.redis.start()
        self.enterContext(celery_conf(task_always_eager=True))
        with self.captureOnCommitCallbacks(execute=True):
            republish_sms.delay().get()
        refs = [str(ref) for ref in SmsMessage.objects.values_list("client_ref", flat=True)]
        self.assertEqual(len(refs), OUTCOMES)
        self.assertEqual(
            set(SmsMessage.objects.values_list("status", flat=True)), {SmsMessage.Status.SENT}
        )
        self.assertEqual(CountingGateway.delivered, Counter(dict.fromkeys(refs, 1)))
        self.assertEqual(CountingGateway.requests, Counter(dict.fromkeys(refs, 1)))
        self.assertEqual(self.client.get("/readyz").status_code, 200)
