from unittest import mock

from supervision.services.projection import refresh_projections
from tests.api.base import ApiTestCase
from tests.supervision.test_queue_health import NOW, QueueHealthFixture


class QueueHealthApiTests(ApiTestCase, QueueHealthFixture):
    url_name = "api:supervision-queue-health"

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # The fixture's clock, 10:00 in Paris: the projection simulates the rest of the day, so
        # the real time of the run would change it (at 15:00 a call is projected to miss).
        cls.build(NOW)
        cls.staff(NOW)

    def setUp(self):
        super().setUp()
        clock = mock.patch("supervision.api.timezone.now", return_value=NOW)
        clock.start()
        self.addCleanup(clock.stop)

    def get(self, user=None, params=None):
        if user is not None:
            self.as_token(user)
        return self.api.get(self.url, params or {})

    def test_it_refuses_anonymous_callers(self):
        self.assertEqual(self.get().status_code, 401)

    def test_it_refuses_a_teleconseiller_and_a_lab_feed(self):
        for user in (self.alice, self.labfeed):
            with self.subTest(user=user.username):
                self.assertEqual(self.get(user).status_code, 403)

    def test_it_refuses_other_methods(self):
        self.as_token(self.bob)
        self.assertEqual(self.api.post(self.url, {}, format="json").status_code, 405)

    def test_it_returns_the_queue_health_of_the_territory(self):
        refresh_projections(now=NOW)  # the periodic job, as beat runs it
        for authenticate in (self.as_token, self.as_session):
            authenticate(self.bob)
            with self.subTest(auth=authenticate.__name__):
                response = self.api.get(self.url)
                self.assertEqual(response.status_code, 200)
                body = response.json()
                self.assertEqual(body["territory"], "93")
                languages = {row["language"]: row for row in body["languages"]}
                self.assertEqual(set(languages), {"fr", "tr"})
                self.assertEqual(
                    languages["fr"]["backlog"],
                    {"overdue": 1, "lt_2h": 1, "lt_6h": 0, "lt_24h": 1, "later": 1},
                )
                self.assertEqual(
                    languages["tr"]["backlog"],
                    {"overdue": 0, "lt_2h": 0, "lt_6h": 1, "lt_24h": 1, "later": 0},
                )
                self.assertEqual(
                    {
                        k: languages["fr"][k]
                        for k in (
                            "backlog_total",
                            "escalated",
                            "agents_ready",
                            "agents_working",
                            "due_within_24h",
                        )
                    },
                    {
                        "backlog_total": 4,
                        "escalated": 1,
                        "agents_ready": 1,
                        "agents_working": 2,
                        "due_within_24h": 2,
                    },
                )
                # No active time recorded today yet: no rate; the misses are simulated all the
                # same (two agents, the day's calling hours, two calls due).
                self.assertIsNone(languages["fr"]["calls_per_active_hour"])
                self.assertEqual(languages["fr"]["projected_misses"], 0)
                reasons = {row["reason"]: row for row in body["backlog_by_reason"]}
                self.assertEqual(reasons["index_interview"]["backlog_total"], 3)
                self.assertEqual(reasons["contact_notification"]["backlog_total"], 3)
                self.assertEqual(body["callbacks_due"], {"owned": 1, "open": 1, "total": 2})
                self.assertEqual(body["escalations_waiting"], 1)
                self.assertIn("computed_at", body)
                self.assertEqual(
                    (body["projection_computed_at"], body["projection_late"]),
                    ("2026-01-15T10:00:00+01:00", False),
                )

    def test_before_the_first_projection_it_says_so(self):
        body = self.get(self.bob).json()
        self.assertEqual((body["projection_computed_at"], body["projection_late"]), (None, False))
        languages = {row["language"]: row for row in body["languages"]}
        self.assertEqual(
            (languages["fr"]["projected_misses"], languages["fr"]["capacity_24h"]), (None, None)
        )

    def test_it_shows_nothing_of_93_to_a_supervisor_of_75(self):
        for params in ({}, {"territory": "93"}):
            with self.subTest(params=params):
                body = self.get(self.erin, params).json()
                self.assertEqual(body["territory"], "75")
                self.assertEqual(sum(row["backlog_total"] for row in body["languages"]), 2)
                self.assertEqual(body["escalations_waiting"], 1)
                self.assertEqual(body["callbacks_due"]["total"], 0)

    def test_it_lets_a_superuser_choose_a_territory_or_see_all(self):
        body = self.get(self.root).json()
        self.assertIsNone(body["territory"])
        self.assertEqual(sum(row["backlog_total"] for row in body["languages"]), 8)
        body = self.get(self.root, {"territory": "75"}).json()
        self.assertEqual((body["territory"], body["escalations_waiting"]), ("75", 1))
        response = self.get(self.root, {"territory": "999"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("territory", response.json())

    def test_its_query_count_is_constant(self):
        self.as_token(self.bob)
        # The token with its user and groups, the user's territory, the territory, the backlog,
        # the agents working and their day counters, the projections the periodic job made, the
        # calls per hour (the hourly counters, then the attempts since the last hour counted).
        with self.assertNumQueries(9):
            self.api.get(self.url)
        refresh_projections(now=NOW)
        with self.assertNumQueries(9):
            self.api.get(self.url)
