from django.core.management import call_command

from demo.loader import DEMO_PASSWORD
from tests.browser.base import BrowserTestCase


class DemoLoginBrowserTests(BrowserTestCase):
    def setUp(self):
        call_command("load_demo", force=True, verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115

    def test_it_shows_the_login_in_french_to_an_english_browser_and_lets_a_demo_admin_in(self):
        page = self.new_page(locale="en-US")
        page.goto(f"{self.live_server_url}/")
        self.assertIn("/accounts/login/", page.url)
        self.assertEqual(page.locator("html").get_attribute("lang"), "fr")
        self.assertIn("Connexion", page.title())

        self.log_in(page, "admin93", DEMO_PASSWORD)

        self.assertEqual(page.url, f"{self.live_server_url}/")
        page.goto(f"{self.live_server_url}/cases/")
        self.assertGreater(page.locator("table tbody tr").count(), 0)

    def test_it_refuses_a_wrong_password(self):
        page = self.new_page()
        self.log_in(page, "agent93", "not-the-password")
        self.assertIn("/accounts/login/", page.url)
