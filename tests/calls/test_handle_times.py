"""calls.simulation.scenario.handle_times_by_territory: the territories' own handle times,
computed by the database, as the mean and spread of their accepted calls in Python give them."""

import statistics
from datetime import timedelta

from django.utils import timezone

from calls.models import CallAttempt, CallTask
from calls.simulation import defaults
from calls.simulation.scenario import handle_times_by_territory, handle_times_from_history
from tests.base import PersonasTestCase


class HandleTimesTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.now = timezone.now()
        cls.register_case(cls.t93, name="Martin", phone="0612345678")
        cls.register_case(cls.t75, name="Durand", phone="0612345679")
        cls.seconds = {
            # 93: five no-answers of 30–70 s, three reached interviews (under the minimum)
            (cls.t93.pk, "no_answer"): [30.0, 40.5, 50.0, 60.25, 70.0],
            (cls.t93.pk, "reached"): [1200.0, 1500.0, 1800.0],
            # 75: six reached interviews of 20–30 minutes
            (cls.t75.pk, "reached"): [1200.0, 1320.0, 1440.0, 1560.0, 1680.0, 1800.0],
        }
        for (territory_id, outcome), values in cls.seconds.items():
            task = CallTask.objects.get(territory_id=territory_id)
            for i, seconds in enumerate(values):
                started = cls.now - timedelta(days=1, minutes=i * 45)
                CallAttempt.objects.create(
                    task=task,
                    agent=cls.alice.agent,
                    outcome=outcome,
                    started_at=started,
                    ended_at=started + timedelta(seconds=seconds),
                )
        # Neither a refused outcome nor one before `since` counts.
        task = CallTask.objects.get(territory=cls.t93)
        CallAttempt.objects.create(
            task=task,
            agent=cls.alice.agent,
            outcome="no_answer",
            accepted=False,
            started_at=cls.now - timedelta(hours=2),
            ended_at=cls.now - timedelta(hours=1),
        )
        CallAttempt.objects.create(
            task=task,
            agent=cls.alice.agent,
            outcome="no_answer",
            started_at=cls.now - timedelta(days=20),
            ended_at=cls.now - timedelta(days=20) + timedelta(hours=3),
        )

    def expected(self, values: list[float]) -> tuple[float, float]:
        mean = statistics.fmean(values) / 60
        return max(mean, 0.1), statistics.pstdev(values) / 60 / mean

    def test_it_gives_each_territorys_mean_and_spread_where_it_has_enough_calls(self):
        times = handle_times_by_territory(
            [self.t93, self.t75], since=self.now - timedelta(days=14), minimum=5
        )
        index = CallTask.Reason.INDEX_INTERVIEW
        for (territory_id, outcome), values in (
            ((self.t93.pk, "no_answer"), self.seconds[(self.t93.pk, "no_answer")]),
            ((self.t75.pk, "reached"), self.seconds[(self.t75.pk, "reached")]),
        ):
            with self.subTest(territory=territory_id, outcome=outcome):
                mean, cv = times[territory_id][(index, outcome)]
                expected_mean, expected_cv = self.expected(values)
                self.assertAlmostEqual(mean, expected_mean, places=4)
                self.assertAlmostEqual(cv, expected_cv, places=4)
        # Three reached calls in 93 are not enough: the default stays.
        self.assertNotIn((index, "reached"), set(times[self.t93.pk]) - set(defaults.HANDLE_MINUTES))
        self.assertEqual(
            times[self.t93.pk].get((index, "reached")),
            defaults.HANDLE_MINUTES.get((index, "reached")),
        )
        # A territory without calls has the defaults; one territory alone, the same figures.
        self.assertEqual(
            handle_times_by_territory([self.t974])[self.t974.pk], defaults.HANDLE_MINUTES
        )
        self.assertEqual(
            handle_times_from_history(self.t75, since=self.now - timedelta(days=14), minimum=5),
            times[self.t75.pk],
        )

    def test_without_since_the_old_calls_count_too(self):
        mean, _cv = handle_times_by_territory([self.t93], minimum=5)[self.t93.pk][
            (CallTask.Reason.INDEX_INTERVIEW, "no_answer")
        ]
        self.assertAlmostEqual(
            mean,
            self.expected(self.seconds[(self.t93.pk, "no_answer")] + [3 * 3600.0])[0],
            places=4,
        )
