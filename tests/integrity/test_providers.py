"""The integrity page per provider (issue 14, part 8): the employer filter, the per-provider
summary with its links to the list and to the provider's invoices, the CSV's employer columns;
scoped by role and territory, in a fixed number of queries."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agents import roles
from agents.models import Agent
from integrity.invoice_models import ProviderInvoice
from integrity.models import Finding
from tests.base import make_user
from tests.integrity.base import T0, IntegrityTestCase
from tests.integrity.invoice_base import ACME, BETA, MONTH, InvoiceTestCase

PAGE = reverse("integrity:findings")
CSV = reverse("integrity:findings-csv")
INVOICES = reverse("integrity:invoices")
Kind = Finding.Kind
DAY = date(2026, 1, 15)
DELTA = "Delta Relation"
# Session, user, roles, territory; the agents per employer; the findings, the per-agent counts,
# the per-provider counts (per kind, per agent); the base page's agent and territory.
SUPERVISOR_QUERIES = 11
# The same, and the invoices per provider (the invoices are the CPAM admin's business).
ADMIN_QUERIES = SUPERVISOR_QUERIES + 1


def csv_lines(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [line.split(";") for line in text.strip().splitlines()]


class ProviderTestCase(IntegrityTestCase, InvoiceTestCase):
    """On top of the invoice personas (pat and quinn for Acme in 93, ravi for Beta in 93, sam for
    Acme in 75): tom for Delta in 75. Findings: pat two short calls open and a low day
    acknowledged, ravi a low day open, alice (in-house) a short call open, sam and tom one each
    in 75, and one carrier call in 93 whose agent is unknown."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.tom = make_user(
            "tom",
            roles.TELECONSEILLER,
            territory=cls.t75,
            employer=Agent.Employer.PROVIDER,
            provider_name=DELTA,
        )

    def setUp(self):
        self.pat_short = [self.short(self.pat, seconds) for seconds in (5, 8)]
        self.pat_low = self.low(self.pat, acknowledged=True)
        self.ravi_low = self.low(self.ravi)
        self.alice_short = self.short(self.alice, 12)
        self.sam_low = self.low(self.sam)
        self.tom_low = self.low(self.tom)
        self.unknown = Finding.objects.create(
            territory=self.t93,
            agent=None,
            day=DAY,
            kind=Kind.CALL_OUTSIDE_DESK,
            evidence={},
            detected_at=T0,
        )

    def short(self, user, seconds: int) -> Finding:
        return Finding.objects.create(
            territory=user.agent.territory,
            agent=user.agent,
            day=DAY,
            kind=Kind.CALL_TOO_SHORT,
            attempt=self.attempt(user, connected_seconds=seconds),
            evidence={"connected_seconds": seconds, "min_seconds": 60, "outcome": "reached"},
            detected_at=T0,
        )

    def low(self, user, *, acknowledged: bool = False) -> Finding:
        return Finding.objects.create(
            territory=user.agent.territory,
            agent=user.agent,
            day=date(2026, 1, 14),
            kind=Kind.LOW_OUTPUT,
            evidence={"connected_calls": 2, "floor": 10},
            detected_at=T0,
            acknowledged_by=self.bob if acknowledged else None,
            acknowledged_at=timezone.now() if acknowledged else None,
            note="Talked with the provider" if acknowledged else "",
        )

    def summary(self, response) -> dict[str, tuple]:
        return {
            item["row"].key: (
                item["row"].agents,
                item["row"].agents_with_findings,
                item["row"].open_by_kind,
                item["row"].acknowledged,
                item["row"].invoices,
            )
            for item in response.context["by_employer"]
        }

    def listed(self, response) -> set[int]:
        return {f.pk for f in response.context["findings"]}


