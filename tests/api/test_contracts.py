"""API v1 contracts: list, read, renew and end early, for CPAM admins of the contract's
territory."""

from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone

from agents import roles
from tests.api.base import ApiTestCase
from tests.base import make_user
from workforce.models.contracts import Contract
from workforce.models.rota import Shift


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

    def test_it_answers_an_agent_or_offset_beyond_any_row_with_400_on_that_field(self):
        self.as_token(self.carol)
        for field in ("agent", "offset"):
            with self.subTest(field=field):
                response = self.api.get(self.url, {field: 2**63})
                self.assertEqual(response.status_code, 400)
                self.assertEqual(list(response.json()), [field])

    def test_its_query_count_does_not_grow_with_the_contracts(self):
        self.as_token(self.carol)
        # The token with its user and roles, territory, count, the page.
        with self.assertNumQueries(4):
            self.api.get(self.url)
        for n in range(5):
            user = make_user(f"agent{n}", roles.TELECONSEILLER, territory=self.t93)
            Contract.objects.create(
                agent=user.agent, kind=Contract.Kind.CDI, start_on=date(2026, 1, 1)
            )
        with self.assertNumQueries(4):
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

    def test_it_cancels_the_shifts_after_the_new_last_day(self):
        zone = self.t93.zone
        kept, cancelled = (
            Shift.objects.create(
                agent=self.alice.agent,
                plateau=self.saint_denis,
                day=day,
                starts_at=datetime.combine(day, time(9), tzinfo=zone),
                ends_at=datetime.combine(day, time(12), tzinfo=zone),
            )
            for day in (date(2026, 12, 31), date(2027, 1, 4))
        )
        self.as_token(self.carol)
        response = self.api.post(
            self.url_for(self.contract), {"end_on": "2026-12-31"}, format="json"
        )
        self.assertEqual(response.status_code, 200)
        kept.refresh_from_db()
        cancelled.refresh_from_db()
        self.assertIsNone(kept.cancelled_at)
        self.assertEqual(
            (cancelled.cancellation_reason, cancelled.cancelled_by),
            (Shift.CancellationReason.CONTRACT_END, self.carol),
        )

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


