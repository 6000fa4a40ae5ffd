"""Redis down, floor up (issue 12): with the cache's Redis down, every page and API answer still
works for its user, computed live from the database; logins and the desk too."""

import time
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agents.models import Agent
from calls.models import JobHeartbeat
from calls.services.presence import set_agent_status
from calls.tasks import BEAT_AND_WORKER, heartbeat
from supervision.models import Alert
from supervision.services.board import refresh_boards
from tests.base import PASSWORD
from tests.calls.test_desk import DeskTestCase, outcome_data
from tests.redis_faults import cache_down

SUPERVISOR_PAGES = [
    "supervision:plateau",
    "supervision:board-rows",
    "supervision:queue-health",
    "supervision:queue-health-panel",
    "supervision:alerts",
    "supervision:action-log",
    "supervision:escalations",
    "supervision:sla-report",
    "supervision:sla-report-csv",
    "supervision:productivity-report",
    "supervision:productivity-report-csv",
    "agents:home",
]
ADMIN_PAGES = [*SUPERVISOR_PAGES, "supervision:national", "supervision:audit"]
AGENT_PAGES = ["agents:home", "calls:desk", "calls:search"]
API_GETS = [
    "api:supervision-agents",
    "api:supervision-queue-health",
    "api:candidates",
    "api:contract-list",
]


class CacheDownTests(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.register_case(self.t93, name="Durand", phone="0611111111")
        set_agent_status(agent=self.alice.agent, status=Agent.Status.READY, now=timezone.now())
        Alert.objects.create(agent=self.alice.agent, kind=Alert.Kind.IDLE, raised_at=timezone.now())
        self.enterContext(cache_down())

    def get(self, user, name):
        self.client.force_login(user)
        return self.client.get(reverse(name))

    def test_every_page_answers_its_user(self):
        for user, names in (
            (self.bob, SUPERVISOR_PAGES),
            (self.carol, ADMIN_PAGES),
            (self.root, ADMIN_PAGES),
            (self.alice, AGENT_PAGES),
        ):
            for name in names:
                with self.subTest(user=user.username, page=name):
                    self.assertEqual(self.get(user, name).status_code, 200)

    def test_the_board_is_computed_live(self):
        response = self.get(self.bob, "supervision:plateau")
        self.assertContains(response, 'data-agent="alice"')
        self.assertLess(
            timezone.now() - response.context["board"].computed_at, timedelta(seconds=5)
        )

    def test_the_national_overview_is_computed_live(self):
        response = self.get(self.root, "supervision:national")
        self.assertEqual(
            sorted(t.territory["code"] for t in response.context["totals"]), ["75", "93", "974"]
        )
        self.assertEqual(response.context["grand"].agents, 1)

    def test_every_api_read_answers_its_user(self):
        for user, name in (
            (self.bob, "api:supervision-agents"),
            (self.bob, "api:supervision-queue-health"),
            (self.carol, "api:candidates"),
            (self.carol, "api:contract-list"),
        ):
            with self.subTest(user=user.username, endpoint=name):
                self.client.force_login(user)
                self.assertEqual(self.client.get(reverse(name)).status_code, 200)
        self.client.force_login(self.bob)
        rows = self.client.get(reverse("api:supervision-agents")).json()
        self.assertIn("alice", [row["username"] for row in rows])

    def test_a_login_works_and_an_api_token_is_given(self):
        response = self.client.post(
            reverse("login"), {"username": "bob", "password": PASSWORD}, follow=True
        )
        self.assertTrue(response.context["user"].is_authenticated)
        response = self.client.post(
            reverse("api:obtain-token"),
            {"username": "bob", "password": PASSWORD},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200)

    def test_an_outcome_is_recorded_and_an_alert_acknowledged(self):
        self.client.force_login(self.alice)
        assignment = self.claim()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("calls:record-outcome", args=[assignment.pk]), outcome_data("no_answer")
            )
        self.assertEqual(response.status_code, 302)
        self.client.force_login(self.bob)
        alert = Alert.objects.get()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("supervision:acknowledge-alert", args=[alert.pk]), {"note": "Vu"}
            )
        self.assertEqual(response.status_code, 302)
        alert.refresh_from_db()
        self.assertIsNotNone(alert.acknowledged_at)

    def test_the_periodic_jobs_run_without_the_cache(self):
        heartbeat.delay().get()
        self.assertTrue(JobHeartbeat.objects.filter(name=BEAT_AND_WORKER).exists())
        self.assertEqual(refresh_boards(now=timezone.now()), 3)

    def test_a_stopped_jobs_banner_still_shows(self):
        stale = timezone.now() - timedelta(seconds=settings.JOBS_STALE_AFTER + 60)
        JobHeartbeat.objects.create(name=BEAT_AND_WORKER, beat_at=stale)
        self.assertContains(self.get(self.bob, "supervision:alerts"), 'data-testid="jobs-stopped"')

    def test_a_page_is_not_held_by_the_cache(self):
        started = time.monotonic()
        self.get(self.bob, "supervision:plateau")
        self.assertLess(time.monotonic() - started, 2)
