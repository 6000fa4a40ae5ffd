from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.base import PersonasTestCase
from workforce.models.contracts import Contract


class WorkforceHubTests(PersonasTestCase):
    url = reverse("workforce:hub")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = timezone.localdate()
        for user in (cls.alice, cls.erin):
            Contract.objects.create(
                agent=user.agent,
                kind=Contract.Kind.CDD,
                start_on=today - timedelta(days=80),
                end_on=today + timedelta(days=10),
                end_alerted_at=timezone.now(),
            )

    def test_it_sends_an_anonymous_visitor_to_the_login_page(self):
        response = self.client.get(self.url)
        self.assertRedirects(response, f"{reverse('login')}?next={self.url}")

    def test_it_refuses_a_teleconseiller(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.carol)
        self.assertEqual(self.client.post(self.url).status_code, 405)

    def test_it_shows_an_admin_every_tool_and_only_their_territorys_contract_ends(self):
        self.client.force_login(self.carol)
        response = self.client.get(self.url)
        self.assertContains(response, 'data-testid="tile-recruitment"')
        self.assertContains(response, 'data-testid="tile-contracts"')
        self.assertEqual(response.context["contract_alert_count"], 1)
        self.assertContains(response, 'data-testid="contract-alerts"')

    def test_it_shows_a_supervisor_the_rota_and_staffing_but_not_hiring_or_contracts(self):
        self.client.force_login(self.bob)
        response = self.client.get(self.url)
        self.assertContains(response, 'data-testid="tile-rota"')
        self.assertContains(response, 'data-testid="tile-staffing"')
        self.assertNotContains(response, 'data-testid="tile-recruitment"')
        self.assertNotContains(response, 'data-testid="tile-contracts"')

    def test_every_linked_page_opens_for_an_admin(self):
        self.client.force_login(self.carol)
        for name in (
            "recruitment-board",
            "candidate-list",
            "training-session-list",
            "contract-list",
            "headcount",
            "adherence",
            "opening-hours",
            "shift-patterns",
            "payroll",
            "staffing",
            "volume-forecasts",
            "my-week",
        ):
            with self.subTest(page=name):
                self.assertEqual(self.client.get(reverse(f"workforce:{name}")).status_code, 200)
        self.assertRedirects(
            self.client.get(reverse("workforce:rota")),
            reverse("workforce:plateau-rota", args=[self.saint_denis.pk]),
        )
