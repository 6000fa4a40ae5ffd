"""Contracts pages of a CPAM admin: list and end alerts, an agent's contracts with renew, end and
add, the headcount; each refused to other roles and scoped to the admin's territory."""

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from agents import roles
from tests.base import PersonasTestCase, make_user
from workforce.models.contracts import Contract
from workforce.services import contracts as services

CONTRACTS = reverse("workforce:contract-list")
HEADCOUNT = reverse("workforce:headcount")


class ContractPagesTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.today = timezone.localdate(timezone=cls.t93.zone)
        cls.alice_contract = Contract.objects.get(agent=cls.alice.agent)
        cls.erin_contract = Contract.objects.create(
            agent=cls.erin.agent,
            kind=Contract.Kind.CDD,
            start_on=cls.today - timedelta(days=60),
            end_on=cls.today + timedelta(days=5),
        )

    def cdd(self, user, *, ends_in: int, started: int = 60) -> Contract:
        return Contract.objects.create(
            agent=user.agent,
            kind=Contract.Kind.CDD,
            start_on=self.today - timedelta(days=started),
            end_on=self.today + timedelta(days=ends_in),
        )

    def assert_refused(
        self,
        url: str,
        *,
        method: str,
        data: dict | None = None,
        other_territory: bool = True,
        wrong_method: str | None = None,
    ) -> None:
        """Anonymous → login, téléconseiller and superviseur → 403, the wrong method → 405, an admin
        of another territory → 404."""
        send = getattr(self.client, method)
        self.client.logout()
        response = send(url, data or {})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        for user in (self.alice, self.bob):
            self.client.force_login(user)
            self.assertEqual(send(url, data or {}).status_code, 403, user)
        self.client.force_login(self.carol)
        wrong = getattr(self.client, wrong_method or ("post" if method == "get" else "get"))
        self.assertEqual(wrong(url).status_code, 405)
        if other_territory:
            self.client.force_login(self.dave)
            self.assertEqual(send(url, data or {}).status_code, 404)


class ContractListTests(ContractPagesTestCase):
    def test_it_refuses_other_roles_and_methods(self):
        self.assert_refused(CONTRACTS, method="get", other_territory=False)

    def test_it_lists_the_territorys_contracts_only(self):
        self.client.force_login(self.carol)
        response = self.client.get(CONTRACTS)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([c.pk for c in response.context["contracts"]], [self.alice_contract.pk])
        self.assertContains(
            response, reverse("workforce:agent-contracts", args=[self.alice.agent.pk])
        )
        self.client.force_login(self.dave)
        self.assertEqual(
            [c.pk for c in self.client.get(CONTRACTS).context["contracts"]], [self.erin_contract.pk]
        )
        self.client.force_login(self.root)
        self.assertEqual(len(self.client.get(CONTRACTS).context["contracts"]), 2)

    def test_it_filters_and_shows_days_left(self):
        soon = self.cdd(self.bob, ends_in=10)
        Contract.objects.create(
            agent=self.carol.agent, kind=Contract.Kind.CDI, start_on=date(2020, 1, 1)
        )
        ended = self.cdd(make_user("old", roles.TELECONSEILLER, territory=self.t93), ends_in=-3)
        self.client.force_login(self.carol)
        rows = self.client.get(CONTRACTS, {"ending_within_days": 14}).context["contracts"]
        self.assertEqual([(c.pk, c.days_left) for c in rows], [(soon.pk, 10)])
        rows = self.client.get(CONTRACTS, {"kind": "cdi"}).context["contracts"]
        self.assertEqual([c.kind for c in rows], [Contract.Kind.CDI])
        rows = self.client.get(CONTRACTS, {"status": "ended"}).context["contracts"]
        self.assertEqual([c.pk for c in rows], [ended.pk])
        rows = self.client.get(CONTRACTS, {"status": "active"}).context["contracts"]
        self.assertEqual(len(rows), 3)
        # A bad filter is ignored, never a 500.
        self.assertEqual(
            self.client.get(CONTRACTS, {"ending_within_days": "soon"}).status_code, 200
        )

    def test_it_shows_the_end_alerts_until_acknowledged_or_renewed(self):
        soon = self.cdd(self.bob, ends_in=10)
        other = self.cdd(make_user("amel", roles.TELECONSEILLER, territory=self.t93), ends_in=12)
        services.alert_contract_ends(now=timezone.now())
        self.client.force_login(self.carol)
        response = self.client.get(CONTRACTS)
        self.assertEqual([c.pk for c in response.context["alerts"]], [soon.pk, other.pk])
        self.assertContains(
            response, reverse("workforce:contract-alert-acknowledge", args=[soon.pk])
        )
        services.renew_contract(contract=other, months=3)
        self.assertEqual([c.pk for c in self.client.get(CONTRACTS).context["alerts"]], [soon.pk])

    def test_its_query_count_does_not_grow_with_the_contracts(self):
        self.client.force_login(self.carol)
        self.client.get(CONTRACTS)
        # Session, user, roles, header's agent and territory; zones, count, page; zones, alerts.
        with self.assertNumQueries(10):
            self.client.get(CONTRACTS, {"status": "active"})
        for n in range(5):
            self.cdd(
                make_user(f"agent{n}", roles.TELECONSEILLER, territory=self.t93), ends_in=n + 1
            )
        services.alert_contract_ends(now=timezone.now())
        with self.assertNumQueries(10):
            response = self.client.get(CONTRACTS, {"status": "active"})
        self.assertEqual(
            (len(response.context["contracts"]), len(response.context["alerts"])), (6, 5)
        )


