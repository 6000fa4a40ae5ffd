"""« Renouveler » asks first (issue 13): the renewal's page says who, from when to when, where the
chain stands against the legal limits and what cannot be undone; only its confirmation renews."""

from django.conf import settings
from django.urls import reverse

from tests.workforce.test_fixed_term_limits import LimitsTestCase
from workforce.models.contracts import Contract


class RenewConfirmationTests(LimitsTestCase):
    def setUp(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.client.force_login(self.carol)

    def url(self, contract: Contract) -> str:
        return reverse("workforce:contract-renew", args=[contract.pk])

    def test_the_contracts_page_buttons_lead_to_the_confirmation(self):
        page = reverse("workforce:agent-contracts", args=[self.alice.agent.pk])
        response = self.client.post(self.url(self.alice_contract), {"months": 6})
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "workforce/confirm.html")
        for fact in (
            "Alice Test (alice)",
            "6 months, from 04/01/2027 to 09/30/2027",
            "Renew until 09/30/2027",
        ):
            self.assertContains(response, fact)
        self.assertContains(response, "renewals so far: 0 of 2")
        self.assertContains(response, "cannot be withdrawn")
        self.assertContains(response, 'name="months" value="6"')
        self.assertContains(response, 'name="confirm" value="yes"')
        self.assertContains(response, f'href="{page}"')
        self.assertFalse(Contract.objects.filter(renews=self.alice_contract).exists())

    def test_a_get_shows_the_same_confirmation_and_changes_nothing(self):
        response = self.client.get(self.url(self.alice_contract), {"months": 3})
        self.assertTemplateUsed(response, "workforce/confirm.html")
        self.assertContains(response, "3 months, from 04/01/2027 to 06/30/2027")
        self.assertFalse(Contract.objects.filter(renews=self.alice_contract).exists())

    def test_only_the_confirmation_renews(self):
        for data in ({"months": 3}, {"months": 3, "confirm": "no"}):
            with self.subTest(data=data):
                self.client.post(self.url(self.alice_contract), data)
                self.assertFalse(Contract.objects.filter(renews=self.alice_contract).exists())
        response = self.client.post(self.url(self.alice_contract), {"months": 3, "confirm": "yes"})
        self.assertRedirects(
            response, reverse("workforce:agent-contracts", args=[self.alice.agent.pk])
        )
        renewal = Contract.objects.get(renews=self.alice_contract)
        self.assertEqual(renewal.end_on.isoformat(), "2027-06-30")

    def test_beyond_the_limits_it_names_the_limit_and_asks_the_reason(self):
        response = self.client.post(self.url(self.amel), {"months": 3})
        self.assertContains(response, 'data-testid="confirm-warning"')
        self.assertContains(response, "already renewed 2 times: legal maximum reached.")
        self.assertContains(response, 'name="override_reason"')
        self.assertContains(response, "renewals so far: 2 of 2")
        self.assertFalse(Contract.objects.filter(renews=self.amel).exists())
        self.client.post(
            self.url(self.amel),
            {"months": 3, "override_reason": "Accord de branche", "confirm": "yes"},
        )
        self.assertEqual(
            Contract.objects.get(renews=self.amel).limit_override_reason, "Accord de branche"
        )

    def test_a_contract_that_cannot_be_renewed_has_nothing_to_confirm(self):
        self.client.post(self.url(self.alice_contract), {"months": 3, "confirm": "yes"})
        response = self.client.get(self.url(self.alice_contract), {"months": 3}, follow=True)
        self.assertTemplateNotUsed(response, "workforce/confirm.html")
        self.assertContains(response, "already renewed")
        self.assertEqual(Contract.objects.filter(renews=self.alice_contract).count(), 1)

    def test_a_refused_renewal_is_summed_up_at_the_top_of_the_page(self):
        response = self.client.post(self.url(self.amel), {"months": 3, "confirm": "yes"})
        self.assertEqual(response.status_code, 409)
        page = response.content.decode()
        summary = page.index('data-testid="error-summary"')
        self.assertLess(summary, page.index('data-testid="contract-history"'))
        self.assertIn('href="#renew"', page[summary : page.index('data-testid="contract-history"')])
        self.assertIn('id="renew"', page)
        page = self.client.get(
            reverse("workforce:agent-contracts", args=[self.amel.agent_id])
        ).content.decode()
        self.assertNotIn('data-testid="error-summary"', page)
