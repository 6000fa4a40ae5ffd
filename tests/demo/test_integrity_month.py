"""The seeded-fraud month (issue 14's proof), small: 20 agents, ten days. Every seeded pattern is
flagged by its flag, no honest agent or day is flagged, the invoice's padded lines are all
disputed and no honest line is; the printed score says so. The full size (200 agents, a month)
runs in `make bench`."""

import re
from datetime import date
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase

from agents.models import Agent, AgentDay, Territory
from calls.models import CallAttempt, CarrierCall
from demo import integrity_month
from integrity.invoice_models import ProviderInvoice
from integrity.models import Finding

MONTH = "2026-11"


class IntegrityMonthTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.out = StringIO()
        call_command(
            "generate_integrity_month",
            seed=7,
            agents=20,
            cheaters_per_pattern=1,
            month=date(2026, 11, 1),
            days=10,
            stdout=cls.out,
        )
        cls.printed = cls.out.getvalue()
        cls.territory = Territory.objects.get(code="59")

    def row(self, pattern: str) -> list[int]:
        line = next(x for x in self.printed.splitlines() if x.startswith(pattern))
        return [int(n) for n in re.findall(r"\b\d+\b", line)]

    def test_every_seeded_pattern_is_flagged_by_its_flag(self):
        for pattern in integrity_month.PATTERNS:
            seeded_days, flagged_days, seeded_agents, flagged_agents = self.row(pattern)
            self.assertGreater(seeded_days, 0, pattern)
            self.assertEqual(flagged_days, seeded_days, pattern)
            self.assertEqual(flagged_agents, seeded_agents, pattern)
        self.assertIn("every seeded pattern flagged, 0 honest flagged", self.printed)

    def test_no_honest_agent_or_day_is_flagged(self):
        self.assertRegex(self.printed, r"honest agents flagged: 0 of 14;")
        # Read back from the data: six cheaters (one per pattern), and exactly six agents carry
        # a flag; the honest ones may have a finding on a call (a contact who hung up fast).
        flags = Finding.objects.filter(kind__in=Finding.FLAG_KINDS, territory=self.territory)
        self.assertEqual(flags.values("agent_id").distinct().count(), 6)
        self.assertNotIn("MISSED", self.printed)

    def test_the_month_is_real_data_the_pages_read(self):
        days = AgentDay.objects.filter(agent__territory=self.territory)
        self.assertEqual(set(days.values_list("day__month", flat=True)), {11})
        self.assertLessEqual(max(d.day for d in days), date(2026, 11, 10))
        attempts = CallAttempt.objects.filter(agent__territory=self.territory)
        self.assertEqual(attempts.count(), CarrierCall.objects.filter(carrier="sim").count())
        # An honest day makes 13 to 30 calls (Assurance Maladie's figures).
        calls = sorted(d.calls for d in days if d.calls)
        self.assertTrue(13 <= calls[len(calls) // 2] <= 32, calls[len(calls) // 2])

    def test_the_provider_invoice_is_disputed_exactly_where_it_was_padded(self):
        invoice = ProviderInvoice.objects.get(territory=self.territory)
        self.assertEqual(invoice.provider, integrity_month.PROVIDER)
        lines = {
            m["kind"]: (int(m["n"]), int(m["disputed"]))
            for m in re.finditer(
                r"lines (?P<kind>\w+)\s+(?P<n>\d+)\s+disputed\s+(?P<disputed>\d+)", self.printed
            )
        }
        self.assertEqual(lines["honest"][1], 0)
        self.assertGreater(lines["padded"][0], 0)
        for kind, (n, disputed) in lines.items():
            if kind != "honest":
                self.assertEqual(disputed, n, kind)
        billed = re.search(
            r"disputed ([\d.]+) € beyond the evidence; seeded excess ([\d.]+)", self.printed
        )
        self.assertEqual(billed[1], billed[2])

    def test_a_second_month_in_the_same_territory_is_refused_and_writes_nothing(self):
        agents = Agent.objects.count()
        with self.assertRaisesMessage(CommandError, "territory 59 exists"):
            call_command(
                "generate_integrity_month", agents=20, cheaters_per_pattern=1, stdout=StringIO()
            )
        with self.assertRaisesMessage(CommandError, "--days must be between 1 and 30"):
            call_command(
                "generate_integrity_month",
                territory="62",
                agents=20,
                cheaters_per_pattern=1,
                month=date(2026, 11, 1),
                days=31,
            )
        self.assertFalse(Territory.objects.filter(code="62").exists())
        self.assertEqual(Agent.objects.count(), agents)
