import os

import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import SimpleTestCase
from kombu import Connection


@pytest.mark.redis
class RedisTests(SimpleTestCase):
    def test_it_round_trips_a_message_through_the_broker(self):
        with Connection(os.environ["REDIS_URL"]) as conn:
            queue = conn.SimpleQueue("tracing-center-ci-probe")
            queue.put({"task": "probe"})
            message = queue.get(timeout=5)
            self.assertEqual(message.payload, {"task": "probe"})
            message.ack()
            queue.close()

    def test_it_shares_the_cache_between_processes(self):
        cache = RedisCache(os.environ["REDIS_URL"], {})
        cache.set("tracing-center-ci-probe", 42, 10)
        self.assertEqual(cache.get("tracing-center-ci-probe"), 42)

    def test_it_points_celery_at_redis(self):
        from tracing_center.celery import app

        self.assertEqual(app.conf.broker_url, os.environ["REDIS_URL"])