class ConvertContractTests(ContractApiTestCase):
    def url_for(self, contract: Contract) -> str:
        return reverse("api:contract-convert", args=[contract.pk])

    def test_it_refuses_other_roles_methods_and_territories(self):
        self.assert_refused(
            self.url_for(self.contract), method="post", data={"start_on": "2027-01-01"}
        )
        self.assertFalse(Contract.objects.filter(renews=self.contract).exists())

    def test_it_answers_the_new_cdi_and_ends_the_cdd_the_day_before(self):
        self.as_token(self.carol)
        response = self.api.post(
            self.url_for(self.contract), {"start_on": "2027-01-01"}, format="json"
        )
        self.assertEqual(response.status_code, 201)
        body = response.json()
        self.assertEqual(
            (body["kind"], body["start_on"], body["end_on"], body["renews"]),
            ("cdi", "2027-01-01", None, self.contract.pk),
        )
        cdd = self.api.get(reverse("api:contract-detail", args=[self.contract.pk])).json()
        self.assertEqual((cdd["end_on"], cdd["renewal"]), ("2026-12-31", body["id"]))

    def test_it_refuses_a_cdi_with_409_and_a_date_outside_the_cdd_with_400(self):
        self.as_token(self.carol)
        cdi = self.api.post(self.url_for(self.contract), {"start_on": "2027-01-01"}, format="json")
        response = self.api.post(
            reverse("api:contract-convert", args=[cdi.json()["id"]]),
            {"start_on": "2027-02-01"},
            format="json",
        )
        self.assertEqual(
            (response.status_code, response.json()["code"]), (409, "contract_not_convertible")
        )
        other = Contract.objects.create(
            agent=self.bob.agent,
            kind=Contract.Kind.CDD,
            start_on=date(2026, 1, 1),
            end_on=date(2026, 6, 30),
        )
        response = self.api.post(self.url_for(other), {"start_on": "2026-08-01"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            (response.json()["code"], response.json()["field"]),
            ("invalid_contract_dates", "start_on"),
        )
        response = self.api.post(self.url_for(other), {}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("start_on", response.json())
        self.assertFalse(Contract.objects.filter(renews=other).exists())


class BulkRenewalApiTests(ContractApiTestCase):
    url = reverse("api:contract-bulk-renewal")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # alice's CDD ends 31 March 2027; bob's 15 March 2027; anna's account is deactivated.
        cls.bob_contract = Contract.objects.create(
            agent=cls.bob.agent,
            kind=Contract.Kind.CDD,
            start_on=date(2026, 10, 1),
            end_on=date(2027, 3, 15),
        )
        anna = make_user("anna", roles.TELECONSEILLER, territory=cls.t93, plateau=cls.saint_denis)
        anna.is_active = False
        anna.save(update_fields=["is_active"])
        cls.anna_contract = Contract.objects.create(
            agent=anna.agent,
            kind=Contract.Kind.CDD,
            start_on=date(2026, 10, 1),
            end_on=date(2027, 3, 20),
        )

    def test_it_refuses_other_roles_and_methods(self):
        query = {"ending_by": "2027-03-31"}
        body = {"contracts": [self.contract.pk], "months": 3}
        self.assertEqual(self.api.get(self.url, query).status_code, 401)
        self.assertEqual(self.api.post(self.url, body, format="json").status_code, 401)
        for user in (self.alice, self.bob):
            self.as_token(user)
            self.assertEqual(self.api.get(self.url, query).status_code, 403)
            self.assertEqual(self.api.post(self.url, body, format="json").status_code, 403)
        self.as_token(self.carol)
        for method in (self.api.put, self.api.patch, self.api.delete):
            self.assertEqual(method(self.url, body, format="json").status_code, 405)
        self.assertFalse(Contract.objects.filter(renews=self.contract).exists())

    def test_it_previews_the_matched_contracts(self):
        self.as_token(self.carol)
        response = self.api.get(
            self.url, {"ending_by": "2027-03-31", "plateau": self.saint_denis.pk, "months": 6}
        )
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["count"], body["truncated"]), (3, False))
        results = {row["contract"]["id"]: row for row in body["results"]}
        self.assertEqual(
            list(results), [self.bob_contract.pk, self.anna_contract.pk, self.contract.pk]
        )
        alice = results[self.contract.pk]
        self.assertEqual(
            (
                alice["renewable"],
                alice["refusal"],
                alice["renewal_start_on"],
                alice["renewal_end_on"],
            ),
            (True, None, "2027-04-01", "2027-09-30"),
        )
        anna = results[self.anna_contract.pk]
        self.assertEqual((anna["renewable"], anna["refusal"]["code"]), (False, "agent_deactivated"))
        self.assertEqual(anna["renewal_start_on"], None)
        response = self.api.get(self.url, {"ending_by": "2027-03-31", "language": "tr"})
        self.assertEqual(
            [row["contract"]["id"] for row in response.json()["results"]], [self.contract.pk]
        )

    def test_it_answers_bad_filters_with_400_and_another_territorys_plateau_with_404(self):
        self.as_token(self.carol)
        for query in (
            {},
            {"ending_by": "soon"},
            {"ending_by": "2027-03-31", "months": 4},
            {"ending_by": "2027-03-31", "language": "xx"},
        ):
            with self.subTest(query=query):
                self.assertEqual(self.api.get(self.url, query).status_code, 400)
        response = self.api.get(
            self.url, {"ending_by": "2027-03-31", "plateau": self.paris_plateau.pk}
        )
        self.assertEqual(response.status_code, 404)
        response = self.api.get(self.url, {"ending_by": "2027-03-31", "plateau": 2**63})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["plateau"])

    def test_it_answers_an_id_beyond_any_row_with_400_on_contracts(self):
        self.as_token(self.carol)
        response = self.api.post(
            self.url, {"contracts": [self.contract.pk, 2**63], "months": 3}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()["contracts"]), ["1"])
        self.assertFalse(Contract.objects.filter(renews=self.contract).exists())

    def test_it_renews_them_all_and_answers_the_new_contracts(self):
        self.as_token(self.carol)
        response = self.api.post(
            self.url,
            {"contracts": [self.contract.pk, self.bob_contract.pk], "months": 3},
            format="json",
        )
        self.assertEqual(response.status_code, 201)
        body = response.json()
        self.assertEqual(body["count"], 2)
        self.assertEqual(
            [(row["renews"], row["start_on"], row["end_on"]) for row in body["renewed"]],
            [
                (self.contract.pk, "2027-04-01", "2027-06-30"),
                (self.bob_contract.pk, "2027-03-16", "2027-06-15"),
            ],
        )

    def test_it_renews_none_and_answers_409_with_each_refusal(self):
        self.as_token(self.carol)
        response = self.api.post(
            self.url,
            {
                "contracts": [self.contract.pk, self.anna_contract.pk, self.bob_contract.pk],
                "months": 6,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 409)
        body = response.json()
        self.assertEqual(body["code"], "bulk_renewal_refused")
        self.assertTrue(body["detail"])
        self.assertEqual(
            [(row["contract"], row["code"]) for row in body["refused"]],
            [(self.anna_contract.pk, "agent_deactivated")],
        )
        self.assertTrue(body["refused"][0]["detail"])
        self.assertFalse(Contract.objects.filter(renews__isnull=False).exists())

    def test_it_answers_bad_input_with_400_and_another_territorys_contract_with_404(self):
        self.as_token(self.carol)
        for data, field in (
            ({"contracts": [], "months": 3}, "contracts"),
            ({"contracts": [self.contract.pk], "months": 4}, "months"),
            ({"contracts": "all", "months": 3}, "contracts"),
            ({"months": 3}, "contracts"),
        ):
            with self.subTest(data=data):
                response = self.api.post(self.url, data, format="json")
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.json())
        response = self.api.post(
            self.url,
            {"contracts": [self.contract.pk, self.erin_contract.pk], "months": 3},
            format="json",
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Contract.objects.filter(renews__isnull=False).exists())

    def test_its_preview_query_count_does_not_grow_with_the_contracts(self):
        self.as_token(self.carol)
        query = {"ending_by": "2027-03-31"}
        # The token with its user and roles, territory, the contracts, their chains of renewals,
        # the CDD limits.
        with self.assertNumQueries(5):
            self.api.get(self.url, query)
        for n in range(5):
            user = make_user(f"agent{n}", roles.TELECONSEILLER, territory=self.t93)
            Contract.objects.create(
                agent=user.agent,
                kind=Contract.Kind.CDD,
                start_on=date(2026, 10, 1),
                end_on=date(2027, 2, 1),
            )
        with self.assertNumQueries(5):
            self.assertEqual(self.api.get(self.url, query).json()["count"], 8)
