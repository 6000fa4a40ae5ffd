"""A CDD becomes a CDI from a day: a new contract chained to it like a renewal, the CDD ending the
day before; refused for a CDI, a contract renewed, followed or carried out, a deactivated account
and dates outside the CDD."""

from datetime import UTC, date, datetime, time

from django.contrib.auth.models import User
from django.urls import reverse

from tests.workforce.test_contracts_pages import ContractPagesTestCase
from tests.workforce.test_rota_services import RotaTestCase
from workforce.exceptions import (
    AgentDeactivated,
    ContractAlreadyRenewed,
    ContractClosed,
    ContractNotConvertible,
    ContractOverlap,
    InvalidContractDates,
)
from workforce.models.contracts import Contract
from workforce.models.rota import Shift
from workforce.selectors.contracts import agent_contracts
from workforce.services import contracts as services
from workforce.services.rota import assign_shift

# alice's CDD: 1 October 2026 → 31 March 2027.
CDD_START, CDD_END = date(2026, 10, 1), date(2027, 3, 31)


class ConvertToCdiTests(RotaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.cdd = Contract.objects.get(agent=cls.alice.agent)

    def test_it_chains_a_cdi_and_ends_the_cdd_the_day_before(self):
        cdi = services.convert_to_cdi(contract=self.cdd, start_on=date(2027, 1, 1))
        self.assertEqual(
            (cdi.kind, cdi.start_on, cdi.end_on, cdi.renews),
            (Contract.Kind.CDI, date(2027, 1, 1), None, self.cdd),
        )
        self.cdd.refresh_from_db()
        self.assertEqual((self.cdd.start_on, self.cdd.end_on), (CDD_START, date(2026, 12, 31)))
        history = agent_contracts(agent=self.alice.agent)
        self.assertEqual([c.pk for c in history], [self.cdd.pk, cdi.pk])
        self.assertEqual([c.renewed for c in history], [True, False])

    def test_it_converts_at_the_end_of_the_cdd(self):
        cdi = services.convert_to_cdi(contract=self.cdd, start_on=date(2027, 4, 1))
        self.cdd.refresh_from_db()
        self.assertEqual((self.cdd.end_on, cdi.start_on), (CDD_END, date(2027, 4, 1)))

    def test_it_keeps_the_shifts_the_cdi_now_covers_and_the_account_open(self):
        shift = assign_shift(
            agent=self.alice.agent,
            plateau=self.saint_denis,
            day=date(2027, 1, 4),
            starts_at=time(9),
            ends_at=time(12),
        )
        services.convert_to_cdi(contract=self.cdd, start_on=date(2027, 1, 1))
        # The day after the CDD's new last day: the CDI runs, nothing ends.
        self.assertEqual(services.end_expired_contracts(now=datetime(2027, 1, 5, 9, tzinfo=UTC)), 0)
        shift.refresh_from_db()
        self.assertIsNone(shift.cancelled_at)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)
        self.assertEqual(Shift.objects.scheduled().filter(agent=self.alice.agent).count(), 1)

    def test_it_refuses_a_cdi(self):
        cdi = services.convert_to_cdi(contract=self.cdd, start_on=date(2027, 1, 1))
        with self.assertRaises(ContractNotConvertible):
            services.convert_to_cdi(contract=cdi, start_on=date(2027, 2, 1))

    def test_it_refuses_a_contract_renewed_closed_or_of_a_deactivated_account(self):
        renewal = services.renew_contract(contract=self.cdd, months=3)
        with self.assertRaises(ContractAlreadyRenewed):
            services.convert_to_cdi(contract=self.cdd, start_on=date(2027, 1, 1))
        User.objects.filter(pk=self.alice.pk).update(is_active=False)
        with self.assertRaises(AgentDeactivated):
            services.convert_to_cdi(contract=renewal, start_on=date(2027, 5, 1))
        closed = Contract.objects.create(
            agent=self.bob.agent,
            kind=Contract.Kind.CDD,
            start_on=date(2026, 1, 1),
            end_on=date(2026, 6, 30),
            closed_at=datetime(2026, 7, 1, tzinfo=UTC),
        )
        with self.assertRaises(ContractClosed):
            services.convert_to_cdi(contract=closed, start_on=date(2026, 6, 1))
        self.assertEqual(Contract.objects.filter(kind=Contract.Kind.CDI).count(), 1)  # zoe's

    def test_it_refuses_a_cdd_another_contract_follows(self):
        self.cdd.end_on = date(2026, 12, 31)
        self.cdd.save(update_fields=["end_on"])
        Contract.objects.create(
            agent=self.alice.agent,
            kind=Contract.Kind.CDD,
            start_on=date(2027, 2, 1),
            end_on=date(2027, 4, 30),
        )
        with self.assertRaises(ContractOverlap):
            services.convert_to_cdi(contract=self.cdd, start_on=date(2026, 12, 1))

    def test_it_says_the_days_a_cdi_may_start_on(self):
        self.assertEqual(
            services.conversion_window(contract=self.cdd), (date(2026, 10, 2), date(2027, 4, 1))
        )

    def test_it_refuses_a_start_outside_the_cdd(self):
        for start_on in (CDD_START, date(2026, 9, 1), date(2027, 4, 2)):
            with self.subTest(start_on=start_on), self.assertRaises(InvalidContractDates) as caught:
                services.convert_to_cdi(contract=self.cdd, start_on=start_on)
            self.assertEqual(caught.exception.field, "start_on")
        self.cdd.refresh_from_db()
        self.assertEqual(self.cdd.end_on, CDD_END)
        self.assertFalse(Contract.objects.filter(renews=self.cdd).exists())


class ConvertPageTests(ContractPagesTestCase):
    def url(self) -> str:
        return reverse("workforce:contract-convert", args=[self.alice_contract.pk])

    def test_it_refuses_other_roles_methods_and_territories(self):
        self.assert_refused(self.url(), method="post", data={"start_on": "2027-01-01"})
        self.assertFalse(Contract.objects.filter(renews=self.alice_contract).exists())

    def test_it_converts_and_shows_the_chain(self):
        self.client.force_login(self.carol)
        page = reverse("workforce:agent-contracts", args=[self.alice.agent.pk])
        self.assertContains(self.client.get(page), self.url())
        self.assertRedirects(self.client.post(self.url(), {"start_on": "2027-01-01"}), page)
        cdi = Contract.objects.get(renews=self.alice_contract)
        self.assertEqual((cdi.kind, cdi.start_on), (Contract.Kind.CDI, date(2027, 1, 1)))
        response = self.client.get(page)
        self.assertEqual(
            [c.pk for c in response.context["contracts"]], [self.alice_contract.pk, cdi.pk]
        )
        # A CDI is neither renewed nor converted: no such form any more.
        self.assertFalse(response.context["can_convert"])
        self.assertNotContains(response, 'data-testid="convert"')
        response = self.client.post(
            reverse("workforce:contract-convert", args=[cdi.pk]),
            {"start_on": "2027-02-01"},
            follow=True,
        )
        self.assertEqual(len(response.context["messages"]), 1)
        self.assertEqual(Contract.objects.filter(agent=self.alice.agent).count(), 2)

    def test_it_shows_a_date_outside_the_cdd_on_the_field(self):
        self.client.force_login(self.carol)
        response = self.client.post(self.url(), {"start_on": "2027-05-01"})
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["convert_form"].errors["start_on"])
        self.assertEqual(self.client.post(self.url(), {"start_on": "soon"}).status_code, 400)
        self.assertFalse(Contract.objects.filter(renews=self.alice_contract).exists())
