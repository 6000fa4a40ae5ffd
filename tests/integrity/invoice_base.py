"""Provider agents, rates and crafted evidence for the provider invoice tests."""

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from agents import roles
from agents.models import Agent, AgentDay
from calls.models import Assignment, CarrierCall
from integrity.invoice_models import ProviderRate
from tests.base import make_user
from tests.calls.test_dispatch import QueueTestCase

_serial = itertools.count(1)
ACME = "Acme Appels"
BETA = "Beta Contact"
MONTH = date(2026, 1, 1)
H = 3600


def csv_file(*lines: str, header: str = "agent;day;billed_hours;billed_calls") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


class InvoiceTestCase(QueueTestCase):
    """pat and quinn work in 93 for Acme, ravi in 93 for Beta, sam in 75 for Acme; Acme's 93 rate
    is 21.37 €/h and 0.50 €/call to 12 January, then 25.00 €/h and 0.40 €/call."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        provider = Agent.Employer.PROVIDER
        cls.pat = make_user(
            "pat", roles.TELECONSEILLER, territory=cls.t93, employer=provider, provider_name=ACME
        )
        cls.quinn = make_user(
            "quinn", roles.TELECONSEILLER, territory=cls.t93, employer=provider, provider_name=ACME
        )
        cls.ravi = make_user(
            "ravi", roles.TELECONSEILLER, territory=cls.t93, employer=provider, provider_name=BETA
        )
        cls.sam = make_user(
            "sam", roles.TELECONSEILLER, territory=cls.t75, employer=provider, provider_name=ACME
        )
        cls.rate1 = ProviderRate.objects.create(
            territory=cls.t93,
            provider=ACME,
            hourly_rate=Decimal("21.37"),
            per_call_rate=Decimal("0.50"),
            valid_from=date(2025, 6, 1),
            valid_to=date(2026, 1, 12),
        )
        cls.rate2 = ProviderRate.objects.create(
            territory=cls.t93,
            provider=ACME,
            hourly_rate=Decimal("25.00"),
            per_call_rate=Decimal("0.40"),
            valid_from=date(2026, 1, 13),
        )
        ProviderRate.objects.create(
            territory=cls.t75,
            provider=ACME,
            hourly_rate=Decimal("30.00"),
            per_call_rate=Decimal("1.00"),
            valid_from=date(2025, 1, 1),
        )

    def carrier_calls(self, user, *, at: datetime, n: int, answered: int = 0, machine: int = 0):
        """`n` calls of `user` the carrier placed from `at`, a minute apart: the first `answered`
        answered by a person, the next `machine` by a machine."""
        assignment = Assignment.objects.create(
            task=self.make_task(territory=user.agent.territory),
            agent=user.agent,
            lease_expires_at=at,
            closed_at=at,
        )
        calls = []
        for i in range(n):
            answered_by = ""
            if i < answered:
                answered_by = CarrierCall.AnsweredBy.PERSON
            elif i < answered + machine:
                answered_by = CarrierCall.AnsweredBy.MACHINE
            calls.append(
                CarrierCall(
                    carrier="sim",
                    carrier_call_id=f"inv-{next(_serial)}",
                    assignment=assignment,
                    state=CarrierCall.State.COMPLETED,
                    started_at=at + timedelta(minutes=i),
                    answered_by=answered_by,
                )
            )
        CarrierCall.objects.bulk_create(calls)

    @staticmethod
    def day(user, day: date, **seconds) -> AgentDay:
        return AgentDay.objects.create(agent=user.agent, day=day, **seconds)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


NOW = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
