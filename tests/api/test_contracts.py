"""API v1 contracts: list, read, renew and end early, for CPAM admins of the contract's
territory."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from agents import roles
from tests.api.base import ApiTestCase
from tests.base import make_user
from workforce.models.contracts import Contract


class ContractApiTestCase(ApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.today = timezone.localdate(timezone=cls.t93.zone)
        cls.contract = Contract.objects.get(agent=cls.alice.agent)
        cls.erin_contract = Contract.objects.create(
            agent=cls.erin.agent,
            kind=Contract.Kind.CDD,
            start_on=date(2026, 1, 1),
            end_on=cls.today + timedelta(days=5),
        )

    def assert_refused(
        self, url: str, *, method: str, data: dict | None = None, other_territory: bool = True
    ) -> None:
        """Anonymous → 401, téléconseiller and superviseur → 403, wrong method → 405, another
        territory → 404."""
        send = getattr(self.api, method)
        self.assertEqual(send(url, data or {}, format="json").status_code, 401)
        for user in (self.alice, self.bob):
            self.as_token(user)
            self.assertEqual(send(url, data or {}, format="json").status_code, 403, user)
        self.as_token(self.carol)
        wrong = self.api.post if method == "get" else self.api.get
        self.assertEqual(wrong(url, {}, format="json").status_code, 405)
        if other_territory:
            self.as_token(self.dave)
            self.assertEqual(send(url, data or {}, format="json").status_code, 404)


class ListContractsTests(ContractApiTestCase):
    url = reverse("api:contract-list")

    def test_it_refuses_other_roles_and_methods(self):
        self.assert_refused(self.url, method="get", other_territory=False)

    def test_it_lists_the_territorys_contracts_only(self):
        self.as_token(self.carol)
        response = self.api.get(self.url)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["count"], 1)
        row = body["results"][0]
        self.assertEqual(
            {
                key: row[key]
                for key in (
                    "id",
                    "username",
                    "territory",
                    "kind",
                    "start_on",
                    "end_on",
                    "renews",
                    "renewal",
                )
            },
            {
                "id": self.contract.pk,
                "username": "alice",
                "territory": "93",
                "kind": "cdd",
                "start_on": "2026-10-01",
                "end_on": "2027-03-31",
                "renews": None,
                "renewal": None,
            },
        )
        self.as_token(self.root)
        self.assertEqual(self.api.get(self.url).json()["count"], 2)

    def test_it_filters_by_agent_and_end(self):
        soon = Contract.objects.create(
            agent=self.bob.agent,
            kind=Contract.Kind.CDD,
            start_on=date(2026, 1, 1),
            end_on=self.today + timedelta(days=3),
        )
        self.as_token(self.carol)
        ids = [
            row["id"] for row in self.api.get(self.url, {"ending_within_days": 7}).json()["results"]
        ]
        self.assertEqual(ids, [soon.pk])
        ids = [
            row["id"]
            for row in self.api.get(self.url, {"agent": self.alice.agent.pk}).json()["results"]
        ]
        self.assertEqual(ids, [self.contract.pk])
        # Another territory's agent: nothing, not an error that says they exist.
        self.assertEqual(self.api.get(self.url, {"agent": self.erin.agent.pk}).json()["count"], 0)
        response = self.api.get(self.url, {"ending_within_days": "soon"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("ending_within_days", response.json())

    def test_its_query_count_does_not_grow_with_the_contracts(self):
        self.as_token(self.carol)
        # Token, roles, territory, count, the page.
        with self.assertNumQueries(5):
            self.api.get(self.url)
        for n in range(5):
            user = make_user(f"agent{n}", roles.TELECONSEILLER, territory=self.t93)
            Contract.objects.create(
                agent=user.agent, kind=Contract.Kind.CDI, start_on=date(2026, 1, 1)
            )
        with self.assertNumQueries(5):
            self.assertEqual(len(self.api.get(self.url).json()["results"]), 6)


class ContractDetailTests(ContractApiTestCase):
    def test_it_refuses_other_roles_methods_and_territories(self):
        self.assert_refused(reverse("api:contract-detail", args=[self.contract.pk]), method="get")

    def test_it_answers_one_contract(self):
        self.as_token(self.carol)
        response = self.api.get(reverse("api:contract-detail", args=[self.contract.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["id"], self.contract.pk)


class RenewContractTests(ContractApiTestCase):
    def url_for(self, contract: Contract) -> str:
        return reverse("api:contract-renew", args=[contract.pk])

    def test_it_refuses_other_roles_methods_and_territories(self):
        self.assert_refused(self.url_for(self.contract), method="post", data={"months": 3})
        self.assertFalse(Contract.objects.filter(renews=self.contract).exists())

    def test_it_renews_and_answers_the_new_contract(self):
        self.as_token(self.carol)
        response = self.api.post(self.url_for(self.contract), {"months": 3}, format="json")
        self.assertEqual(response.status_code, 201)
        body = response.json()
        renewal = Contract.objects.get(renews=self.contract)
        self.assertEqual(
            (body["id"], body["renews"], body["start_on"], body["end_on"], body["kind"]),
            (renewal.pk, self.contract.pk, "2027-04-01", "2027-06-30", "cdd"),
        )
        self.assertEqual(
            self.api.get(reverse("api:contract-detail", args=[self.contract.pk])).json()["renewal"],
            renewal.pk,
        )

    def test_it_refuses_a_second_renewal_with_409(self):
        self.as_token(self.carol)
        self.api.post(self.url_for(self.contract), {"months": 6}, format="json")
        response = self.api.post(self.url_for(self.contract), {"months": 6}, format="json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "contract_already_renewed")
        self.assertEqual(Contract.objects.filter(agent=self.alice.agent).count(), 2)

    def test_it_refuses_a_cdi_with_409_and_bad_months_with_400(self):
        cdi = Contract.objects.create(
            agent=self.bob.agent, kind=Contract.Kind.CDI, start_on=date(2020, 1, 1)
        )
        self.as_token(self.carol)
        response = self.api.post(self.url_for(cdi), {"months": 3}, format="json")
        self.assertEqual(
            (response.status_code, response.json()["code"]), (409, "contract_not_renewable")
        )
        for months in (4, "three", None):
            with self.subTest(months=months):
                response = self.api.post(
                    self.url_for(self.contract), {"months": months}, format="json"
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn("months", response.json())
        self.assertEqual(Contract.objects.count(), 3)


class EndContractTests(ContractApiTestCase):
    def url_for(self, contract: Contract) -> str:
        return reverse("api:contract-end", args=[contract.pk])

    def test_it_refuses_other_roles_methods_and_territories(self):
        self.assert_refused(
            self.url_for(self.contract), method="post", data={"end_on": "2026-12-31"}
        )
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.end_on, date(2027, 3, 31))

    def test_it_ends_a_contract_early(self):
        self.as_token(self.carol)
        response = self.api.post(
            self.url_for(self.contract), {"end_on": "2026-12-31"}, format="json"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["end_on"], "2026-12-31")
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.end_on, date(2026, 12, 31))

    def test_it_refuses_impossible_dates_with_400(self):
        self.as_token(self.carol)
        response = self.api.post(
            self.url_for(self.contract), {"end_on": "2027-04-01"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            (response.json()["code"], response.json()["field"]),
            ("invalid_contract_dates", "end_on"),
        )
        response = self.api.post(self.url_for(self.contract), {"end_on": "tomorrow"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("end_on", response.json())
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.end_on, date(2027, 3, 31))
