"""Issue 13 part 5: the board's calls per hour and its labelled legend."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.urls import reverse

from calls.models import CallAttempt
from supervision.selectors.board import calls_per_hour
from tests.base import PersonasTestCase

PARIS = ZoneInfo("Europe/Paris")


class CallsPerHourTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.task = cls.register_case(cls.t93).task
        cls.other = cls.register_case(cls.t75, name="Durand", phone="0633333333").task

    def setUp(self):
        cache.clear()

    def attempt(self, task, user, at, outcome="no_answer"):
        CallAttempt.objects.create(task=task, agent=user.agent, outcome=outcome, started_at=at)

    def test_it_counts_the_territorys_calls_and_reaches_by_local_hour(self):
        now = datetime(2026, 12, 2, 11, 20, tzinfo=PARIS)
        self.attempt(self.task, self.alice, now.replace(hour=9, minute=5))
        self.attempt(self.task, self.alice, now.replace(hour=9, minute=50), outcome="reached")
        self.attempt(self.task, self.alice, now.replace(hour=11, minute=1))
        # Yesterday, and another territory's agent: not counted.
        self.attempt(self.task, self.alice, now - timedelta(days=1))
        self.attempt(self.other, self.erin, now.replace(hour=10))
        hours = calls_per_hour(territory=self.t93, now=now)
        start = self.t93.calling_hours_start.hour
        self.assertEqual(hours[0][0], min(start, 9))
        by_hour = {hour: (calls, reached) for hour, calls, reached in hours}
        self.assertEqual(by_hour[9], (2, 1))
        self.assertEqual(by_hour[10], (0, 0))
        self.assertEqual(by_hour[11], (1, 0))
        self.assertEqual(hours[-1][0], 11)

    def test_the_chart_answers_with_the_cache_down_and_only_for_a_supervisor_or_admin(self):
        self.client.force_login(self.bob)
        with mock.patch("supervision.views.board.cache.get", side_effect=ConnectionError):
            response = self.client.get(reverse("supervision:board-chart"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-testid="board-chart"')
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("supervision:board-chart")).status_code, 403)

    def test_another_territorys_chart_is_refused(self):
        self.client.force_login(self.bob)
        response = self.client.get(reverse("supervision:board-chart"), {"territory": "75"})
        self.assertIn(response.status_code, (403, 404))


class LegendTests(PersonasTestCase):
    def test_the_legend_names_every_status(self):
        cache.clear()
        self.client.force_login(self.bob)
        self.client.cookies["django_language"] = "fr"
        response = self.client.get(reverse("supervision:plateau"))
        legend = {item["status"]: item["label"] for item in response.context["legend"]}
        self.assertEqual(
            set(legend), {"offline", "ready", "on_call", "wrap_up", "paused", "absent"}
        )
        self.assertEqual(str(legend["ready"]), "Prêt")
        self.assertContains(response, 'data-testid="legend-absent"')