class ProviderRightsTests(ProviderTestCase):
    def test_an_agent_gets_403_on_the_page_and_the_csv_even_filtered(self):
        self.client.force_login(self.pat)
        self.assertEqual(self.client.get(PAGE, {"employer": f"provider:{ACME}"}).status_code, 403)
        self.assertEqual(self.client.get(CSV, {"employer": f"provider:{ACME}"}).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(PAGE).status_code, 302)

    def test_the_filter_offers_only_the_providers_of_the_users_territory(self):
        self.client.force_login(self.bob)
        choices = self.client.get(PAGE).context["form"].fields["employer"].choices
        flat = [value for value, label in choices if not isinstance(label, list)]
        grouped = [
            value for _name, group in choices if isinstance(group, list) for value, _l in group
        ]
        self.assertEqual(flat, ["", "in_house", "cnam", "fixed_term", "providers", "unknown"])
        self.assertEqual(grouped, [f"provider:{ACME}", f"provider:{BETA}"])
        self.client.force_login(self.erin)
        choices = self.client.get(PAGE).context["form"].fields["employer"].choices
        grouped = [
            value for _name, group in choices if isinstance(group, list) for value, _l in group
        ]
        self.assertEqual(grouped, [f"provider:{ACME}", f"provider:{DELTA}"])

    def test_another_territorys_provider_is_a_form_error_and_shows_nothing_of_it(self):
        self.client.force_login(self.bob)
        response = self.client.get(PAGE, {"employer": f"provider:{DELTA}", "state": "all"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("employer", response.context["form"].errors)
        self.assertNotIn(self.tom_low.pk, self.listed(response))
        self.assertNotContains(response, 'data-agent="tom"')
        self.assertNotContains(response, f'data-employer="provider:{DELTA}"')
        lines = csv_lines(self.client.get(CSV, {"employer": f"provider:{DELTA}", "state": "all"}))
        self.assertNotIn("tom", [line[3] for line in lines[1:]])

    def test_a_supervisor_of_75_never_sees_93s_figures_for_the_same_provider(self):
        self.client.force_login(self.erin)
        response = self.client.get(PAGE, {"employer": f"provider:{ACME}", "state": "all"})
        self.assertEqual(self.listed(response), {self.sam_low.pk})
        summary = self.summary(response)
        self.assertEqual(set(summary), {"in_house", f"provider:{ACME}", f"provider:{DELTA}"})
        # Acme in 75 is sam alone: pat's and quinn's findings in 93 count nowhere here.
        self.assertEqual(summary[f"provider:{ACME}"], (1, 1, {"low_output": 1}, 0, 0))
        self.assertNotIn(BETA, response.content.decode())


class ProviderSummaryTests(ProviderTestCase):
    def test_the_summary_counts_agents_and_findings_per_provider_and_in_house(self):
        self.client.force_login(self.bob)
        response = self.client.get(PAGE)
        self.assertEqual(response.status_code, 200)
        summary = self.summary(response)
        # In order: in-house staff, the providers by name, the findings without an agent.
        self.assertEqual(
            list(summary), ["in_house", f"provider:{ACME}", f"provider:{BETA}", "unknown"]
        )
        # In-house téléconseillers of 93: alice, anna, sidi (bob and carol are not agents here).
        self.assertEqual(summary["in_house"], (3, 1, {"call_too_short": 1}, 0, 0))
        self.assertEqual(summary[f"provider:{ACME}"], (2, 1, {"call_too_short": 2}, 1, 0))
        self.assertEqual(summary[f"provider:{BETA}"], (1, 1, {"low_output": 1}, 0, 0))
        self.assertEqual(summary["unknown"], (0, 0, {"call_outside_desk": 1}, 0, 0))
        # A supervisor does not see the invoices' column.
        self.assertNotContains(response, 'data-testid="provider-invoices-link"')

    def test_an_inactive_agent_is_not_counted_but_their_findings_are(self):
        self.pat.is_active = False
        self.pat.save(update_fields=["is_active"])
        self.client.force_login(self.bob)
        summary = self.summary(self.client.get(PAGE))
        self.assertEqual(summary[f"provider:{ACME}"], (1, 1, {"call_too_short": 2}, 1, 0))

    def test_the_summary_follows_the_kind_and_days_but_not_the_acknowledgement(self):
        self.client.force_login(self.bob)
        response = self.client.get(PAGE, {"kind": "low_output", "state": "acknowledged"})
        summary = self.summary(response)
        self.assertEqual(summary[f"provider:{ACME}"], (2, 1, {}, 1, 0))
        self.assertEqual(summary["in_house"], (3, 0, {}, 0, 0))
        response = self.client.get(PAGE, {"start": "2026-01-15", "end": "2026-01-15"})
        self.assertEqual(self.summary(response)[f"provider:{BETA}"], (1, 0, {}, 0, 0))

    def test_the_rows_link_to_the_list_filtered_to_them(self):
        self.client.force_login(self.bob)
        response = self.client.get(PAGE, {"start": "2026-01-01"})
        acme = next(i for i in response.context["by_employer"] if i["row"].provider == ACME)
        self.assertIn("start=2026-01-01", acme["query"])
        # The row's link lists every Acme finding; the kind's link, the open short calls.
        response = self.client.get(f"{PAGE}?{acme['query']}")
        self.assertEqual(self.listed(response), {*(f.pk for f in self.pat_short), self.pat_low.pk})
        [(label, count, query)] = acme["open_by_kind"]
        self.assertEqual((str(label), count), (str(Kind.CALL_TOO_SHORT.label), 2))
        self.assertEqual(
            self.listed(self.client.get(f"{PAGE}?{query}")), {f.pk for f in self.pat_short}
        )
        self.assertEqual(
            self.listed(self.client.get(f"{PAGE}?{acme['acknowledged_query']}")),
            {self.pat_low.pk},
        )
        # The chosen row is marked.
        response = self.client.get(f"{PAGE}?{acme['query']}")
        self.assertContains(response, f'data-employer="provider:{ACME}" aria-current="true"')

    def test_the_employer_filters(self):
        self.client.force_login(self.bob)

        def listed(employer: str) -> set[int]:
            return self.listed(self.client.get(PAGE, {"employer": employer, "state": "all"}))

        pat = {*(f.pk for f in self.pat_short), self.pat_low.pk}
        self.assertEqual(listed(f"provider:{ACME}"), pat)
        self.assertEqual(listed(f"provider:{BETA}"), {self.ravi_low.pk})
        self.assertEqual(listed("providers"), pat | {self.ravi_low.pk})
        self.assertEqual(listed("in_house"), {self.alice_short.pk})
        self.assertEqual(listed("cnam"), {self.alice_short.pk})
        self.assertEqual(listed("fixed_term"), set())
        Agent.objects.filter(pk=self.alice.agent.pk).update(employer=Agent.Employer.FIXED_TERM)
        self.assertEqual(listed("fixed_term"), {self.alice_short.pk})
        self.assertEqual(listed("in_house"), {self.alice_short.pk})
        # The per-agent table follows the filter too.
        response = self.client.get(PAGE, {"employer": f"provider:{BETA}", "state": "all"})
        self.assertEqual(
            [r["agent__user__username"] for r in response.context["by_agent"]], ["ravi"]
        )

    def test_a_cpam_admin_gets_links_to_the_providers_invoices(self):
        ProviderInvoice.objects.create(
            territory=self.t93,
            provider=ACME,
            month=MONTH,
            uploaded_by=self.carol,
            uploaded_at=T0,
            file_name="acme.csv",
            billed_hours=Decimal("7.5"),
            billed_calls=30,
            line_count=1,
        )
        paris = ProviderInvoice.objects.create(
            territory=self.t75,
            provider=ACME,
            month=MONTH,
            uploaded_by=self.dave,
            uploaded_at=T0,
            file_name="acme75.csv",
            billed_hours=Decimal("1"),
            billed_calls=1,
            line_count=1,
        )
        self.client.force_login(self.carol)
        response = self.client.get(PAGE)
        summary = self.summary(response)
        self.assertEqual(summary[f"provider:{ACME}"][4], 1)
        self.assertEqual(summary[f"provider:{BETA}"][4], 0)
        link = f'{INVOICES}?provider=Acme%20Appels" data-testid="provider-invoices-link"'
        self.assertContains(response, link, count=1)
        invoices = self.client.get(INVOICES, {"provider": ACME}).context["invoices"]
        self.assertEqual([i.provider for i in invoices], [ACME])
        self.assertNotIn(paris, list(invoices))
        self.assertEqual(
            list(self.client.get(INVOICES, {"provider": BETA}).context["invoices"]), []
        )


class ProviderCsvTests(ProviderTestCase):
    def test_the_csv_honours_the_provider_filter_and_names_the_employer(self):
        self.client.force_login(self.bob)
        response = self.client.get(CSV, {"employer": f"provider:{ACME}", "state": "all"})
        self.assertEqual(response.status_code, 200)
        header, *lines = csv_lines(response)
        with translation.override(settings.LANGUAGE_CODE):
            labels = [_("Username"), _("Employer"), _("Provider")]
            provider, cnam = Agent.Employer.PROVIDER.label, Agent.Employer.CNAM.label
            self.assertEqual(header[3:6], labels)
            self.assertEqual(len(lines), 3)
            self.assertEqual({tuple(line[3:6]) for line in lines}, {("pat", provider, ACME)})
            header, *lines = csv_lines(self.client.get(CSV, {"employer": "in_house"}))
            self.assertEqual([line[3:6] for line in lines], [["alice", cnam, ""]])
        header, *lines = csv_lines(self.client.get(CSV, {"employer": "unknown"}))
        self.assertEqual([line[3:6] for line in lines], [["", "", ""]])
        # Without a filter: 93's open findings, the unknown agent's with blank columns.
        header, *lines = csv_lines(self.client.get(CSV))
        self.assertEqual(sorted(line[3] for line in lines), ["", "alice", "pat", "pat", "ravi"])
        self.assertNotIn("sam", {line[3] for line in lines})


class ProviderQueryCountTests(ProviderTestCase):
    def test_the_page_costs_the_same_whatever_the_number_of_providers(self):
        for user, queries in ((self.bob, SUPERVISOR_QUERIES), (self.carol, ADMIN_QUERIES)):
            self.client.force_login(user)
            self.client.get(PAGE)  # warm the session and caches
            with self.assertNumQueries(queries):
                self.client.get(PAGE, {"state": "all"})
        for n in range(4):
            name = f"Provider {n}"
            agent = make_user(
                f"prov{n}",
                roles.TELECONSEILLER,
                territory=self.t93,
                employer=Agent.Employer.PROVIDER,
                provider_name=name,
            )
            self.short(agent, 3)
            self.low(agent, acknowledged=True)
            ProviderInvoice.objects.create(
                territory=self.t93,
                provider=name,
                month=MONTH,
                uploaded_by=self.carol,
                uploaded_at=T0,
                file_name="x.csv",
                billed_hours=Decimal("1"),
                billed_calls=1,
                line_count=1,
            )
        for user, queries in ((self.bob, SUPERVISOR_QUERIES), (self.carol, ADMIN_QUERIES)):
            self.client.force_login(user)
            self.client.get(PAGE)
            with self.assertNumQueries(queries):
                response = self.client.get(PAGE, {"state": "all"})
            self.assertEqual(len(response.context["by_employer"]), 8)
