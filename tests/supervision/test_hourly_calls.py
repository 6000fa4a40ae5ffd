"""Issue 17 part 3: the queue-health chart from hourly counters (HourlyCalls) shows the figures a
direct count of the attempts gives: hour boundaries, the open hour, a change of daylight saving
time, La Réunion's zone, calls made for another territory, late outcomes, catching up."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Sum

from agents import roles
from calls.models import CallAttempt
from supervision.models import HourlyCalls
from supervision.selectors.queue_health import calls_by_hour, queue_health
from supervision.services.hourly_calls import (
    KEEP_DAYS,
    count_hourly_calls,
    whole_hour_zone,
)
from tests.base import PersonasTestCase, make_user

# Paris leaves summer time on 25 October 2026 at 03:00 (back to 02:00): its "today" has 25 hours
# and the hour 2h twice.
NOW = datetime(2026, 10, 25, 13, 47, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


class HourlyCallsTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.task93 = cls.register_case(cls.t93).task
        cls.task75 = cls.register_case(cls.t75, name="Durand", phone="0633333333").task
        cls.task974 = cls.register_case(cls.t974, name="Hoarau", phone="0644444444").task
        cls.sup974 = make_user("sup974", roles.SUPERVISEUR, territory=cls.t974)
        cls.paul = make_user("paul", roles.TELECONSEILLER, territory=cls.t75).agent
        # Every 17 minutes from three days ago to now, on the hour and just before it too: alice
        # (93) on 93's calls and on 75's (lent), paul (75) on 93's, zoe (974) on hers.
        moments = [NOW - 72 * H + k * 17 * M for k in range(72 * 60 // 17 + 1)]
        start = (NOW - 72 * H).replace(minute=0, second=0, microsecond=0)
        moments += [start + k * H for k in range(73)]
        moments += [start + k * H - timedelta(microseconds=1) for k in range(1, 73)]
        made = [
            CallAttempt(
                task=task,
                agent=agent,
                started_at=at,
                outcome="reached" if i % 5 == 0 else "no_answer",
            )
            for i, at in enumerate(m for m in moments if m <= NOW)
            for task, agent in (
                ((cls.task93, cls.alice.agent),)
                + (((cls.task75, cls.alice.agent),) if i % 3 == 0 else ())
                + (((cls.task93, cls.paul),) if i % 4 == 0 else ())
                + ((cls.task974, cls.zoe.agent),)
            )
        ]
        CallAttempt.objects.bulk_create(made)

    def expected(
        self, territory, *, superuser: bool, now=NOW, attempts=None
    ) -> tuple[list[int], list[int]]:
        """Count the attempts by hand: the territory's agents, their local day and hour."""
        if attempts is None:
            attempts = list(CallAttempt.objects.select_related("agent", "task"))
        zone = ZoneInfo(territory.timezone)
        today = now.astimezone(zone).date()
        yesterday = today - timedelta(days=1)
        series: dict = defaultdict(lambda: [0] * 24)
        for attempt in attempts:
            if attempt.agent.territory_id != territory.pk or attempt.started_at > now:
                continue
            if not superuser and attempt.task.territory_id != territory.pk:
                continue
            local = attempt.started_at.astimezone(zone)
            series[local.date()][local.hour] += 1
        return series[yesterday], series[today]

    def chart(self, user, territory, now=NOW) -> tuple[list[int], list[int]]:
        today = now.astimezone(ZoneInfo(territory.timezone)).date()
        return calls_by_hour(user=user, territory=territory, today=today, now=now)

    def assert_same_figures(self, now=NOW) -> None:
        attempts = list(CallAttempt.objects.select_related("agent", "task"))
        for user, territory in (
            (self.bob, self.t93),
            (self.carol, self.t93),
            (self.root, self.t93),
            (self.erin, self.t75),
            (self.root, self.t75),
            (self.sup974, self.t974),
            (self.root, self.t974),
        ):
            with self.subTest(user=user.username, territory=territory.code):
                expected = self.expected(
                    territory, superuser=user.is_superuser, now=now, attempts=attempts
                )
                self.assertEqual(self.chart(user, territory, now), expected)

    def test_the_data_has_what_the_chart_must_get_right(self):
        yesterday, today = self.expected(self.t93, superuser=False)
        # 25 hours today in Paris: 2h twice, and calls in both.
        self.assertGreater(today[2], yesterday[2])
        self.assertGreater(today[13], 0)  # the open hour (14:47 Paris, 13:47 UTC)
        # Alice's calls for 75 are in 75's chart for the superuser only, and paul's are not 93's.
        self.assertNotEqual(
            self.expected(self.t75, superuser=True), self.expected(self.t75, superuser=False)
        )

    def test_without_counters_the_chart_counts_the_attempts(self):
        self.assertFalse(HourlyCalls.objects.exists())
        self.assert_same_figures()

    def test_with_the_counters_the_chart_shows_the_same_figures(self):
        self.assertEqual(count_hourly_calls(now=NOW), 49)
        # Every territory has a row per hour counted, zeros included.
        self.assertEqual(HourlyCalls.objects.count(), 3 * 49)
        self.assertEqual(
            HourlyCalls.objects.filter(territory=self.t93).aggregate(n=Sum("calls"))["n"],
            CallAttempt.objects.filter(
                agent__territory=self.t93,
                started_at__gte=datetime(2026, 10, 23, 12, tzinfo=UTC),
                started_at__lt=datetime(2026, 10, 25, 13, tzinfo=UTC),
            ).count(),
        )
        self.assert_same_figures()
        # What the page shows.
        health = queue_health(user=self.bob, territory=self.t93, now=NOW)
        self.assertEqual(
            (health.calls_yesterday, health.calls_today), self.expected(self.t93, superuser=False)
        )
        # And a moment later in the same open hour, and after it is over, before the job runs.
        self.assert_same_figures(now=NOW + 10 * M)
        CallAttempt.objects.create(
            task=self.task93, agent=self.alice.agent, started_at=NOW + 20 * M, outcome="busy"
        )
        self.assert_same_figures(now=NOW + 90 * M)

    def test_the_chart_reads_the_counters_then_only_the_open_hour(self):
        count_hourly_calls(now=NOW)
        self.chart(self.bob, self.t93)  # the user's roles and territory, cached on the user
        # The counters, then the attempts of the open hour.
        with self.assertNumQueries(2):
            calls_by_hour(user=self.bob, territory=self.t93, today=NOW.date(), now=NOW)

    def test_it_is_idempotent(self):
        count_hourly_calls(now=NOW)
        before = list(HourlyCalls.objects.order_by("territory", "hour").values())
        self.assertEqual(count_hourly_calls(now=NOW), 3)  # the last hours recounted, no more
        self.assertEqual(list(HourlyCalls.objects.order_by("territory", "hour").values()), before)
        self.assert_same_figures()

    def test_a_late_outcome_is_counted_when_its_hour_is_recounted(self):
        count_hourly_calls(now=NOW)
        # Dialled at 12:55 UTC, recorded at 13:50: the hour 12h was counted without it.
        CallAttempt.objects.create(
            task=self.task93,
            agent=self.alice.agent,
            started_at=NOW.replace(hour=12, minute=55),
            ended_at=NOW + 3 * M,
            outcome="reached",
        )
        count_hourly_calls(now=NOW + 5 * M)
        self.assert_same_figures(now=NOW + 5 * M)

    def test_it_catches_up_after_a_downtime_and_forgets_old_hours(self):
        count_hourly_calls(now=NOW - 30 * H)
        later = NOW + 90 * M  # 30 hours without a run
        CallAttempt.objects.create(
            task=self.task974, agent=self.zoe.agent, started_at=NOW + 30 * M, outcome="busy"
        )
        self.assertEqual(count_hourly_calls(now=later), 32)
        self.assert_same_figures(now=later)
        hours = HourlyCalls.objects.filter(territory=self.t974).values_list("hour", flat=True)
        self.assertEqual(len(set(hours)), 49 + 32)
        count_hourly_calls(now=NOW + KEEP_DAYS * 24 * H)
        self.assertFalse(HourlyCalls.objects.filter(hour__lt=NOW.replace(minute=0)).exists())

    def test_a_gap_in_the_counters_falls_back_to_the_attempts(self):
        count_hourly_calls(now=NOW)
        HourlyCalls.objects.filter(territory=self.t93, hour=NOW.replace(hour=3, minute=0)).delete()
        self.assert_same_figures()

    def test_a_zone_off_the_hour_is_counted_from_the_attempts(self):
        kolkata = ZoneInfo("Asia/Kolkata")
        self.assertFalse(whole_hour_zone(kolkata, NOW))
        self.assertTrue(whole_hour_zone(ZoneInfo("Indian/Reunion"), NOW))
        count_hourly_calls(now=NOW)
        self.t974.timezone = "Asia/Kolkata"
        self.t974.save()
        self.assert_same_figures()
