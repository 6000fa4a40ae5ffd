"""The status log through the call loop: the time sheet is the sum of these periods."""

from datetime import timedelta

from agents.exceptions import InvalidStatus
from agents.models import Agent, AgentStatusPeriod, PauseReason
from agents.services.staff import set_agent_status
from calls.services.outcomes import record_outcome
from tests.calls.test_dispatch import NOW, QueueTestCase

Status = Agent.Status


class StatusLogTests(QueueTestCase):
    def periods(self, agent: Agent) -> list[tuple]:
        return list(
            AgentStatusPeriod.objects.filter(agent=agent)
            .order_by("started_at")
            .values_list("status", "pause_reason__code", "started_at", "ended_at")
        )

    def assert_one_open_period(self, agent: Agent, status: str) -> None:
        self.assertEqual(
            list(
                AgentStatusPeriod.objects.filter(agent=agent, ended_at__isnull=True).values_list(
                    "status", flat=True
                )
            ),
            [status],
        )
        agent.refresh_from_db()
        self.assertEqual(agent.status, status)

    def test_it_logs_each_status_of_a_call_with_exact_times(self):
        self.make_task()
        agent = self.alice.agent
        lunch = PauseReason.objects.get(code="dejeuner")
        at = [NOW + timedelta(minutes=m) for m in (0, 1, 5, 6, 45)]

        set_agent_status(agent=agent, status=Status.READY, now=at[0])
        self.assert_one_open_period(agent, Status.READY)
        assignment = self.claim(self.alice, at[1])
        self.assert_one_open_period(agent, Status.ON_CALL)
        record_outcome(assignment=assignment, agent=agent, outcome="reached", now=at[2])
        self.assert_one_open_period(agent, Status.WRAP_UP)
        set_agent_status(agent=agent, status=Status.PAUSED, pause_reason=lunch, now=at[3])
        self.assert_one_open_period(agent, Status.PAUSED)
        set_agent_status(agent=agent, status=Status.OFFLINE, now=at[4])
        self.assert_one_open_period(agent, Status.OFFLINE)

        self.assertEqual(
            self.periods(agent),
            [
                (Status.READY, None, at[0], at[1]),
                (Status.ON_CALL, None, at[1], at[2]),
                (Status.WRAP_UP, None, at[2], at[3]),
                (Status.PAUSED, "dejeuner", at[3], at[4]),
                (Status.OFFLINE, None, at[4], None),
            ],
        )
        agent.refresh_from_db()
        self.assertEqual(
            (agent.status, agent.status_since, agent.pause_reason), (Status.OFFLINE, at[4], None)
        )

    def test_it_takes_the_next_call_from_wrap_up_without_a_ready_period(self):
        self.make_task()
        self.make_task()
        agent = self.alice.agent
        set_agent_status(agent=agent, status=Status.READY, now=NOW)
        first = self.claim(self.alice, NOW + timedelta(minutes=1))
        record_outcome(
            assignment=first, agent=agent, outcome="busy", now=NOW + timedelta(minutes=2)
        )
        self.assertIsNotNone(self.claim(self.alice, NOW + timedelta(minutes=3)))
        self.assertEqual(
            [status for status, *_ in self.periods(agent)],
            [Status.READY, Status.ON_CALL, Status.WRAP_UP, Status.ON_CALL],
        )

    def test_it_logs_nothing_when_the_status_does_not_change(self):
        agent = self.alice.agent
        set_agent_status(agent=agent, status=Status.READY, now=NOW)
        set_agent_status(agent=agent, status=Status.READY, now=NOW + timedelta(minutes=5))
        self.assertEqual(self.periods(agent), [(Status.READY, None, NOW, None)])
        agent.refresh_from_db()
        self.assertEqual(agent.status_since, NOW)

    def test_it_refuses_a_pause_without_a_reason_and_a_reason_without_a_pause(self):
        agent = self.alice.agent
        set_agent_status(agent=agent, status=Status.READY, now=NOW)
        with self.assertRaises(InvalidStatus):
            set_agent_status(agent=agent, status=Status.PAUSED, now=NOW + timedelta(minutes=1))
        with self.assertRaises(InvalidStatus):
            set_agent_status(
                agent=agent,
                status=Status.OFFLINE,
                pause_reason=PauseReason.objects.get(code="pause"),
                now=NOW + timedelta(minutes=1),
            )
        self.assertEqual(self.periods(agent), [(Status.READY, None, NOW, None)])
        self.assert_one_open_period(agent, Status.READY)
