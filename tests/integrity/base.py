"""Crafted attempts and days for the integrity tests."""

import itertools
from datetime import UTC, datetime, timedelta

from agents.models import AgentDay
from calls.models import CallAttempt, CallTask
from tests.base import contact
from tests.calls.test_dispatch import QueueTestCase

_serial = itertools.count(1)

# A winter Thursday, 10:00 in Paris.
T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)
H = timedelta(hours=1)


class IntegrityTestCase(QueueTestCase):
    def attempt(
        self,
        user,
        *,
        connected_seconds: int | None,
        outcome: str = CallAttempt.Outcome.REACHED,
        reason: str = CallTask.Reason.CONTACT_NOTIFICATION,
        at: datetime = T0,
        territory=None,
    ) -> CallAttempt:
        """A call of `user`: dialled at `at`, answered 10 s later (or never), connected for
        `connected_seconds`."""
        territory = territory or user.agent.territory
        if reason == CallTask.Reason.FOLLOW_UP:
            task = self.make_task(territory=territory)
        else:
            n = next(_serial)
            self.register_case(
                territory,
                name=f"Case{n}",
                phone=f"0612{n:06d}",
                contacts=[contact("Lea", f"Contact{n}", f"0623{n:06d}")],
            )
            task = CallTask.objects.filter(
                reason=reason, person__last_name__in=(f"Case{n}", f"Contact{n}")
            ).get()
        connected_at = at + 10 * S if connected_seconds is not None else None
        ended_at = (connected_at or at + 30 * S) + timedelta(seconds=connected_seconds or 0)
        return CallAttempt.objects.create(
            task=task,
            agent=user.agent,
            started_at=at,
            connected_at=connected_at,
            ended_at=ended_at,
            outcome=outcome,
        )

    @staticmethod
    def day(user, day, **figures) -> AgentDay:
        return AgentDay.objects.create(agent=user.agent, day=day, **figures)