class AgentContractsTests(ContractPagesTestCase):
    def url(self, user=None) -> str:
        return reverse("workforce:agent-contracts", args=[(user or self.alice).agent.pk])

    def test_it_refuses_other_roles_methods_and_territories(self):
        self.assert_refused(self.url(), method="get")

    def test_it_shows_the_renewal_chain_with_the_actions(self):
        renewal = services.renew_contract(contract=self.alice_contract, months=3)
        self.client.force_login(self.carol)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [c.pk for c in response.context["contracts"]], [self.alice_contract.pk, renewal.pk]
        )
        self.assertContains(response, reverse("workforce:contract-renew", args=[renewal.pk]))
        self.assertContains(response, reverse("workforce:contract-end", args=[renewal.pk]))
        self.assertNotContains(
            response, reverse("workforce:contract-renew", args=[self.alice_contract.pk])
        )

    def test_its_query_count_does_not_grow_with_the_history(self):
        self.client.force_login(self.carol)
        self.client.get(self.url())
        # Session, user, roles, territory, the agent, the contracts, the latest one's chain of
        # renewals and the CDD limits, header's agent and territory.
        with self.assertNumQueries(10):
            self.client.get(self.url())
        contract = self.alice_contract
        for _ in range(3):
            # Beyond the legal limits on the third: its reason and author are in the history.
            contract = services.renew_contract(
                contract=contract, months=6, override_reason="Accord de branche", by=self.carol
            )
        with self.assertNumQueries(10):
            response = self.client.get(self.url())
        self.assertContains(response, "Accord de branche")


