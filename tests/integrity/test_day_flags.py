"""The flags on an agent's day (issue 14, part 5): little time on calls, wrap-up past its limits,
a pause past its daily cap that no supervisor confirmed, repeated short calls, repeated
conversation outcomes the carrier never saw answered. Each on a crafted day, with the near case
that does not fire; a confirmed training day is not idle; the job is idempotent; the drill-down
lists the day's calls with the carrier's word on each."""

from datetime import date, timedelta

from django.test import override_settings
from django.urls import reverse

from agents.models import AgentStatusPeriod, PauseCapDecision, PauseReason
from integrity.models import Finding
from integrity.services.detection import (
    detect_day_flags,
    detect_low_activity,
    detect_pause_over_cap,
    detect_repeated_call_findings,
    detect_wrap_up_over,
)
from tests.integrity.base import T0, H, IntegrityTestCase, S

Kind = Finding.Kind
DAY = date(2026, 1, 15)  # T0 is 10:00 in Paris that day
NEXT_MORNING = T0 + 24 * H
FLAGS = {
    "wrap_up_over_minutes": 30,
    "low_activity_after_seconds": 4 * 3600,
    "short_calls_min": 3,
    "short_calls_percent": 15,
    "unanswered_outcomes_min": 2,
}


@override_settings(INTEGRITY_FLAGS=FLAGS)
class DayFlagTests(IntegrityTestCase):
    def flags(self, kind: str) -> list[Finding]:
        return list(Finding.objects.filter(kind=kind))

    def pause(self, user, code: str, hours: float, *, at=T0):
        reason = PauseReason.objects.get(code=code)
        AgentStatusPeriod.objects.create(
            agent=user.agent,
            status="paused",
            pause_reason=reason,
            started_at=at,
            ended_at=at + timedelta(hours=hours),
        )
        return reason

    def call_findings(self, user, kind: str, n: int, *, connected: int):
        """`connected` connected calls of the day, `n` of them with a finding of `kind`."""
        for i in range(connected):
            attempt = self.attempt(user, connected_seconds=90, at=T0 + i * 5 * 60 * S)
            if i < n:
                Finding.objects.create(
                    territory=self.t93,
                    agent=user.agent,
                    day=DAY,
                    kind=kind,
                    attempt=attempt,
                    detected_at=T0 + H,
                )

    # --- little time on calls ----------------------------------------------------------------

    def test_a_day_mostly_ready_is_flagged_with_its_share(self):
        self.day(self.alice, DAY, ready_seconds=5 * 3600, on_call_seconds=3600, calls=8)
        self.day(self.anna, DAY, ready_seconds=3 * 3600, on_call_seconds=3 * 3600, calls=20)
        self.assertEqual(detect_low_activity(now=NEXT_MORNING), 1)
        (flag,) = self.flags(Kind.LOW_ACTIVITY)
        self.assertEqual((flag.agent_id, flag.day), (self.alice.agent.pk, DAY))
        self.assertEqual(flag.evidence["on_call_share"], 17)
        self.assertEqual(flag.evidence["worked_seconds"], 6 * 3600)

    def test_a_short_day_is_not_judged(self):
        self.day(self.alice, DAY, ready_seconds=3 * 3600, on_call_seconds=600)
        self.assertEqual(detect_low_activity(now=NEXT_MORNING), 0)

    def test_a_confirmed_training_day_is_neither_idle_nor_low_output(self):
        reason = self.pause(self.alice, "formation", 7)
        self.day(self.alice, DAY, ready_seconds=600, paused_seconds=7 * 3600)
        PauseCapDecision.objects.create(
            agent=self.alice.agent,
            day=DAY,
            pause_reason=reason,
            confirmed=True,
            decided_by=self.bob,
            decided_at=T0 + 8 * H,
        )
        self.assertEqual(detect_day_flags(now=NEXT_MORNING), 0)

    # --- wrap-up past its limits -------------------------------------------------------------

    def test_wrap_up_past_its_limits_for_half_an_hour_is_flagged(self):
        # Ten unanswered calls with 25 minutes of wrap-up each, a limit of one minute.
        self.day(
            self.alice,
            DAY,
            on_call_seconds=10 * 40,
            wrap_up_seconds=10 * 25 * 60,
            wrap_up_over_seconds=10 * 24 * 60,
            calls=10,
        )
        self.day(self.anna, DAY, wrap_up_seconds=3600, wrap_up_over_seconds=29 * 60, calls=30)
        self.assertEqual(detect_wrap_up_over(now=NEXT_MORNING), 1)
        (flag,) = self.flags(Kind.WRAP_UP_OVER)
        self.assertEqual(flag.agent_id, self.alice.agent.pk)
        self.assertEqual(flag.evidence["wrap_up_over_seconds"], 240 * 60)

    # --- pauses past their cap ---------------------------------------------------------------

    def test_a_day_in_training_past_its_cap_is_flagged_unless_confirmed(self):
        self.pause(self.alice, "formation", 7)  # cap: 2 h
        self.day(self.alice, DAY, paused_seconds=7 * 3600)
        self.pause(self.anna, "formation", 1.5)  # under the cap
        self.day(self.anna, DAY, paused_seconds=int(1.5 * 3600), ready_seconds=6 * 3600)
        self.pause(self.sidi, "dejeuner", 3)  # no cap on lunch: its own alert, not this flag
        self.day(self.sidi, DAY, paused_seconds=3 * 3600)
        self.assertEqual(detect_pause_over_cap(now=NEXT_MORNING), 1)
        (flag,) = self.flags(Kind.PAUSE_OVER_CAP)
        self.assertEqual(flag.agent_id, self.alice.agent.pk)
        self.assertEqual(flag.evidence["over_seconds"], 5 * 3600)
        self.assertEqual(flag.evidence["pauses"][0]["reason"], "formation")
        self.assertFalse(flag.evidence["pauses"][0]["refused"])

    def test_a_refused_pause_is_flagged_and_says_so(self):
        reason = self.pause(self.alice, "formation", 4)
        self.day(self.alice, DAY, paused_seconds=4 * 3600)
        PauseCapDecision.objects.create(
            agent=self.alice.agent,
            day=DAY,
            pause_reason=reason,
            confirmed=False,
            decided_by=self.bob,
            decided_at=T0 + 5 * H,
        )
        self.assertEqual(detect_pause_over_cap(now=NEXT_MORNING), 1)
        self.assertTrue(self.flags(Kind.PAUSE_OVER_CAP)[0].evidence["pauses"][0]["refused"])

    # --- repeated findings on the day's calls ------------------------------------------------

    def test_repeated_short_calls_are_flagged_one_is_a_finding_only(self):
        self.day(self.alice, DAY, on_call_seconds=3600, calls=10)
        self.call_findings(self.alice, Kind.CALL_TOO_SHORT, 3, connected=10)
        self.day(self.anna, DAY, on_call_seconds=3600, calls=10)
        self.call_findings(self.anna, Kind.CALL_TOO_SHORT, 2, connected=10)
        self.assertEqual(detect_repeated_call_findings(now=NEXT_MORNING), 1)
        (flag,) = self.flags(Kind.FAST_HANG_UPS)
        self.assertEqual(flag.agent_id, self.alice.agent.pk)
        self.assertEqual((flag.evidence["short_calls"], flag.evidence["connected_calls"]), (3, 10))

    def test_three_short_calls_among_many_are_not_a_habit(self):
        self.day(self.alice, DAY, on_call_seconds=4 * 3600, calls=30)
        self.call_findings(self.alice, Kind.CALL_TOO_SHORT, 3, connected=30)  # 10 %
        self.assertEqual(detect_repeated_call_findings(now=NEXT_MORNING), 0)

    def test_repeated_outcomes_the_carrier_never_answered_are_flagged(self):
        self.day(self.alice, DAY, on_call_seconds=3600, calls=10)
        self.call_findings(self.alice, Kind.NO_CARRIER_ANSWER, 2, connected=4)
        self.day(self.anna, DAY, on_call_seconds=3600, calls=10)
        self.call_findings(self.anna, Kind.NO_CARRIER_ANSWER, 1, connected=4)
        self.assertEqual(detect_repeated_call_findings(now=NEXT_MORNING), 1)
        (flag,) = self.flags(Kind.UNANSWERED_OUTCOMES)
        self.assertEqual(
            (flag.agent_id, flag.evidence["unanswered_outcomes"]), (self.alice.agent.pk, 2)
        )

    # --- the job -----------------------------------------------------------------------------

    def test_a_day_not_over_is_not_judged_and_the_job_is_idempotent(self):
        self.day(self.alice, DAY, ready_seconds=7 * 3600, wrap_up_over_seconds=3600)
        self.assertEqual(detect_day_flags(now=T0 + 8 * H), 0)
        made = detect_day_flags(now=NEXT_MORNING)
        self.assertEqual(
            set(Finding.objects.values_list("kind", flat=True)),
            {Kind.LOW_OUTPUT, Kind.LOW_ACTIVITY, Kind.WRAP_UP_OVER},
        )
        self.assertEqual(made, 3)
        self.assertEqual(detect_day_flags(now=NEXT_MORNING), 0)
        self.assertEqual(detect_day_flags(now=NEXT_MORNING + H), 0)
        self.assertEqual(Finding.objects.count(), 3)

    @override_settings(INTEGRITY_FLAGS={**FLAGS, "wrap_up_over_minutes": 90})
    def test_the_thresholds_are_settings(self):
        self.day(self.alice, DAY, wrap_up_seconds=3600, wrap_up_over_seconds=3600)
        self.assertEqual(detect_wrap_up_over(now=NEXT_MORNING), 0)

    # --- the page ----------------------------------------------------------------------------

    def test_the_drill_down_lists_the_days_calls_with_the_carriers_word(self):
        self.day(self.alice, DAY, on_call_seconds=3600, calls=10)
        self.call_findings(self.alice, Kind.CALL_TOO_SHORT, 3, connected=5)
        detect_repeated_call_findings(now=NEXT_MORNING)
        flag = self.flags(Kind.FAST_HANG_UPS)[0]
        self.client.force_login(self.bob)
        with self.settings(LANGUAGE_CODE="en"):
            response = self.client.get(
                reverse("integrity:finding-detail", args=[flag.pk]), HTTP_ACCEPT_LANGUAGE="en"
            )
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        self.assertEqual(body.count('data-testid="day-call"'), 5)
        self.assertIn("3 calls too short for their outcome out of 5 connected", body)
        short = Finding.objects.filter(kind=Kind.CALL_TOO_SHORT).first()
        self.assertIn(reverse("integrity:finding-detail", args=[short.pk]), body)
        # Another territory's supervisor gets nothing.
        self.client.force_login(self.erin)
        response = self.client.get(reverse("integrity:finding-detail", args=[flag.pk]))
        self.assertEqual(response.status_code, 404)
