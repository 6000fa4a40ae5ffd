"""The desk in a browser dialling through the carrier simulator (a separate process): the
setup shared by the browser tests of the carrier's chain."""

from datetime import time

from django.test import override_settings
from django.urls import reverse

from agents.models import Territory
from tests.base import PASSWORD
from tests.browser.base import BrowserTestCase
from tests.calls.carrier_sim import SerialLiveServerThread, start_simulator, stop_simulator

SECRET = "test-carrier-secret"


class CarrierDeskTestCase(BrowserTestCase):
    # One request at a time: the webhooks, the desk's poll and the test share one SQLite file.
    server_thread_class = SerialLiveServerThread

    @staticmethod
    def make_territory() -> Territory:
        # Calling hours all day: the test runs whatever the time.
        return Territory.objects.create(
            code="93",
            name="CPAM de la Seine-Saint-Denis",
            timezone="Europe/Paris",
            calling_hours_start=time(0, 0),
            calling_hours_end=time(23, 59),
        )

    def start_carrier(
        self,
        outcome: str | None = None,
        *,
        outcomes_by_number: dict[str, str] | None = None,
        bill_elapsed: bool = False,
    ) -> str:
        """Start the simulator, point the carrier backend at it; return its URL."""
        webhook = self.live_server_url + reverse("api:carrier-events", args=["sim"])
        # Answered 2 to 4 s after ringing: long enough for a 1 s poll to see it ring.
        process, url = start_simulator(
            webhook=webhook,
            secret=SECRET,
            outcome=outcome,
            outcomes_by_number=outcomes_by_number,
            bill_elapsed=bill_elapsed,
            delay_scale=1.0,
            max_delay=4.0,
        )
        self.addCleanup(stop_simulator, process)
        carrier = override_settings(
            TELEPHONY_BACKEND="calls.telephony.CarrierBackend",
            CARRIER_URL=url,
            DESK_POLL_SECONDS=1,
        )
        carrier.enable()
        self.addCleanup(carrier.disable)
        return url

    def open_desk(self, username: str, *, width: int | None = None):
        """Log the agent in (in English), open the desk and make her ready."""
        page = self.new_page(width=width)
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": self.live_server_url}]
        )
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.log_in(page, username, PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('calls:desk')}")
        page.click("[data-testid=status-ready]")
        page.wait_for_selector("#current-status[data-status=ready]")
        return page

    @staticmethod
    def take_and_dial(page):
        """Take the next call and dial it through the carrier."""
        page.click("[data-testid=next-call]")
        page.wait_for_selector("[data-testid=contact-card]")
        page.click("[data-testid=dial]")