class ContractActionTests(ContractPagesTestCase):
    def test_renew_refuses_other_roles_methods_and_territories(self):
        url = reverse("workforce:contract-renew", args=[self.alice_contract.pk])
        self.assert_refused(
            url, method="post", data={"months": 3, "confirm": "yes"}, wrong_method="put"
        )
        self.assert_refused(url, method="get", data={"months": 3}, wrong_method="put")
        self.assertFalse(Contract.objects.filter(renews=self.alice_contract).exists())

    def test_it_renews_once(self):
        url = reverse("workforce:contract-renew", args=[self.alice_contract.pk])
        self.client.force_login(self.carol)
        response = self.client.post(url, {"months": 6, "confirm": "yes"})
        self.assertRedirects(
            response, reverse("workforce:agent-contracts", args=[self.alice.agent.pk])
        )
        renewal = Contract.objects.get(renews=self.alice_contract)
        self.assertEqual((renewal.start_on, renewal.end_on), (date(2027, 4, 1), date(2027, 9, 30)))
        response = self.client.post(url, {"months": 3, "confirm": "yes"}, follow=True)
        self.assertContains(response, "déjà été renouvelé")
        response = self.client.post(
            reverse("workforce:contract-renew", args=[renewal.pk]), {"months": 4}, follow=True
        )
        self.assertEqual(len(response.context["messages"]), 1)
        self.assertEqual(Contract.objects.filter(agent=self.alice.agent).count(), 2)

    def test_end_refuses_other_roles_methods_and_territories(self):
        url = reverse("workforce:contract-end", args=[self.alice_contract.pk])
        confirmed = {"end_on": "2026-12-31", "previewed": "1"}
        self.assert_refused(url, method="post", data=confirmed, wrong_method="put")
        self.assert_refused(url, method="get", data={"end_on": "2026-12-31"}, wrong_method="put")
        self.alice_contract.refresh_from_db()
        self.assertEqual(self.alice_contract.end_on, date(2027, 3, 31))

    def test_it_ends_a_contract_early_or_shows_the_field_error(self):
        url = reverse("workforce:contract-end", args=[self.alice_contract.pk])
        self.client.force_login(self.carol)
        response = self.client.get(url, {"end_on": "2027-04-15"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["end_on"])
        self.assertNotIn("end_on", response.context)  # no preview, nothing to confirm
        self.assertEqual(self.client.post(url, {"end_on": "nope"}).status_code, 400)
        confirmed = {"end_on": "2027-04-15", "previewed": "1"}
        self.assertEqual(self.client.post(url, confirmed).status_code, 400)
        self.assertRedirects(
            self.client.post(url, {"end_on": "2026-12-31", "previewed": "1"}),
            reverse("workforce:agent-contracts", args=[self.alice.agent.pk]),
        )
        self.alice_contract.refresh_from_db()
        self.assertEqual(self.alice_contract.end_on, date(2026, 12, 31))

    def test_add_refuses_other_roles_methods_and_territories(self):
        url = reverse("workforce:contract-add", args=[self.bob.agent.pk])
        self.assert_refused(url, method="post", data={"kind": "cdi", "start_on": "2026-01-01"})
        self.assertFalse(Contract.objects.filter(agent=self.bob.agent).exists())

    def test_it_adds_a_contract_or_shows_why_not(self):
        self.client.force_login(self.carol)
        url = reverse("workforce:contract-add", args=[self.bob.agent.pk])
        response = self.client.post(url, {"kind": "cdd", "start_on": "2026-01-01"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["add_form"].errors["end_on"])
        self.assertRedirects(
            self.client.post(url, {"kind": "cdi", "start_on": "2026-01-01"}),
            reverse("workforce:agent-contracts", args=[self.bob.agent.pk]),
        )
        self.assertEqual(Contract.objects.get(agent=self.bob.agent).kind, Contract.Kind.CDI)
        response = self.client.post(url, {"kind": "cdi", "start_on": "2026-02-01"})
        self.assertTrue(response.context["add_form"].non_field_errors())
        self.assertEqual(Contract.objects.filter(agent=self.bob.agent).count(), 1)

    def test_acknowledge_refuses_other_roles_methods_and_territories(self):
        Contract.objects.filter(pk=self.alice_contract.pk).update(end_alerted_at=timezone.now())
        url = reverse("workforce:contract-alert-acknowledge", args=[self.alice_contract.pk])
        self.assert_refused(url, method="post")
        self.alice_contract.refresh_from_db()
        self.assertIsNone(self.alice_contract.end_acknowledged_at)

    def test_it_acknowledges_an_alert(self):
        Contract.objects.filter(pk=self.alice_contract.pk).update(end_alerted_at=timezone.now())
        self.client.force_login(self.carol)
        url = reverse("workforce:contract-alert-acknowledge", args=[self.alice_contract.pk])
        self.assertRedirects(self.client.post(url), CONTRACTS)
        self.alice_contract.refresh_from_db()
        self.assertIsNotNone(self.alice_contract.end_acknowledged_at)
        self.assertEqual(self.client.get(CONTRACTS).context["alerts"], [])


class HeadcountTests(ContractPagesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = cls.today

        def agent(
            name: str, languages: tuple[str, ...], *, ends_in: int | None, active: bool = True
        ):
            user = make_user(name, roles.TELECONSEILLER, territory=cls.t93, languages=languages)
            if ends_in is not None:
                Contract.objects.create(
                    agent=user.agent,
                    kind=Contract.Kind.CDD,
                    start_on=today - timedelta(days=30),
                    end_on=today + timedelta(days=ends_in),
                )
            else:
                Contract.objects.create(
                    agent=user.agent, kind=Contract.Kind.CDI, start_on=today - timedelta(days=30)
                )
            if not active:
                User.objects.filter(pk=user.pk).update(is_active=False)
            return user

        # alice (fr, tr) stays: her CDD ends in March 2027.
        agent("x1", ("fr", "snk"), ends_in=0)  # last day today: week 1
        x2 = agent("x2", ("fr",), ends_in=10)  # renewed: stays
        services.renew_contract(contract=Contract.objects.get(agent=x2.agent), months=3)
        agent("x3", ("tr",), ends_in=20)  # week 3
        agent("x4", ("fr",), ends_in=None)  # CDI: stays
        agent("x5", ("fr",), ends_in=3, active=False)  # deactivated: not counted
        agent("x6", ("ar",), ends_in=27)  # week 4
        agent("x7", ("fr",), ends_in=-2)  # already over: not counted

    def test_it_refuses_other_roles_and_methods(self):
        self.assert_refused(HEADCOUNT, method="get", other_territory=False)

    def test_it_counts_by_language_and_week(self):
        self.client.force_login(self.carol)
        response = self.client.get(HEADCOUNT)
        self.assertEqual(response.status_code, 200)
        headcount = response.context["headcount"]
        figures = {
            row.language.code: (row.total, row.leaving, row.remaining) for row in headcount.rows
        }
        self.assertEqual(
            figures,
            {
                "fr": (4, [1, 0, 0, 0], 3),
                "tr": (2, [0, 0, 1, 0], 1),
                "snk": (1, [1, 0, 0, 0], 0),
                "ar": (1, [0, 0, 0, 1], 0),
            },
        )
        everyone = headcount.all_agents
        self.assertEqual(
            (everyone.total, everyone.leaving, everyone.remaining), (6, [1, 0, 1, 1], 3)
        )
        self.assertEqual(headcount.weeks[0], (self.today, self.today + timedelta(days=6)))
        self.assertContains(response, 'data-language="snk"')

    def test_it_shows_a_territory_only_its_own_agents(self):
        self.client.force_login(self.dave)
        response = self.client.get(HEADCOUNT, {"territory": "93"})
        self.assertEqual(response.context["territory"], self.t75)
        self.assertEqual(response.context["headcount"].all_agents.total, 0)
        self.client.force_login(self.root)
        response = self.client.get(HEADCOUNT, {"territory": "93"})
        self.assertEqual(response.context["headcount"].all_agents.total, 6)

    def test_its_query_count_does_not_grow_with_the_agents(self):
        self.client.force_login(self.carol)
        self.client.get(HEADCOUNT)
        with self.assertNumQueries(9):
            self.client.get(HEADCOUNT)
        for n in range(4):
            make_user(f"more{n}", roles.TELECONSEILLER, territory=self.t93, languages=("fr", "de"))
        with self.assertNumQueries(9):
            response = self.client.get(HEADCOUNT)
        self.assertEqual(response.context["headcount"].all_agents.total, 10)
