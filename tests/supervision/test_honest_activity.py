"""Honest activity (issue 14, part 5): wrap-up past its limit (data per outcome and reason) is
idle, not active, and raises an alert while it lasts; calls per active hour and the share of
logged-in time on calls, with thresholds, on the board."""

from datetime import date

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agents.models import AgentDay, PauseCapDecision, PauseReason
from agents.services.pauses import decide_pause_over_cap
from calls.models import CallTask, DurationRule
from calls.services.outcomes import wrap_up_limit_seconds
from supervision.models import Alert
from supervision.services.board import activity_rates, refresh_boards
from tests.supervision.test_board import T0, THRESHOLDS, BoardTestCase, M, Outcome, S, Status

ACTIVITY = {
    "calls_per_active_hour_min": 4,
    "on_call_share_percent_min": 30,
    "full_day_seconds": 6 * 3600,
    "low_output_calls": 10,
    "low_output_talk_seconds": 2 * 3600,
}
BOARD = reverse("supervision:plateau")
DAY = date(2026, 1, 15)


def no_answer_limit() -> int:
    return DurationRule.objects.get(outcome=Outcome.NO_ANSWER, reason="").wrap_up_limit_seconds


@override_settings(SUPERVISION_THRESHOLDS=THRESHOLDS, ACTIVITY_THRESHOLDS=ACTIVITY)
class WrapUpLimitTests(BoardTestCase):
    def setUp(self):
        super().setUp()
        for _ in range(10):
            self.make_task()
        self.set_status(self.alice, Status.READY, T0)

    def test_the_limit_is_data_per_outcome_and_reason(self):
        self.assertEqual(
            wrap_up_limit_seconds(outcome=Outcome.NO_ANSWER, reason=CallTask.Reason.FOLLOW_UP), 60
        )
        self.assertEqual(
            wrap_up_limit_seconds(outcome=Outcome.REACHED, reason=CallTask.Reason.INDEX_INTERVIEW),
            600,
        )
        DurationRule.objects.filter(outcome=Outcome.NO_ANSWER).update(wrap_up_limit_seconds=None)
        self.assertIsNone(
            wrap_up_limit_seconds(outcome=Outcome.NO_ANSWER, reason=CallTask.Reason.FOLLOW_UP)
        )

    def test_unanswered_calls_with_endless_wrap_up_do_not_read_as_active(self):
        # The example: unanswered calls, 25 minutes of wrap-up after each.
        at = T0
        for _ in range(4):
            self.call(self.alice, at=at, outcome=Outcome.NO_ANSWER, ended_after=30 * S)
            at += 30 * S + 25 * M
        self.set_status(self.alice, Status.READY, at)
        day = AgentDay.objects.get(agent=self.alice.agent)
        limit = no_answer_limit()
        self.assertEqual(day.wrap_up_seconds, 4 * 25 * 60)
        self.assertEqual(day.wrap_up_over_seconds, 4 * (25 * 60 - limit))
        row = self.row(self.alice, at)
        self.assertEqual(row["wrap_up_over_seconds"], 4 * (25 * 60 - limit))
        # Active: the dialling (on call) and the wrap-up within its limit, nothing more.
        self.assertEqual(row["active_seconds"], 4 * 30 + 4 * limit)
        self.assertLess(row["active_seconds"] * 100 // row["logged_in_seconds"], 20)

    def test_the_open_wrap_up_past_its_limit_counts_as_idle_live(self):
        self.call(self.alice, at=T0, outcome=Outcome.NO_ANSWER, ended_after=30 * S)
        limit = no_answer_limit()
        row = self.row(self.alice, T0 + 30 * S + limit * S)
        self.assertEqual((row["wrap_up_over_seconds"], row["active_seconds"]), (0, 30 + limit))
        row = self.row(self.alice, T0 + 30 * S + limit * S + 10 * M)
        self.assertEqual(row["wrap_up_over_seconds"], 600)
        self.assertEqual(row["active_seconds"], 30 + limit)

    def test_a_wrap_up_within_its_limit_is_active(self):
        self.call(self.alice, at=T0, outcome=Outcome.NO_ANSWER, ended_after=30 * S)
        self.set_status(self.alice, Status.READY, T0 + 60 * S)
        day = AgentDay.objects.get(agent=self.alice.agent)
        self.assertEqual((day.wrap_up_seconds, day.wrap_up_over_seconds), (30, 0))

    def test_a_wrap_up_past_its_limit_raises_an_alert_while_it_lasts(self):
        self.call(self.alice, at=T0, outcome=Outcome.NO_ANSWER, ended_after=30 * S)
        limit = no_answer_limit()
        refresh_boards(now=T0 + 30 * S + limit * S)
        self.assertFalse(Alert.objects.filter(kind=Alert.Kind.LONG_WRAP_UP).exists())
        refresh_boards(now=T0 + 30 * S + (limit + 1) * S)
        refresh_boards(now=T0 + 30 * S + (limit + 60) * S)
        alert = Alert.objects.get(kind=Alert.Kind.LONG_WRAP_UP)
        self.assertEqual((alert.agent, alert.cleared_at), (self.alice.agent, None))
        self.set_status(self.alice, Status.READY, T0 + 5 * M)
        refresh_boards(now=T0 + 5 * M + S)
        alert.refresh_from_db()
        self.assertEqual(alert.cleared_at, T0 + 5 * M + S)


@override_settings(SUPERVISION_THRESHOLDS=THRESHOLDS, ACTIVITY_THRESHOLDS=ACTIVITY)
class ActivityRatesTests(BoardTestCase):
    def test_the_rates_and_their_thresholds(self):
        self.assertEqual(
            activity_rates(calls=10, active=7200, on_call=3600, logged_in=7200),
            {"calls_per_active_hour": 5.0, "on_call_share": 50, "low_rates": False},
        )
        # Three calls an active hour: under 4.
        self.assertTrue(
            activity_rates(calls=3, active=3600, on_call=3000, logged_in=3600)["low_rates"]
        )
        # A fifth of the time on calls: under 30 %.
        self.assertTrue(
            activity_rates(calls=20, active=3600, on_call=720, logged_in=3600)["low_rates"]
        )
        # Logged in, nothing done: no rate per active hour, and flagged once an hour in.
        self.assertEqual(
            activity_rates(calls=0, active=0, on_call=0, logged_in=3600),
            {"calls_per_active_hour": None, "on_call_share": 0, "low_rates": True},
        )
        # Not judged in the first hour.
        self.assertFalse(activity_rates(calls=0, active=0, on_call=0, logged_in=3599)["low_rates"])

    @override_settings(ACTIVITY_THRESHOLDS={**ACTIVITY, "calls_per_active_hour_min": 2})
    def test_the_thresholds_are_settings(self):
        self.assertFalse(
            activity_rates(calls=3, active=3600, on_call=3000, logged_in=3600)["low_rates"]
        )

    def test_the_board_shows_the_rates_and_marks_those_under_threshold(self):
        self.make_task()
        self.set_status(self.alice, Status.READY, T0)
        self.call(self.alice, at=T0, outcome=Outcome.NO_ANSWER, ended_after=30 * S)
        self.set_status(self.alice, Status.READY, T0 + M)
        now = T0 + 61 * M
        row = self.row(self.alice, now)
        self.assertEqual(row["on_call_share"], round(30 * 100 / (61 * 60)))
        self.assertEqual(row["calls_per_active_hour"], round(3600 / 60, 1))
        self.assertTrue(row["low_rates"])
        refresh_boards(now=now)
        self.client.force_login(self.bob)
        with self.settings(BOARD_REFRESH_SECONDS=3600):
            response = self.client.get(BOARD)
        self.assertContains(response, 'data-testid="on-call-share"')
        self.assertContains(response, "under-threshold")


@override_settings(SUPERVISION_THRESHOLDS=THRESHOLDS, ACTIVITY_THRESHOLDS=ACTIVITY)
class PauseCapTests(BoardTestCase):
    """Training and meeting can hide a day: past their daily cap (data), a supervisor confirms
    or refuses the pause; unconfirmed, the time past the cap is idle."""

    def setUp(self):
        super().setUp()
        self.training = PauseReason.objects.get(code="formation")
        self.set_status(self.alice, Status.READY, T0)

    def test_the_caps_are_data_on_the_reasons_that_can_hide_a_day(self):
        caps = dict(PauseReason.objects.values_list("code", "daily_cap_minutes"))
        self.assertEqual((caps["formation"], caps["reunion"]), (120, 60))
        self.assertIsNone(caps["pause"])

    def test_past_the_cap_the_pause_is_flagged_and_alerted_until_confirmed(self):
        # An hour of training in the morning, then another 61 minutes: 121 > 120.
        self.set_status(self.alice, Status.PAUSED, T0, reason="formation")
        self.set_status(self.alice, Status.READY, T0 + 60 * M)
        self.set_status(self.alice, Status.PAUSED, T0 + 90 * M, reason="formation")
        self.assertNotIn(Alert.Kind.PAUSE_OVER_CAP, self.row(self.alice, T0 + 150 * M)["flags"])
        row = self.row(self.alice, T0 + 151 * M)
        self.assertEqual(row["pause_today_seconds"], 121 * 60)
        self.assertIn(Alert.Kind.PAUSE_OVER_CAP, row["flags"])
        refresh_boards(now=T0 + 151 * M)
        self.assertTrue(Alert.objects.filter(kind=Alert.Kind.PAUSE_OVER_CAP, cleared_at=None))
        decide_pause_over_cap(
            agent=self.alice.agent,
            day=DAY,
            pause_reason=self.training,
            confirmed=True,
            user=self.bob,
            note="Onboarding day",
            now=T0 + 152 * M,
        )
        self.assertNotIn(Alert.Kind.PAUSE_OVER_CAP, self.row(self.alice, T0 + 153 * M)["flags"])
        refresh_boards(now=T0 + 153 * M)
        self.assertFalse(Alert.objects.filter(kind=Alert.Kind.PAUSE_OVER_CAP, cleared_at=None))

    def test_a_refused_pause_stays_flagged(self):
        self.set_status(self.alice, Status.PAUSED, T0, reason="reunion")
        decide_pause_over_cap(
            agent=self.alice.agent,
            day=DAY,
            pause_reason=PauseReason.objects.get(code="reunion"),
            confirmed=False,
            user=self.bob,
            note="No meeting today",
            now=T0 + 61 * M,
        )
        self.assertIn(Alert.Kind.PAUSE_OVER_CAP, self.row(self.alice, T0 + 70 * M)["flags"])

    def test_a_pause_without_a_cap_is_never_flagged_for_it(self):
        self.set_status(self.alice, Status.PAUSED, T0, reason="dejeuner")
        self.assertNotIn(Alert.Kind.PAUSE_OVER_CAP, self.row(self.alice, T0 + 300 * M)["flags"])


@override_settings(SUPERVISION_THRESHOLDS=THRESHOLDS, ACTIVITY_THRESHOLDS=ACTIVITY)
class PauseCapDecisionPageTests(BoardTestCase):
    def setUp(self):
        super().setUp()
        # A one-minute cap, so that the test holds at any hour but the first minutes of the day.
        PauseReason.objects.filter(code="formation").update(daily_cap_minutes=1)
        self.set_status(self.alice, Status.PAUSED, timezone.now() - 3 * M, reason="formation")
        refresh_boards(now=timezone.now())
        self.alert = Alert.objects.get(kind=Alert.Kind.PAUSE_OVER_CAP)
        self.url = reverse("supervision:decide-pause-cap", args=[self.alert.pk])

    def test_the_supervisor_sees_it_and_confirms_or_refuses(self):
        self.client.force_login(self.bob)
        response = self.client.get(reverse("supervision:alerts"))
        self.assertContains(response, 'data-testid="confirm-pause"')
        self.client.post(self.url, {"decision": "refuse", "note": "Not in the plan"})
        decision = PauseCapDecision.objects.get()
        self.assertEqual(
            (decision.agent, decision.confirmed, decision.decided_by, decision.note),
            (self.alice.agent, False, self.bob, "Not in the plan"),
        )
        self.client.post(self.url, {"decision": "confirm", "note": "Checked: onboarding"})
        decision = PauseCapDecision.objects.get()
        self.assertTrue(decision.confirmed)
        self.assertEqual(decision.pause_reason.code, "formation")

    def test_a_bad_decision_writes_nothing(self):
        self.client.force_login(self.bob)
        self.client.post(self.url, {"decision": "maybe"})
        self.assertFalse(PauseCapDecision.objects.exists())

    def test_an_agent_cannot_and_another_territory_gets_404(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(self.url, {"decision": "confirm"}).status_code, 403)
        self.client.force_login(self.dave)
        self.assertEqual(self.client.post(self.url, {"decision": "confirm"}).status_code, 404)
        self.assertFalse(PauseCapDecision.objects.exists())

    def test_the_agent_is_told_on_her_desk(self):
        self.client.force_login(self.alice)
        response = self.client.get(reverse("calls:desk"))
        self.assertContains(response, 'data-testid="pause-cap" data-over="1"')
        self.assertContains(response, "alert alert--warning")
        decide_pause_over_cap(
            agent=self.alice.agent,
            day=timezone.localdate(timezone=self.t93.zone),
            pause_reason=PauseReason.objects.get(code="formation"),
            confirmed=True,
            user=self.bob,
            note="",
            now=timezone.now(),
        )
        response = self.client.get(reverse("calls:desk"))
        self.assertContains(response, 'data-testid="pause-cap" data-over="1"')
        self.assertNotContains(response, "alert alert--warning")
