"""The plateau board's snapshot (DESIGN.md §5): figures from attempts and status changes recorded
through the real services, the colour thresholds and the flags."""

from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from agents import roles
from agents.models import Agent, PauseReason
from agents.services.staff import set_agent_status
from calls.models import CallAttempt
from calls.services.dispatch import claim_next_task
from calls.services.outcomes import mark_connected, mark_dialled, record_outcome
from calls.tasks import HEARTBEAT_KEY
from supervision.services.board import compute_snapshot, refresh_boards, snapshot_key
from tests.base import make_user
from tests.calls.test_dispatch import QueueTestCase

Status = Agent.Status
Outcome = CallAttempt.Outcome
# A winter Thursday, 10:00 in Paris.
T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)
M = timedelta(minutes=1)

THRESHOLDS = {
    "ready_notice": 60,
    "ready_alert": 300,
    "paused_notice": 600,
    "on_call_alert": 2700,
    "no_call": 1800,
    "short_call_share_percent": 30,
    "short_calls_min_calls": 10,
}


# A page finding the cache emptied reads the jobs' heartbeat row once (and puts it back).
HEARTBEAT_QUERY = 1


class BoardTestCase(QueueTestCase):
    def setUp(self):
        cache.clear()
        cache.set(HEARTBEAT_KEY, timezone.now(), timeout=None)

    def call(self, user, *, at, outcome, connected_after=None, ended_after):
        """Claim at `at`, dial at once, connect `connected_after` later (or never), end
        `ended_after` after `at`."""
        agent = user.agent
        assignment = claim_next_task(agent=agent, now=at)
        self.assertIsNotNone(assignment)
        mark_dialled(assignment=assignment, agent=agent, phone=assignment.phone, now=at)
        if connected_after is not None:
            mark_connected(assignment=assignment, agent=agent, now=at + connected_after)
        return record_outcome(
            assignment=assignment, agent=agent, outcome=outcome, now=at + ended_after
        ).attempt

    def row(self, user, now, territory=None) -> dict:
        snapshot = compute_snapshot(territory=territory or self.t93, now=now)
        rows = {r["username"]: r for r in snapshot["rows"]}
        return rows.get(user.username)

    def set_status(self, user, status, at, reason=None):
        set_agent_status(
            agent=user.agent,
            status=status,
            now=at,
            pause_reason=PauseReason.objects.get(code=reason) if reason else None,
        )


