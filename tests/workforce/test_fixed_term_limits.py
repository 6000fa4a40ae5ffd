"""The legal limits of a CDD (2 renewals, 18 months in all): data a national admin changes, checked
by every path that makes or renews a CDD (service, pages, API, Django admin), and overridden only
with a reason recorded on the contract and shown in its history."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from agents import roles
from tests.api.base import ApiTestCase
from tests.base import make_user
from tests.workforce.test_contracts_pages import ContractPagesTestCase
from workforce.exceptions import (
    BulkRenewalRefused,
    FixedTermTooLong,
    TooManyRenewals,
)
from workforce.models.contracts import Contract, FixedTermRule
from workforce.services import contracts as services
from workforce.services.staff import create_agent

BULK = reverse("workforce:contract-bulk-renewal")


def chain(agent, *, start_on: date, end_on: date, renewals: int, months: int = 3) -> Contract:
    """A CDD and `renewals` renewals of `months` months, as if made by hand: the latest one."""
    contract = Contract.objects.create(
        agent=agent, kind=Contract.Kind.CDD, start_on=start_on, end_on=end_on
    )
    for _renewal in range(renewals):
        contract = services.renew_contract(contract=contract, months=months)
    return contract


def make_chains(cls) -> None:
    """amel: a CDD of 6 months from 1 October 2026, renewed twice by 3 months (to 30 September
    2027): a third renewal breaks the 2-renewal limit. yann: a CDD of 13 months from 1 October
    2026, never renewed: 3 more months stay within 18 (to 31 March 2028), 6 more do not."""
    amel = make_user("amel", roles.TELECONSEILLER, territory=cls.t93, plateau=cls.saint_denis)
    cls.amel = chain(amel.agent, start_on=date(2026, 10, 1), end_on=date(2027, 3, 31), renewals=2)
    yann = make_user("yann", roles.TELECONSEILLER, territory=cls.t93, plateau=cls.saint_denis)
    cls.yann = chain(yann.agent, start_on=date(2026, 10, 1), end_on=date(2027, 10, 31), renewals=0)


# What the refusals say, in the language the tests run in.
TWO_RENEWALS = _("This CDD was already renewed %(count)d times: legal maximum reached.") % {
    "count": 2
}
TOO_LONG = _(
    "The total length would exceed %(months)d months: a CDD started on %(first)s may run until "
    "%(last)s at the latest."
).split("%(months)d")[0]


class LimitsTestCase(ContractPagesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_chains(cls)


class ServiceTests(LimitsTestCase):
    def test_the_default_rule_is_seeded_from_the_code_du_travail(self):
        rule = FixedTermRule.objects.get()
        self.assertEqual((rule.max_renewals, rule.max_total_months), (2, 18))
        self.assertIn("L1243-13", rule.source)
        self.assertIn("L1242-8", rule.source)

    def test_it_refuses_a_third_renewal_naming_the_limit(self):
        with self.assertRaises(TooManyRenewals) as refused:
            services.renew_contract(contract=self.amel, months=3)
        self.assertEqual(refused.exception.message, TWO_RENEWALS)
        self.assertFalse(Contract.objects.filter(renews=self.amel).exists())

    def test_it_refuses_a_renewal_beyond_18_months_and_allows_one_up_to_it(self):
        with self.assertRaises(FixedTermTooLong) as refused:
            services.renew_contract(contract=self.yann, months=6)
        self.assertIn(f"{TOO_LONG}18", refused.exception.message)
        self.assertIn("31/03/2028", refused.exception.message)
        # 13 + 3 months end on 31 January 2028, within the 18 months to 31 March 2028.
        renewal = services.renew_contract(contract=self.yann, months=3)
        self.assertEqual(renewal.end_on, date(2028, 1, 31))

    def test_an_override_renews_and_records_its_reason_and_author(self):
        renewal = services.renew_contract(
            contract=self.amel, months=3, override_reason="  Accord de branche  ", by=self.carol
        )
        renewal.refresh_from_db()
        self.assertEqual(renewal.limit_override_reason, "Accord de branche")
        self.assertEqual(renewal.limit_overridden_by, self.carol)
        with self.assertRaises(TooManyRenewals):
            services.renew_contract(contract=renewal, months=3, override_reason="   ")

    def test_a_renewal_within_the_limits_records_no_override(self):
        first = Contract.objects.filter(agent=self.amel.agent).order_by("start_on").first()
        assert first is not None
        self.assertEqual(first.limit_override_reason, "")
        self.assertIsNone(first.limit_overridden_by)

    def test_the_limits_are_data_from_their_date(self):
        # A branch agreement allowing 3 renewals, from 1 January 2027.
        FixedTermRule.objects.create(
            valid_from=date(2027, 1, 1), max_renewals=3, max_total_months=24
        )
        renewal = services.renew_contract(contract=self.amel, months=3)
        self.assertEqual(renewal.limit_override_reason, "")

    def test_add_contract_refuses_a_cdd_longer_than_18_months_unless_overridden(self):
        agent = make_user("zia", roles.TELECONSEILLER, territory=self.t93).agent
        with self.assertRaises(FixedTermTooLong):
            services.add_contract(
                agent=agent,
                kind=Contract.Kind.CDD,
                start_on=date(2026, 1, 1),
                end_on=date(2027, 7, 1),
            )
        self.assertFalse(Contract.objects.filter(agent=agent).exists())
        contract = services.add_contract(
            agent=agent,
            kind=Contract.Kind.CDD,
            start_on=date(2026, 1, 1),
            end_on=date(2027, 7, 1),
            override_reason="Remplacement d'un congé long",
            by=self.carol,
        )
        self.assertEqual(contract.limit_overridden_by, self.carol)

    def test_a_hire_on_a_cdd_beyond_the_limits_creates_nothing(self):
        FixedTermRule.objects.create(
            valid_from=date(2020, 1, 1), max_renewals=2, max_total_months=2
        )
        with self.assertRaises(FixedTermTooLong):
            create_agent(
                username="newbie",
                password="Un mot de passe assez long 42",
                first_name="Nina",
                last_name="Neuve",
                role=roles.TELECONSEILLER,
                territory=self.t93,
                languages=[],
                today=date(2026, 1, 1),
                contract_end=date(2026, 6, 30),
            )
        self.assertFalse(Contract.objects.filter(agent__user__username="newbie").exists())

    def test_a_bulk_renewal_refuses_the_contracts_beyond_the_limits_unless_overridden(self):
        with self.assertRaises(BulkRenewalRefused) as refused:
            services.renew_contracts(contracts=[self.amel, self.yann], months=6)
        self.assertEqual(
            {(c.pk, r.code) for c, r in refused.exception.refused},
            {(self.amel.pk, "cdd_max_renewals"), (self.yann.pk, "cdd_max_length")},
        )
        renewals = services.renew_contracts(
            contracts=[self.amel, self.yann],
            months=6,
            override_reason="Prolongation décidée par la direction",
            by=self.carol,
        )
        self.assertEqual(
            {r.limit_override_reason for r in renewals}, {"Prolongation décidée par la direction"}
        )


class RenewPageTests(LimitsTestCase):
    def url(self, contract: Contract) -> str:
        return reverse("workforce:contract-renew", args=[contract.pk])

    def test_it_shows_where_the_chain_stands(self):
        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:agent-contracts", args=[self.amel.agent_id]))
        standing = response.context["fixed_term"]
        self.assertEqual((standing.renewals, standing.renewals_left), (2, 0))
        self.assertEqual(standing.last_day, date(2028, 3, 31))
        self.assertContains(response, 'data-testid="cdd-limits"')

    def test_it_refuses_beyond_the_limits_naming_the_limit(self):
        self.client.force_login(self.carol)
        response = self.client.post(self.url(self.amel), {"months": 3, "confirm": "yes"})
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, TWO_RENEWALS, status_code=409)
        self.assertContains(response, 'data-testid="renew-refused"', status_code=409)
        self.assertFalse(Contract.objects.filter(renews=self.amel).exists())

    def test_an_override_with_a_reason_renews_and_the_history_shows_it(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            self.url(self.amel),
            {"months": 3, "override_reason": "Accord de branche", "confirm": "yes"},
            follow=True,
        )
        self.assertEqual(response.redirect_chain[-1][1], 302)
        renewal = Contract.objects.get(renews=self.amel)
        self.assertEqual(renewal.limit_overridden_by, self.carol)
        history = response.content.decode()
        self.assertIn('data-testid="limit-override-reason"', history)
        self.assertIn("« Accord de branche »", history)

    def test_add_contract_page_refuses_a_cdd_beyond_18_months(self):
        agent = make_user("zia", roles.TELECONSEILLER, territory=self.t93).agent
        self.client.force_login(self.carol)
        url = reverse("workforce:contract-add", args=[agent.pk])
        data = {"kind": "cdd", "start_on": "2026-01-01", "end_on": "2027-12-31"}
        response = self.client.post(url, data)
        self.assertContains(response, f"{TOO_LONG}18")
        self.assertFalse(Contract.objects.filter(agent=agent).exists())
        self.client.post(url, {**data, "override_reason": "Contrat de projet"})
        self.assertEqual(
            Contract.objects.get(agent=agent).limit_override_reason, "Contrat de projet"
        )


class BulkRenewalPageTests(LimitsTestCase):
    filters = {"ending_by": "2027-12-31", "plateau": "", "language": "", "months": "3"}

    def test_the_preview_flags_and_leaves_unticked_the_contracts_beyond_the_limits(self):
        self.client.force_login(self.carol)
        response = self.client.get(BULK, self.filters)
        rows = {row.contract.pk: row for row in response.context["match"].rows}
        self.assertTrue(rows[self.amel.pk].overridable)
        self.assertEqual(rows[self.amel.pk].refusal.code, "cdd_max_renewals")
        self.assertTrue(rows[self.yann.pk].renewable)  # 12 + 3 months: within 18
        self.assertNotIn(self.amel.pk, response.context["selected"])
        self.assertContains(response, 'data-testid="bulk-override"')
        self.assertContains(response, TWO_RENEWALS)
        self.assertContains(response, 'data-code="cdd_max_renewals"')

    def test_it_renews_them_only_with_a_reason(self):
        self.client.force_login(self.carol)
        data = {**self.filters, "contract": [self.amel.pk, self.yann.pk], "confirm": "yes"}
        response = self.client.post(BULK, data)
        self.assertEqual(response.status_code, 409)
        self.assertFalse(Contract.objects.filter(renews__in=[self.amel, self.yann]).exists())
        response = self.client.post(BULK, {**data, "override_reason": "Accord de branche"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            Contract.objects.get(renews=self.amel).limit_override_reason, "Accord de branche"
        )
        # Within the limits: renewed, nothing to override.
        self.assertEqual(Contract.objects.get(renews=self.yann).limit_override_reason, "")


class ApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_chains(cls)

    def test_renew_answers_409_with_the_limit_then_201_with_an_override(self):
        self.as_token(self.carol)
        url = reverse("api:contract-renew", args=[self.amel.pk])
        response = self.api.post(url, {"months": 3}, format="json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "cdd_max_renewals")
        response = self.api.post(
            url, {"months": 3, "override_reason": "Accord de branche"}, format="json"
        )
        self.assertEqual(response.status_code, 201)
        body = response.json()
        self.assertEqual(body["limit_override_reason"], "Accord de branche")
        self.assertEqual(body["limit_overridden_by"], "carol")

    def test_bulk_preview_says_overridable_and_post_needs_a_reason(self):
        self.as_token(self.carol)
        url = reverse("api:contract-bulk-renewal")
        preview = self.api.get(url, {"ending_by": "2027-12-31", "months": 6}).json()
        rows = {row["contract"]["id"]: row for row in preview["results"]}
        self.assertEqual(
            (rows[self.amel.pk]["renewable"], rows[self.amel.pk]["overridable"]), (False, True)
        )
        self.assertEqual(rows[self.yann.pk]["refusal"]["code"], "cdd_max_length")
        self.assertEqual(rows[self.yann.pk]["renewal_end_on"], "2028-04-30")
        body = {"contracts": [self.amel.pk, self.yann.pk], "months": 6}
        response = self.api.post(url, body, format="json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(
            {item["code"] for item in response.json()["refused"]},
            {"cdd_max_renewals", "cdd_max_length"},
        )
        response = self.api.post(url, {**body, "override_reason": "Accord"}, format="json")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(
            [c["limit_override_reason"] for c in response.json()["renewed"]], ["Accord", "Accord"]
        )


class AdminTests(LimitsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.nina = make_user("nina", roles.ADMIN_NATIONAL)
        cls.nina.is_staff = True
        cls.nina.save(update_fields=["is_staff"])
        cls.carol.is_staff = True
        cls.carol.save(update_fields=["is_staff"])
        cls.rule = FixedTermRule.objects.get()

    def test_only_a_national_admin_changes_the_rule(self):
        url = reverse("admin:workforce_fixedtermrule_change", args=[self.rule.pk])
        data = {"valid_from": "2015-08-19", "max_renewals": "1", "max_total_months": "18"}
        self.client.force_login(self.carol)
        self.assertEqual(self.client.get(url).status_code, 200)  # reads it
        self.assertEqual(self.client.post(url, data).status_code, 403)
        self.rule.refresh_from_db()
        self.assertEqual(self.rule.max_renewals, 2)
        self.client.force_login(self.nina)
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.rule.refresh_from_db()
        self.assertEqual(self.rule.max_renewals, 1)

    def test_a_cdd_added_in_the_admin_beyond_the_limits_needs_a_reason(self):
        agent = make_user("zia", roles.TELECONSEILLER, territory=self.t93).agent
        url = reverse("admin:workforce_contract_add")
        data = {
            "agent": agent.pk,
            "kind": "cdd",
            "start_on": "2026-01-01",
            "end_on": "2027-12-31",
        }
        self.client.force_login(self.carol)
        response = self.client.post(url, data)
        self.assertContains(response, f"{TOO_LONG}18")
        self.assertFalse(Contract.objects.filter(agent=agent).exists())
        response = self.client.post(url, {**data, "limit_override_reason": "Projet"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Contract.objects.get(agent=agent).limit_overridden_by, self.carol)
