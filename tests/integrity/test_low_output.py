"""The low-output flag (issue 14, part 5): under 10 connected calls on a full day is a finding of
the day, naming the failure; thresholds are settings."""

from datetime import date

from django.test import override_settings

from integrity.models import Finding
from integrity.services.detection import detect_low_output
from tests.integrity.base import T0, H, IntegrityTestCase, S

FULL_DAY = 6 * 3600
THRESHOLDS = {
    "calls_per_active_hour_min": 4,
    "on_call_share_percent_min": 30,
    "full_day_seconds": FULL_DAY,
    "low_output_calls": 10,
    "low_output_talk_seconds": 2 * 3600,
}
DAY = date(2026, 1, 15)
# The next morning in Paris: the 15th is over.
NEXT_MORNING = T0 + 24 * H


@override_settings(ACTIVITY_THRESHOLDS=THRESHOLDS)
class LowOutputTests(IntegrityTestCase):
    def calls(self, user, n, *, connected=True):
        for i in range(n):
            self.attempt(
                user, connected_seconds=120 if connected else None, at=T0 + i * 10 * 60 * S
            )

    def test_a_full_day_with_nine_connected_calls_is_flagged_with_its_figures(self):
        self.day(self.alice, DAY, ready_seconds=FULL_DAY - 3600, on_call_seconds=3600, calls=15)
        self.calls(self.alice, 9)
        self.calls(self.alice, 6, connected=False)
        self.assertEqual(detect_low_output(now=NEXT_MORNING), 1)
        finding = Finding.objects.get()
        self.assertEqual(
            (finding.kind, finding.agent_id, finding.day, finding.attempt_id),
            (Finding.Kind.LOW_OUTPUT, self.alice.agent.pk, DAY, None),
        )
        self.assertEqual(finding.evidence["connected_calls"], 9)
        self.assertEqual(finding.evidence["calls"], 15)
        self.assertEqual(finding.evidence["logged_in_seconds"], FULL_DAY)
        self.assertEqual(finding.evidence["floor"], 10)

    def test_ten_connected_calls_or_a_short_day_are_not_flagged(self):
        self.day(self.alice, DAY, ready_seconds=FULL_DAY)
        self.calls(self.alice, 10)
        self.day(self.anna, DAY, ready_seconds=FULL_DAY - 1)  # not a full day
        self.assertEqual(detect_low_output(now=NEXT_MORNING), 0)

    def test_a_day_not_over_is_not_judged_and_the_job_is_idempotent(self):
        self.day(self.alice, DAY, ready_seconds=FULL_DAY)
        self.assertEqual(detect_low_output(now=T0 + 8 * H), 0)
        self.assertEqual(detect_low_output(now=NEXT_MORNING), 1)
        self.assertEqual(detect_low_output(now=NEXT_MORNING), 0)
        self.assertEqual(detect_low_output(now=NEXT_MORNING + H), 0)
        self.assertEqual(Finding.objects.count(), 1)

    def test_a_day_of_long_interviews_is_a_days_work(self):
        # Nine patients zéro interviewed for half an hour each: fewer than ten calls, not idle.
        self.day(self.alice, DAY, ready_seconds=FULL_DAY, talk_seconds=9 * 1800, calls=12)
        self.calls(self.alice, 9)
        self.day(self.anna, DAY, ready_seconds=FULL_DAY, talk_seconds=2 * 3600 - 1, calls=12)
        self.calls(self.anna, 9)
        self.assertEqual(detect_low_output(now=NEXT_MORNING), 1)
        self.assertEqual(Finding.objects.get().agent_id, self.anna.agent.pk)

    @override_settings(ACTIVITY_THRESHOLDS={**THRESHOLDS, "low_output_calls": 5})
    def test_the_floor_is_a_setting(self):
        self.day(self.alice, DAY, ready_seconds=FULL_DAY)
        self.calls(self.alice, 6)
        self.assertEqual(detect_low_output(now=NEXT_MORNING), 0)
