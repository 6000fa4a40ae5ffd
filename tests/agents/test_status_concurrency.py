"""A status change that waited for the agent's lock reads the open period as it is once it holds
the lock, not as it was when it started waiting (PostgreSQL, real threads)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import TransactionTestCase

from agents import roles
from agents.models import Agent, AgentStatusPeriod, PauseReason, Territory
from agents.services.staff import set_agent_status
from tests.base import make_user
from tests.threads import second_waits_for_first

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


@pytest.mark.postgres
class StatusChangeUnderLockTests(TransactionTestCase):
    serialized_rollback = True

    def setUp(self):
        territory = Territory.objects.create(
            code="93",
            name="CPAM 93",
            timezone="Europe/Paris",
            calling_hours_start=time(8, 30),
            calling_hours_end=time(19, 0),
        )
        self.agent = make_user("alice", roles.TELECONSEILLER, territory=territory).agent
        set_agent_status(agent=self.agent, status=Agent.Status.READY, now=NOW)

    def test_the_second_change_closes_the_period_the_first_opened(self):
        pause = PauseReason.objects.first()

        def first():
            set_agent_status(
                agent=Agent.objects.get(pk=self.agent.pk),
                status=Agent.Status.PAUSED,
                pause_reason=pause,
                now=NOW + timedelta(minutes=1),
            )

        def second():
            set_agent_status(
                agent=Agent.objects.get(pk=self.agent.pk),
                status=Agent.Status.READY,
                now=NOW + timedelta(minutes=2),
            )

        _results, errors = second_waits_for_first(first, second)
        self.assertEqual(errors, [])
        periods = list(
            AgentStatusPeriod.objects.filter(agent=self.agent).values_list(
                "status", "started_at", "ended_at"
            )
        )
        self.assertEqual(
            periods,
            [
                ("ready", NOW, NOW + timedelta(minutes=1)),
                ("paused", NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)),
                ("ready", NOW + timedelta(minutes=2), None),
            ],
        )
