"""The queue-health proposal and the channel-mode page in a browser, at desk and phone widths."""

import os
from pathlib import Path
from unittest import mock

from django.urls import reverse

from agents import roles
from agents.models import Territory
from calls.models import SmsMessage
from supervision.models import SupervisorAction
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/channels"))


@mock.patch("supervision.selectors.channels.projected_misses", return_value=42)
class ChannelModeBrowserTests(BrowserTestCase):
    def setUp(self):
        self.t93 = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        make_user("admin93", roles.ADMIN_CPAM, territory=self.t93)

    def shoot(self, page, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)

    def test_an_admin_switches_to_sms_first_from_the_proposal(self, _projection):
        for width in (1440, 390):
            page = self.new_page(locale="fr-FR", width=width)
            self.log_in(page, "admin93", PASSWORD)
            page.goto(f"{self.live_server_url}{reverse('supervision:queue-health')}")
            banner = page.locator("[data-testid=channel-proposal]")
            self.assertIn("42", banner.inner_text())
            self.shoot(page, f"queue-health-banner-{width}.png")
            page.goto(f"{self.live_server_url}{reverse('supervision:channel-mode')}")
            self.shoot(page, f"channel-mode-{width}.png")
        page.goto(f"{self.live_server_url}{reverse('supervision:queue-health')}")
        page.locator("[data-testid=switch-sms-first]").click()
        page.wait_for_load_state()
        self.t93.refresh_from_db()
        self.assertEqual(self.t93.channel_mode, Territory.ChannelMode.SMS_FIRST)
        self.assertEqual(page.locator("[data-testid=channel-proposal]").count(), 0)
        self.assertEqual(SupervisorAction.objects.get().kind, SupervisorAction.Kind.CHANNEL_MODE)
        self.assertFalse(SmsMessage.objects.exists())
