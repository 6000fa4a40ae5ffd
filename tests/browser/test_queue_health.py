from unittest import mock

from django.urls import reverse

from agents import roles
from agents.models import Territory
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase


@mock.patch("supervision.views.queue_health.REFRESH_SECONDS", 1)
class QueueHealthBrowserTests(BrowserTestCase):
    def setUp(self):
        territory = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        make_user("super93", roles.SUPERVISEUR, territory=territory)

    def test_it_polls_the_panel_while_the_tab_is_visible(self):
        page = self.new_page()
        self.log_in(page, "super93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('supervision:queue-health')}")
        panel_url = reverse("supervision:queue-health-panel")
        with page.expect_request(lambda request: panel_url in request.url, timeout=5_000):
            pass
        self.assertEqual(
            page.locator("[data-testid=queue-health-panel]").get_attribute("hx-trigger"), "poll"
        )
