"""The health endpoints (issue 12): /healthz for the load balancer, /readyz naming what is down."""

from datetime import timedelta

from django.conf import settings
from django.test import TestCase, override_settings
from django.utils import timezone

from calls.models import JobHeartbeat
from calls.tasks import BEAT_AND_WORKER
from tests.redis_faults import cache_down, free_port


class HealthTests(TestCase):
    def beat(self, ago: timedelta = timedelta(0)) -> None:
        JobHeartbeat.objects.update_or_create(
            name=BEAT_AND_WORKER, defaults={"beat_at": timezone.now() - ago}
        )

    def test_healthz_answers_anyone_without_a_query(self):
        with self.assertNumQueries(0):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok\n")
        self.assertIn("no-cache", response["Cache-Control"])

    def test_healthz_refuses_a_post(self):
        self.assertEqual(self.client.post("/healthz").status_code, 405)

    @override_settings(SECURE_SSL_REDIRECT=True)
    def test_a_plain_http_probe_is_not_redirected(self):
        self.assertEqual(self.client.get("/healthz").status_code, 200)
        self.beat()
        self.assertEqual(self.client.get("/readyz").status_code, 200)
        self.assertEqual(self.client.get("/accounts/login/").status_code, 301)

    def test_readyz_answers_anyone_200_when_all_is_up(self):
        self.beat()
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "status": "ok",
                "checks": {"database": "ok", "cache": "ok", "broker": "ok", "jobs": "ok"},
            },
        )
        self.assertIn("no-cache", response["Cache-Control"])

    def test_readyz_names_a_stale_heartbeat(self):
        self.beat(timedelta(seconds=settings.JOBS_STALE_AFTER + 60))
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 503)
        body = response.json()
        self.assertEqual(body["status"], "down")
        self.assertIn("stale since", body["checks"]["jobs"])
        self.assertEqual(body["checks"]["database"], "ok")

    def test_readyz_names_jobs_that_never_beat(self):
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 503)
        self.assertIn("no heartbeat yet", response.json()["checks"]["jobs"])

    def test_readyz_names_the_cache_down(self):
        self.beat()
        with cache_down(), self.assertLogs("health_check", "WARNING"):
            response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 503)
        checks = response.json()["checks"]
        self.assertNotEqual(checks["cache"], "ok")
        self.assertEqual(checks["jobs"], "ok")

    def test_readyz_names_the_broker_down(self):
        self.beat()
        url = f"redis://127.0.0.1:{free_port()}/0"
        with (
            override_settings(CELERY_BROKER_URL=url, CELERY_BROKER_TRANSPORT=None),
            self.assertLogs("health_check", "WARNING"),
        ):
            response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 503)
        self.assertNotEqual(response.json()["checks"]["broker"], "ok")
