"""The heartbeat of beat and the worker (issue 12): supervisors see when automatic jobs stop."""

from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from calls.models import JobHeartbeat
from calls.tasks import BEAT_AND_WORKER, HEARTBEAT_KEY, heartbeat
from tests.base import PersonasTestCase

BANNER = 'data-testid="jobs-stopped"'
STALE = timedelta(seconds=settings.JOBS_STALE_AFTER + 60)


class JobsHeartbeatTests(PersonasTestCase):
    def setUp(self):
        self.addCleanup(cache.delete, HEARTBEAT_KEY)

    def page(self, user, url="supervision:escalations"):
        self.client.force_login(user)
        return self.client.get(reverse(url))

    def test_the_task_writes_the_row_and_its_copy_in_the_cache(self):
        heartbeat.delay().get()
        row = JobHeartbeat.objects.get(name=BEAT_AND_WORKER)
        self.assertEqual(cache.get(HEARTBEAT_KEY), row.beat_at)
        self.assertLess(timezone.now() - row.beat_at, timedelta(seconds=5))

    def test_a_fresh_heartbeat_shows_no_banner(self):
        heartbeat.delay().get()
        self.assertNotContains(self.page(self.bob), BANNER)

    def test_a_stale_heartbeat_shows_the_banner_to_supervisors_and_admins(self):
        stopped = timezone.now() - STALE
        cache.set(HEARTBEAT_KEY, stopped, timeout=None)
        for user in (self.bob, self.root):
            with self.subTest(user.username):
                response = self.page(user)
                self.assertContains(response, BANNER)
                self.assertEqual(response.context["jobs_stopped_since"], stopped)

    def test_it_is_not_shown_to_teleconseillers(self):
        cache.set(HEARTBEAT_KEY, timezone.now() - STALE, timeout=None)
        response = self.page(self.alice, "calls:desk")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, BANNER)

    def test_with_the_cache_down_it_reads_the_row(self):
        JobHeartbeat.objects.create(name=BEAT_AND_WORKER, beat_at=timezone.now() - STALE)
        with mock.patch(
            "supervision.context_processors.cache.get", side_effect=ConnectionError("down")
        ):
            self.assertContains(self.page(self.bob, "supervision:alerts"), BANNER)
        JobHeartbeat.objects.filter(name=BEAT_AND_WORKER).update(beat_at=timezone.now())
        with mock.patch(
            "supervision.context_processors.cache.get", side_effect=ConnectionError("down")
        ):
            self.assertNotContains(self.page(self.bob, "supervision:alerts"), BANNER)

    def test_the_heartbeat_survives_the_cache_down(self):
        with mock.patch("calls.tasks.cache.set", side_effect=ConnectionError("down")):
            heartbeat.delay().get()
        self.assertTrue(JobHeartbeat.objects.filter(name=BEAT_AND_WORKER).exists())

    def test_an_emptied_cache_reads_the_row_once_and_puts_it_back(self):
        stopped = timezone.now() - STALE
        JobHeartbeat.objects.create(name=BEAT_AND_WORKER, beat_at=stopped)
        cache.delete(HEARTBEAT_KEY)
        self.assertContains(self.page(self.bob), BANNER)
        self.assertEqual(cache.get(HEARTBEAT_KEY), stopped)

    def test_no_row_yet_is_remembered_as_never_beaten(self):
        cache.delete(HEARTBEAT_KEY)
        self.assertNotContains(self.page(self.bob), BANNER)
        self.assertIs(cache.get(HEARTBEAT_KEY), False)
