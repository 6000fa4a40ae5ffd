from datetime import UTC, date, datetime, timedelta

from agents.models import Agent, AgentDay, PauseReason
from agents.services.staff import set_agent_status
from tests.base import PersonasTestCase

T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)  # 10:00 in Paris


class StatusTimeTests(PersonasTestCase):
    def change(self, status, minutes, reason=None):
        set_agent_status(
            agent=self.alice.agent,
            status=status,
            now=T0 + timedelta(minutes=minutes),
            pause_reason=PauseReason.objects.get(code=reason) if reason else None,
        )

    def test_it_adds_up_the_time_in_each_status_for_the_day(self):
        self.change(Agent.Status.READY, 0)
        self.change(Agent.Status.ON_CALL, 30)
        self.change(Agent.Status.WRAP_UP, 40)
        self.change(Agent.Status.PAUSED, 42, reason="dejeuner")
        self.change(Agent.Status.READY, 102)
        self.change(Agent.Status.OFFLINE, 110)
        day = AgentDay.objects.get(agent=self.alice.agent, day=date(2026, 1, 15))
        self.assertEqual(
            (day.ready_seconds, day.on_call_seconds, day.wrap_up_seconds, day.paused_seconds),
            ((30 + 8) * 60, 10 * 60, 2 * 60, 60 * 60),
        )
        self.assertEqual(day.first_login_at, T0)

    def test_it_splits_a_period_at_local_midnight(self):
        # 23:30 to 00:30 in Paris (22:30 to 23:30 UTC).
        start = datetime(2026, 1, 15, 22, 30, tzinfo=UTC)
        set_agent_status(agent=self.alice.agent, status=Agent.Status.READY, now=start)
        set_agent_status(
            agent=self.alice.agent, status=Agent.Status.OFFLINE, now=start + timedelta(hours=1)
        )
        ready = dict(
            AgentDay.objects.filter(agent=self.alice.agent).values_list("day", "ready_seconds")
        )
        self.assertEqual(ready, {date(2026, 1, 15): 1800, date(2026, 1, 16): 1800})