class BoardFiguresTests(BoardTestCase):
    def setUp(self):
        super().setUp()
        for _ in range(3):
            self.make_task()
        self.set_status(self.alice, Status.READY, T0)
        # Reached: connected 20 s after dialling, on the line for 4 min 40 s.
        self.call(
            self.alice,
            at=T0 + M,
            outcome=Outcome.REACHED,
            connected_after=20 * S,
            ended_after=5 * M,
        )
        self.set_status(self.alice, Status.READY, T0 + 7 * M)
        # A short call: connected, hung up after 5 s.
        self.call(
            self.alice,
            at=T0 + 8 * M,
            outcome=Outcome.REFUSED,
            connected_after=0 * S,
            ended_after=5 * S,
        )
        # No answer: never connected (after 55 s of wrap-up the agent takes the next call).
        self.call(self.alice, at=T0 + 9 * M, outcome=Outcome.NO_ANSWER, ended_after=30 * S)
        self.now = T0 + 10 * M

    def test_it_counts_the_calls_reached_and_short_calls_of_the_day(self):
        row = self.row(self.alice, self.now)
        self.assertEqual((row["calls"], row["reached"], row["short_calls"]), (3, 1, 1))
        self.assertEqual(row["last_call_at"], T0 + 9 * M + 30 * S)

    def test_it_adds_up_talk_time_and_average_handle_time(self):
        row = self.row(self.alice, self.now)
        self.assertEqual(row["talk_seconds"], 280 + 5)
        # Wrap-up: 60 s after the first call, 55 s after the second, 30 s live after the third.
        self.assertEqual(row["wrap_up_seconds"], 60 + 55 + 30)
        self.assertEqual(row["aht_seconds"], (285 + 145) // 3)

    def test_it_counts_the_conversations_recorded_without_answered_apart(self):
        self.make_task()
        self.set_status(self.alice, Status.READY, self.now)
        # Refused, recorded without « Answered »: a call, with a talk time unknown, not zero.
        self.call(self.alice, at=self.now, outcome=Outcome.REFUSED, ended_after=2 * M)
        later = self.now + 3 * M
        row = self.row(self.alice, later)
        self.assertEqual((row["calls"], row["talk_not_marked"]), (4, 1))
        self.assertEqual(row["talk_seconds"], 280 + 5)
        # Read with the day's other counters: the snapshot's queries stay four.
        with self.assertNumQueries(4):
            compute_snapshot(territory=self.t93, now=later)

    def test_it_shows_the_time_in_the_current_status(self):
        row = self.row(self.alice, self.now)
        self.assertEqual(
            (row["status"], row["status_since"], row["status_seconds"]),
            (Status.WRAP_UP, T0 + 570 * S, 30),
        )

    def test_it_compares_logged_in_time_with_active_time(self):
        row = self.row(self.alice, self.now)
        # On call: 5 min, 5 s and 30 s; ready: the first and the eighth minutes.
        self.assertEqual((row["on_call_seconds"], row["ready_seconds"]), (300 + 5 + 30, 120))
        self.assertEqual(row["logged_in_seconds"], 600)
        self.assertEqual(row["active_seconds"], 335 + 145)

    def test_it_keeps_an_agent_who_logged_off_with_calls_today(self):
        self.set_status(self.alice, Status.OFFLINE, self.now)
        row = self.row(self.alice, self.now + 30 * M)
        self.assertEqual(
            (row["status"], row["calls"], row["logged_in_seconds"]), (Status.OFFLINE, 3, 600)
        )
        self.assertEqual(row["flags"], [])

    def test_it_starts_a_new_day_at_local_midnight(self):
        # 00:05 the next day in Paris: yesterday's calls are not today's.
        self.set_status(self.alice, Status.READY, self.now)
        row = self.row(self.alice, datetime(2026, 1, 15, 23, 5, tzinfo=UTC))
        self.assertEqual((row["calls"], row["reached"]), (0, 0))
        self.assertEqual(row["ready_seconds"], 5 * 60)

    def test_it_leaves_out_offline_agents_without_activity_today_and_other_territories(self):
        snapshot = compute_snapshot(territory=self.t93, now=self.now)
        self.assertEqual([r["username"] for r in snapshot["rows"]], ["alice"])
        self.assertIsNone(self.row(self.alice, self.now, territory=self.t75))
        self.assertEqual(compute_snapshot(territory=self.t75, now=self.now)["rows"], [])

    def test_it_stores_every_territorys_snapshot_in_the_cache(self):
        self.assertEqual(refresh_boards(now=self.now), 3)
        snapshot = cache.get(snapshot_key(self.t93.pk))
        self.assertEqual(snapshot["computed_at"], self.now)
        self.assertEqual([(r["username"], r["calls"]) for r in snapshot["rows"]], [("alice", 3)])
        self.assertEqual(cache.get(snapshot_key(self.t75.pk))["rows"], [])


@override_settings(SUPERVISION_THRESHOLDS=THRESHOLDS)
class BoardThresholdTests(BoardTestCase):
    def colour_and_flags(self, user, now):
        row = self.row(user, now)
        return row["colour"], row["flags"]

    def test_it_colours_a_ready_agent_blue_then_dark_blue_and_flags_them_idle(self):
        self.set_status(self.alice, Status.READY, T0)
        self.assertEqual(self.colour_and_flags(self.alice, T0 + 60 * S), ("", []))
        self.assertEqual(self.colour_and_flags(self.alice, T0 + 61 * S), ("ready_notice", []))
        self.assertEqual(self.colour_and_flags(self.alice, T0 + 300 * S), ("ready_notice", []))
        self.assertEqual(self.colour_and_flags(self.alice, T0 + 301 * S), ("ready_alert", ["idle"]))

    def test_it_colours_a_pause_yellow_then_red_past_its_reasons_limit(self):
        # A lunch break may last 60 minutes, a short break 15.
        self.set_status(self.alice, Status.PAUSED, T0, reason="dejeuner")
        row = self.row(self.alice, T0 + 5 * M)
        self.assertEqual(
            (row["pause_reason"], row["pause_max_minutes"], row["colour"]), ("dejeuner", 60, "")
        )
        self.assertEqual(self.colour_and_flags(self.alice, T0 + 11 * M), ("paused_notice", []))
        self.assertEqual(
            self.colour_and_flags(self.alice, T0 + 61 * M),
            ("paused_over", ["long_pause", "no_call"]),
        )
        self.set_status(self.bob, Status.PAUSED, T0, reason="pause")
        self.assertEqual(self.colour_and_flags(self.bob, T0 + 15 * M), ("paused_notice", []))
        self.assertEqual(
            self.colour_and_flags(self.bob, T0 + 15 * M + S), ("paused_over", ["long_pause"])
        )

    def test_it_colours_a_long_call_purple(self):
        self.make_task()
        self.set_status(self.alice, Status.READY, T0)
        claim_next_task(agent=self.alice.agent, now=T0 + M)
        self.assertEqual(self.colour_and_flags(self.alice, T0 + 46 * M), ("", []))
        self.assertEqual(
            self.colour_and_flags(self.alice, T0 + 46 * M + S), ("on_call_alert", ["long_call"])
        )
        self.assertIsNotNone(self.row(self.alice, T0 + 2 * M)["held_task_id"])

    def test_it_flags_a_logged_in_agent_with_no_call_for_too_long(self):
        self.make_task()
        self.set_status(self.alice, Status.READY, T0)
        self.call(self.alice, at=T0 + M, outcome=Outcome.NO_ANSWER, ended_after=M)
        self.set_status(self.alice, Status.PAUSED, T0 + 3 * M, reason="formation")
        # The last call ended at T0 + 2 min: flagged 30 minutes later, not before.
        self.assertEqual(self.colour_and_flags(self.alice, T0 + 32 * M)[1], [])
        self.assertEqual(self.colour_and_flags(self.alice, T0 + 32 * M + S)[1], ["no_call"])
        # Never flagged once offline.
        self.set_status(self.alice, Status.OFFLINE, T0 + 40 * M)
        self.assertEqual(self.colour_and_flags(self.alice, T0 + 90 * M), ("", []))

    def test_it_flags_no_call_from_the_first_login_when_there_was_no_call(self):
        self.set_status(self.alice, Status.READY, T0)
        self.set_status(self.alice, Status.PAUSED, T0 + M, reason="formation")
        self.assertEqual(self.colour_and_flags(self.alice, T0 + 30 * M)[1], [])
        self.assertEqual(self.colour_and_flags(self.alice, T0 + 30 * M + S)[1], ["no_call"])

    @override_settings(
        SUPERVISION_THRESHOLDS={
            **THRESHOLDS,
            "short_calls_min_calls": 3,
            "short_call_share_percent": 30,
        }
    )
    def test_it_flags_an_unusual_share_of_short_calls(self):
        for _ in range(4):
            self.make_task()
        self.set_status(self.alice, Status.READY, T0)
        self.call(
            self.alice, at=T0, outcome=Outcome.REFUSED, connected_after=0 * S, ended_after=3 * S
        )
        self.call(self.alice, at=T0 + M, outcome=Outcome.NO_ANSWER, ended_after=30 * S)
        # One short call in two: too few calls to judge.
        self.assertNotIn("short_calls", self.colour_and_flags(self.alice, T0 + 2 * M)[1])
        self.call(
            self.alice, at=T0 + 2 * M, outcome=Outcome.REACHED, connected_after=S, ended_after=3 * M
        )
        # One in three (33 %) is above 30 %.
        self.assertIn("short_calls", self.colour_and_flags(self.alice, T0 + 6 * M)[1])
        self.call(
            self.alice, at=T0 + 6 * M, outcome=Outcome.REACHED, connected_after=S, ended_after=3 * M
        )
        # One in four (25 %) is not.
        self.assertNotIn("short_calls", self.colour_and_flags(self.alice, T0 + 10 * M)[1])


class BoardQueryCountTests(BoardTestCase):
    def add_agents(self, count: int, start: int = 0) -> None:
        for n in range(start, start + count):
            user = make_user(
                f"agent{n}",
                roles.TELECONSEILLER,
                territory=self.t93,
                languages=("fr", "tr"),
                plateau=self.saint_denis,
            )
            set_agent_status(agent=user.agent, status=Status.READY, now=T0)

    def test_its_queries_do_not_grow_with_the_number_of_agents(self):
        self.add_agents(3)
        # Agents, languages, held calls, and who is rostered now.
        with self.assertNumQueries(4):
            self.assertEqual(len(compute_snapshot(territory=self.t93, now=T0 + M)["rows"]), 3)
        self.add_agents(27, start=3)
        with self.assertNumQueries(4):
            self.assertEqual(len(compute_snapshot(territory=self.t93, now=T0 + M)["rows"]), 30)
