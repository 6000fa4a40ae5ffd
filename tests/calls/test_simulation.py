"""The simulator (calls.simulation): hand-computable days, agreement with the production claim,
the retry rules read from the database, reproducibility and the policies compared."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import SimpleTestCase, TestCase

from calls.models import CallTask, RetryRule
from calls.policy import is_claimable, may_take
from calls.simulation import Scenario, ShiftSpec, TerritorySpec, compare_policies, simulate
from calls.simulation.engine import SimAgent, SimQueue, SimTask
from tests.calls.test_dispatch import NOW, QueueTestCase

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 3, 2, tzinfo=PARIS)  # a Monday, local midnight
NINE = 9 * 60


def tiny(arrivals, *, handle=40.0, shift_start=NINE, policy="edf", **changes) -> Scenario:
    """One agent from `shift_start` to noon, every call answered and reached in `handle`
    minutes, no wrap-up; arrivals as (minute, deadline minute)."""
    rows = tuple(
        (at, "93", "fr", "contact_notification", 0, 1, deadline) for at, deadline in arrivals
    )
    return Scenario(
        start=START,
        territories=(TerritorySpec("93", calling_start=time(9), calling_end=time(20)),),
        arrivals=rows,
        scripted_outcomes=tuple(("reached",) for _ in rows),
        handle_minutes={("*", "reached"): (handle, 0.0)},
        shifts=(ShiftSpec(shift_start / 60, 12, ("fr",), 1, "93"),),
        wrap_up_seconds=0,
        policy=policy,
        **changes,
    )


class TinyDayTests(SimpleTestCase):
    def test_it_calls_by_earliest_deadline_and_counts_the_misses(self):
        # Three contacts at 9:00: X due 10:00, Y due 9:30, Z due 11:40; 40 minutes each.
        # Y 9:00–9:40 (late by 10 min), X 9:40–10:20 (late), Z 10:20–11:00 (in time).
        result = simulate(tiny([(NINE, NINE + 60), (NINE, NINE + 30), (NINE, NINE + 160)]))
        self.assertEqual(result.claims, [1, 0, 2])
        self.assertEqual(result.totals.people, 3)
        self.assertEqual(result.totals.reached, 1)
        self.assertEqual(result.totals.misses, 2)
        # On the line at their deadline: the deadline's sweep leaves an assigned call to its
        # agent (calls.services.sweeps.fallback_at_deadline), so no SMS.
        self.assertEqual(result.totals.sms_at_deadline, 0)
        self.assertEqual(result.totals.sms_sent, 0)

    def test_it_meets_every_deadline_when_calls_are_short_enough(self):
        result = simulate(
            tiny([(NINE, NINE + 60), (NINE, NINE + 30), (NINE, NINE + 160)], handle=20.0)
        )
        self.assertEqual(result.claims, [1, 0, 2])
        self.assertEqual((result.totals.reached, result.totals.misses), (3, 0))
        self.assertEqual(result.share_within_24h, 1.0)

    def test_fifo_takes_the_first_come_and_misses_the_urgent_one(self):
        # A at 9:00 due 11:40, B at 9:01 due 9:40; the agent starts at 9:05; 30 minutes each.
        arrivals = [(NINE, NINE + 160), (NINE + 1, NINE + 40)]
        edf = simulate(tiny(arrivals, handle=30.0, shift_start=NINE + 5))
        fifo = simulate(tiny(arrivals, handle=30.0, shift_start=NINE + 5, policy="fifo"))
        self.assertEqual(edf.claims, [1, 0])
        self.assertEqual(edf.totals.misses, 0)
        self.assertEqual(fifo.claims, [0, 1])
        self.assertEqual(fifo.totals.misses, 1)

    def test_nobody_is_called_outside_calling_hours(self):
        # The agent is there from 8:00, the people may be called from 9:00.
        result = simulate(tiny([(7 * 60, NINE + 30)], handle=10.0, shift_start=8 * 60))
        self.assertEqual(result.totals.reached, 1)
        self.assertEqual(result.by_hour[9].occupancy > 0, True)
        self.assertEqual(sum(h.occupancy for h in result.by_hour[:9]), 0)

    def test_max_attempts_send_the_sms_then_escalate(self):
        rows = ((NINE, "93", "fr", "contact_notification", 0, 1, NINE + 600),)
        scenario = tiny([]).but(
            arrivals=rows,
            scripted_outcomes=(("busy",) * 5,),
            handle_minutes={("*", "busy"): (1.0, 0.0)},
        )
        result = simulate(scenario)
        # busy: 15 minutes between attempts, 5 attempts at most (the seeded rules).
        self.assertEqual(result.calls, 5)
        self.assertEqual(result.totals.notified_sms, 1)
        self.assertEqual(result.totals.escalations, 1)
        self.assertEqual(result.totals.misses, 0)

    def test_sms_first_notifies_at_arrival_and_still_calls(self):
        result = simulate(
            tiny([(NINE, NINE + 30), (NINE, NINE + 30)], handle=20.0, channel_mode="sms_first")
        )
        self.assertEqual(result.totals.reached, 1)  # the second one was called too late
        self.assertEqual(result.totals.notified_sms, 1)
        self.assertEqual(result.totals.misses, 0)
        self.assertEqual(result.calls, 2)
        self.assertEqual(result.totals.sms_sent, 2)
        call_first = simulate(tiny([(NINE, NINE + 30), (NINE, NINE + 30)], handle=20.0))
        self.assertEqual(call_first.totals.misses, 1)

    def test_sms_first_never_replaces_a_patient_zeros_call(self):
        scenario = tiny([(NINE, NINE + 30), (NINE, NINE + 30)], handle=20.0).but(
            arrivals=(
                (NINE, "93", "fr", "index_interview", 2, 1, NINE + 30),
                (NINE, "93", "fr", "index_interview", 2, 1, NINE + 30),
            ),
            channel_mode="sms_first",
        )
        result = simulate(scenario)
        self.assertEqual((result.totals.reached, result.totals.notified_sms), (1, 0))
        self.assertEqual(result.totals.misses, 1)

    def test_an_sms_first_to_a_wrong_number_notifies_nobody(self):
        scenario = tiny(
            [(NINE, NINE + 600), (NINE, NINE + 600)], handle=20.0, channel_mode="sms_first"
        ).but(
            scripted_outcomes=(("wrong_number",), ("reached",)),
            handle_minutes={("*", "reached"): (20.0, 0.0), ("*", "wrong_number"): (1.0, 0.0)},
        )
        result = simulate(scenario)
        self.assertEqual(result.totals.reached, 1)
        self.assertEqual((result.totals.notified_sms, result.totals.misses), (0, 1))
        self.assertEqual(result.totals.no_number, 1)

    def test_a_lost_lease_gives_the_task_back_after_the_lease(self):
        scenario = tiny([(NINE, NINE + 300)], handle=10.0, lease_loss=1.0, lease_minutes=20)
        result = simulate(scenario)
        # The agent vanishes on every claim: the task keeps coming back and is never called.
        self.assertEqual(result.calls, 0)
        self.assertGreater(len(result.claims), 3)
        self.assertEqual(result.totals.misses, 1)


def small_day(**changes) -> Scenario:
    scenario = Scenario(
        start=START,
        territories=(TerritorySpec("93"), TerritorySpec("974", zone="Indian/Reunion")),
        languages={"fr": 0.8, "ar": 0.2},
        index_cases_per_day=40,
        contacts_per_day=200,
        shifts=(
            ShiftSpec(8.5, 16, ("fr",), 4, "93"),
            ShiftSpec(12.5, 20, ("fr",), 4, "93"),
            ShiftSpec(8.5, 16, ("ar", "fr"), 1, "93"),
            ShiftSpec(5.5, 13, ("fr",), 4, "974"),
            ShiftSpec(5.5, 13, ("ar",), 1, None),
        ),
        seed=7,
    )
    return scenario.but(**changes)


class ReproducibleTests(SimpleTestCase):
    def test_the_same_seed_gives_the_same_day(self):
        first, second = simulate(small_day()), simulate(small_day())
        self.assertEqual(first.totals, second.totals)
        self.assertEqual(first.claims, second.claims)
        self.assertEqual(
            [h.queue_length for h in first.by_hour], [h.queue_length for h in second.by_hour]
        )

    def test_another_seed_gives_another_day(self):
        self.assertNotEqual(simulate(small_day()).claims, simulate(small_day(seed=8)).claims)

    def test_it_reports_per_language_and_per_hour(self):
        result = simulate(small_day())
        self.assertEqual(set(result.by_language), {"fr", "ar"})
        self.assertEqual(len(result.by_hour), 48)
        self.assertEqual(sum(f.people for f in result.by_language.values()), 240)
        self.assertEqual(sum(h.people for h in result.by_hour), 240)
        self.assertGreater(max(h.queue_length for h in result.by_hour), 0)
        self.assertGreater(result.events, 240)


class PolicyComparisonTests(SimpleTestCase):
    def test_edf_beats_fifo_when_deadlines_are_out_of_order(self):
        # Morning arrivals due late, afternoon ones due soon (as when the intake is late):
        # FIFO serves the first come, EDF the most urgent.
        rows = []
        for i in range(30):
            rows.append((NINE + i, "93", "fr", "contact_notification", 0, 1, NINE + 1200))
            rows.append((NINE + 30 + i, "93", "fr", "contact_notification", 0, 1, NINE + 240))
        rows.sort(key=lambda r: r[0])
        scenario = tiny([]).but(
            arrivals=tuple(rows),
            scripted_outcomes=tuple(("reached",) for _ in rows),
            handle_minutes={("*", "reached"): (10.0, 0.0)},
            shifts=(ShiftSpec(9, 17, ("fr",), 2, "93"),),
        )
        results = compare_policies(scenario)
        self.assertEqual(set(results), {"edf", "fifo", "no_language"})
        self.assertGreater(results["edf"].share_within_24h, results["fifo"].share_within_24h)
        self.assertEqual(results["edf"].agents, results["fifo"].agents)

    def test_without_language_routing_every_agent_takes_every_language(self):
        scenario = small_day(
            shifts=(ShiftSpec(8.5, 16, ("fr",), 3, "93"), ShiftSpec(5.5, 13, ("fr",), 3, "974"))
        )
        results = compare_policies(scenario)
        # Nobody speaks Arabic: routed, those calls wait forever; unrouted, they are made.
        self.assertEqual(results["edf"].by_language["ar"].reached, 0)
        self.assertGreater(results["no_language"].by_language["ar"].reached, 0)


class DatabaseRulesTests(TestCase):
    def test_a_retry_rule_edited_in_the_admin_changes_the_simulation(self):
        scenario = small_day()
        before = simulate(scenario.with_database_rules())
        RetryRule.objects.filter(outcome__in=["no_answer", "voicemail", "busy"]).update(
            max_attempts=1
        )
        after = simulate(scenario.with_database_rules())
        self.assertEqual(scenario.with_database_rules().retry_rules["busy"].max_attempts, 1)
        self.assertGreater(after.totals.notified_sms, before.totals.notified_sms)
        self.assertLess(after.calls, before.calls)


class ClaimAgreementTests(QueueTestCase):
    """The simulator's pick and calls.services.dispatch.claim_next_task take the same queue in
    the same order."""

    def test_the_simulator_claims_in_the_production_order(self):
        hours = timedelta(hours=1)
        made = [
            self.make_task(deadline_at=NOW + 10 * hours),
            self.make_task(deadline_at=NOW + 2 * hours, language="snk"),
            self.make_task(deadline_at=NOW + 6 * hours, priority=1),
            self.make_task(deadline_at=NOW + 6 * hours, priority=0, created_at=NOW - 3 * hours),
            self.make_task(deadline_at=NOW + 6 * hours, priority=0, created_at=NOW - 2 * hours),
            self.make_task(deadline_at=NOW + 3 * hours, language="tr"),  # not spoken
            self.make_task(deadline_at=NOW + 1 * hours, territory=self.t75),  # not theirs
            self.make_task(deadline_at=NOW + 4 * hours, not_before=NOW + 5 * hours),
            self.make_task(deadline_at=NOW + 8 * hours),
        ]
        late = self.make_task(deadline_at=NOW - 2 * hours)
        CallTask.objects.filter(pk=late.pk).update(queue_band=CallTask.Band.LATE)
        made.append(late)
        self.ready(self.sidi)
        production = self.take_all(self.sidi)

        def minutes(moment):
            return None if moment is None else (moment - NOW).total_seconds() / 60

        queue = SimQueue(policy="edf", is_open=lambda territory, now: True)
        agent = SimAgent(self.sidi.agent.pk, self.t93.code, ("fr", "snk"), end=float("inf"))
        pairs = set()
        for task in CallTask.objects.filter(pk__in=[t.pk for t in made]).select_related(
            "territory"
        ):
            sim = SimTask(
                task.pk,
                task.territory.code,
                task.language_id,
                task.reason,
                minutes(task.created_at),
                minutes(task.deadline_at),
                task.priority,
            )
            sim.queue_band, sim.not_before = task.queue_band, minutes(task.not_before)
            if is_claimable(
                status=sim.status,
                not_before=sim.not_before,
                reserved_for_id=None,
                agent_id=agent.id,
                now=0,
            ):
                queue.push(sim, 0)
            pairs.add((sim.territory, sim.language))
        agent.queues = [
            (territory, language)
            for territory, language in sorted(pairs)
            if may_take(
                agent_languages=agent.languages,
                agent_territory_id=agent.territory,
                task_language=language,
                task_territory_id=territory,
            )
        ]
        simulated, now = [], 0.0
        while (task := queue.pick(agent, now)) is not None:
            simulated.append(task.id)
            now += 2
        self.assertEqual(len(production), 7)
        self.assertEqual(simulated, production)


@pytest.mark.postgres
class ClaimAgreementOnPostgresTests(ClaimAgreementTests):
    """The same, on PostgreSQL's claim (its SQL, not the ORM's)."""
