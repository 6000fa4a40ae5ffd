"""Renewing contracts together: the fixed-term contracts of the admin's territory that a plateau,
an end date and a language match, shown with their new dates or why not; then all of those ticked,
in one transaction, or none and the reason for each refused."""

from datetime import UTC, date, datetime

from django.contrib.auth.models import User
from django.urls import reverse

from agents import roles
from agents.models import Language, Plateau
from tests.base import make_user
from tests.workforce.test_contracts_pages import ContractPagesTestCase
from workforce.exceptions import (
    AgentDeactivated,
    BulkRenewalRefused,
    ContractAlreadyRenewed,
    ContractOverlap,
)
from workforce.models.contracts import Contract
from workforce.selectors.contracts import bulk_renewal_candidates
from workforce.services import contracts as services

PAGE = reverse("workforce:contract-bulk-renewal")
ENDING_BY = date(2027, 1, 31)
MID_JANUARY = date(2027, 1, 15)


class BulkRenewalTestCase(ContractPagesTestCase):
    """On the plateau of Saint-Denis (93), CDDs ending by 31 January 2027: aline and bruno
    (renewable), dora (account deactivated) and eric (a later contract follows). Out of the match:
    carla (ends in March), the Bobigny agent, a CDI, a renewed CDD, Paris's agent and alice's
    contract (ends 31 March)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.bobigny = Plateau.objects.create(territory=cls.t93, name="Bobigny")

        def agent(name: str, *, languages=("fr",), plateau=None, territory=None):
            return make_user(
                name,
                roles.TELECONSEILLER,
                territory=territory or cls.t93,
                languages=languages,
                plateau=plateau or cls.saint_denis,
            ).agent

        def cdd(agent, end_on: date, start_on: date = date(2026, 10, 1)) -> Contract:
            return Contract.objects.create(
                agent=agent, kind=Contract.Kind.CDD, start_on=start_on, end_on=end_on
            )

        cls.aline = cdd(agent("aline"), MID_JANUARY)
        cls.bruno = cdd(agent("bruno", languages=("fr", "tr")), ENDING_BY)
        dora = agent("dora")
        cls.dora = cdd(dora, MID_JANUARY)
        User.objects.filter(pk=dora.user_id).update(is_active=False)
        eric = agent("eric")
        cls.eric = cdd(eric, MID_JANUARY)
        Contract.objects.create(agent=eric, kind=Contract.Kind.CDI, start_on=date(2027, 3, 1))
        cls.carla = cdd(agent("carla"), date(2027, 3, 15))
        cls.bobigny_cdd = cdd(agent("boris", plateau=cls.bobigny), MID_JANUARY)
        Contract.objects.create(
            agent=agent("cedric"), kind=Contract.Kind.CDI, start_on=date(2026, 1, 1)
        )
        renewed = cdd(agent("rita"), date(2026, 12, 31))
        services.renew_contract(contract=renewed, months=6)
        cls.paris_cdd = cdd(
            agent("pierre", territory=cls.t75, plateau=cls.paris_plateau), MID_JANUARY
        )

    def candidates(self, user=None, **filters):
        match = bulk_renewal_candidates(
            user=user or self.carol, ending_by=ENDING_BY, months=3, **filters
        )
        return [(row.contract.pk, row.renewable) for row in match.rows]


class BulkRenewalCandidatesTests(BulkRenewalTestCase):
    def test_it_matches_the_cdds_of_the_territory_ending_by_the_day(self):
        # The soonest end first; then by name (aline, dora, eric on the 15th; bruno on the 31st).
        self.assertEqual(
            self.candidates(plateau=self.saint_denis),
            [
                (self.aline.pk, True),
                (self.dora.pk, False),
                (self.eric.pk, False),
                (self.bruno.pk, True),
            ],
        )
        everywhere = [pk for pk, _renewable in self.candidates()]
        self.assertIn(self.bobigny_cdd.pk, everywhere)
        self.assertNotIn(self.paris_cdd.pk, everywhere)
        self.assertEqual(
            self.candidates(plateau=self.saint_denis, language=Language.objects.get(code="tr")),
            [(self.bruno.pk, True)],
        )
        # Paris's admin: Paris's CDDs (erin's, pierre's), none of Seine-Saint-Denis.
        theirs = [pk for pk, _renewable in self.candidates(user=self.dave)]
        self.assertIn(self.paris_cdd.pk, theirs)
        self.assertNotIn(self.aline.pk, theirs)

    def test_it_gives_each_its_new_dates_or_why_not(self):
        match = bulk_renewal_candidates(
            user=self.carol, ending_by=ENDING_BY, months=6, plateau=self.saint_denis
        )
        rows = {row.contract.pk: row for row in match.rows}
        self.assertEqual(
            (rows[self.aline.pk].start_on, rows[self.aline.pk].end_on),
            (date(2027, 1, 16), date(2027, 7, 15)),
        )
        self.assertEqual(
            (rows[self.bruno.pk].start_on, rows[self.bruno.pk].end_on),
            (date(2027, 2, 1), date(2027, 7, 31)),
        )
        self.assertIsInstance(rows[self.dora.pk].refusal, AgentDeactivated)
        self.assertIsInstance(rows[self.eric.pk].refusal, ContractOverlap)
        self.assertFalse(match.truncated)


class RenewContractsTests(BulkRenewalTestCase):
    def test_it_renews_every_one_by_the_same_months(self):
        renewals = services.renew_contracts(contracts=[self.bruno, self.aline], months=3)
        self.assertEqual(
            [(r.renews_id, r.kind, r.start_on, r.end_on) for r in renewals],
            [
                (self.aline.pk, Contract.Kind.CDD, date(2027, 1, 16), date(2027, 4, 15)),
                (self.bruno.pk, Contract.Kind.CDD, date(2027, 2, 1), date(2027, 4, 30)),
            ],
        )
        self.assertEqual(self.candidates(plateau=self.saint_denis)[0][0], self.dora.pk)

    def test_it_renews_none_when_one_is_refused_and_says_why_for_each(self):
        services.renew_contract(contract=self.bruno, months=3)
        with self.assertRaises(BulkRenewalRefused) as caught:
            services.renew_contracts(
                contracts=[self.aline, self.bruno, self.dora, self.carla], months=3
            )
        refused = [(c.pk, type(reason)) for c, reason in caught.exception.refused]
        self.assertEqual(
            refused,
            [(self.bruno.pk, ContractAlreadyRenewed), (self.dora.pk, AgentDeactivated)],
        )
        # aline and carla could have been renewed: they were not.
        self.assertFalse(Contract.objects.filter(renews__in=[self.aline, self.carla]).exists())
        payload = caught.exception.payload()
        self.assertEqual(payload["code"], "bulk_renewal_refused")
        self.assertEqual(
            [(item["contract"], item["code"]) for item in payload["refused"]],
            [(self.bruno.pk, "contract_already_renewed"), (self.dora.pk, "agent_deactivated")],
        )

    def test_it_leaves_alone_a_contract_ended_early_which_its_own_page_still_renews(self):
        ended = services.end_contract(contract=self.carla, end_on=MID_JANUARY).contract
        self.assertIsNotNone(ended.ended_early_at)
        rows = dict(self.candidates(plateau=self.saint_denis))
        self.assertFalse(rows[self.carla.pk])
        with self.assertRaises(BulkRenewalRefused) as caught:
            services.renew_contracts(contracts=[self.carla, self.aline], months=3)
        self.assertEqual(
            [reason.code for _contract, reason in caught.exception.refused],
            ["contract_ended_early"],
        )
        # A deliberate decision, one agent at a time: allowed.
        renewal = services.renew_contract(contract=self.carla, months=3)
        self.assertEqual(renewal.start_on, date(2027, 1, 16))

    def test_it_refuses_a_closed_contract_and_a_cdi(self):
        Contract.objects.filter(pk=self.aline.pk).update(
            closed_at=datetime(2027, 1, 16, tzinfo=UTC)
        )
        cdi = Contract.objects.get(kind=Contract.Kind.CDI, agent__user__username="cedric")
        with self.assertRaises(BulkRenewalRefused) as caught:
            services.renew_contracts(contracts=[self.aline, cdi], months=6)
        self.assertEqual(
            [reason.code for _contract, reason in caught.exception.refused],
            ["contract_closed", "contract_not_renewable"],
        )


class BulkRenewalPageTests(BulkRenewalTestCase):
    filters = {"ending_by": ENDING_BY.isoformat(), "months": "3"}

    def test_it_refuses_other_roles_and_methods(self):
        self.assert_refused(PAGE, method="get", other_territory=False, wrong_method="put")
        data = {"contract": [self.aline.pk], "months": "3", "confirm": "yes", **self.filters}
        self.assert_refused(
            PAGE, method="post", data=data, other_territory=False, wrong_method="put"
        )
        self.assertFalse(Contract.objects.filter(renews=self.aline).exists())

    def test_it_answers_another_territorys_contract_with_404_and_renews_nothing(self):
        self.client.force_login(self.carol)
        data = {
            "contract": [self.aline.pk, self.paris_cdd.pk],
            "months": "3",
            "confirm": "yes",
            **self.filters,
        }
        self.assertEqual(self.client.post(PAGE, data).status_code, 404)
        self.assertFalse(Contract.objects.filter(renews=self.aline).exists())

    def test_it_shows_the_filters_then_the_matched_contracts(self):
        self.client.force_login(self.carol)
        response = self.client.get(PAGE)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("match", response.context)
        # Another territory's plateau is no choice: the filters say so, nothing is listed.
        response = self.client.get(PAGE, {**self.filters, "plateau": self.paris_plateau.pk})
        self.assertTrue(response.context["form"].errors["plateau"])
        self.assertNotIn("match", response.context)
        response = self.client.get(PAGE, {**self.filters, "plateau": self.saint_denis.pk})
        rows = response.context["match"].rows
        self.assertEqual(len(rows), 4)
        self.assertEqual(response.context["selected"], {self.aline.pk, self.bruno.pk})
        self.assertContains(response, 'data-testid="bulk-row"', count=4)
        self.assertContains(response, f'name="contract" value="{self.aline.pk}"')
        self.assertNotContains(response, f'name="contract" value="{self.dora.pk}"')
        self.assertContains(response, 'data-code="agent_deactivated"')

    def test_it_renews_the_ticked_contracts(self):
        self.client.force_login(self.carol)
        data = {
            **self.filters,
            "plateau": self.saint_denis.pk,
            "contract": [self.aline.pk],
            "confirm": "yes",
        }
        response = self.client.post(PAGE, data)
        self.assertEqual(response.status_code, 302)
        self.assertIn(f"plateau={self.saint_denis.pk}", response["Location"])
        renewal = Contract.objects.get(renews=self.aline)
        self.assertEqual((renewal.start_on, renewal.end_on), (date(2027, 1, 16), date(2027, 4, 15)))
        self.assertFalse(Contract.objects.filter(renews=self.bruno).exists())  # left unticked

    def test_a_post_that_does_not_come_from_the_preview_renews_nothing(self):
        self.client.force_login(self.carol)
        data = {**self.filters, "plateau": self.saint_denis.pk, "contract": [self.aline.pk]}
        response = self.client.post(PAGE, data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["selected"], {self.aline.pk})
        self.assertContains(response, 'name="confirm" value="yes"')
        self.assertFalse(Contract.objects.filter(renews=self.aline).exists())

    def test_it_renews_nothing_and_lists_the_refusals(self):
        self.client.force_login(self.carol)
        data = {
            **self.filters,
            "plateau": self.saint_denis.pk,
            "contract": [self.aline.pk, self.bruno.pk, self.eric.pk],
            "confirm": "yes",
        }
        response = self.client.post(PAGE, data)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(
            [contract.pk for contract, _reason in response.context["refused"]], [self.eric.pk]
        )
        self.assertContains(response, 'data-testid="refused-row"', count=1, status_code=409)
        # The others stay ticked, ready to go again without the refused one.
        self.assertEqual(response.context["selected"], {self.aline.pk, self.bruno.pk})
        self.assertFalse(Contract.objects.filter(renews__in=[self.aline, self.bruno]).exists())

    def test_it_needs_one_contract_ticked_and_a_known_length(self):
        self.client.force_login(self.carol)
        self.assertEqual(self.client.post(PAGE, self.filters).status_code, 400)
        data = {**self.filters, "contract": [self.aline.pk], "months": "4"}
        self.assertEqual(self.client.post(PAGE, data).status_code, 400)
        data = {**self.filters, "contract": ["first"]}
        self.assertEqual(self.client.post(PAGE, data).status_code, 400)
        self.assertFalse(Contract.objects.filter(renews=self.aline).exists())

    def test_its_query_count_does_not_grow_with_the_contracts(self):
        self.client.force_login(self.carol)
        self.client.get(PAGE, self.filters)
        # Session, user, roles, territory, plateaux and languages of the filters, the contracts,
        # their chains of renewals and the CDD limits, header's agent and territory.
        with self.assertNumQueries(11):
            self.client.get(PAGE, self.filters)
        for n in range(5):
            user = make_user(f"more{n}", roles.TELECONSEILLER, territory=self.t93)
            Contract.objects.create(
                agent=user.agent,
                kind=Contract.Kind.CDD,
                start_on=date(2026, 10, 1),
                end_on=MID_JANUARY,
            )
        with self.assertNumQueries(11):
            response = self.client.get(PAGE, self.filters)
        self.assertEqual(len(response.context["match"].rows), 10)
