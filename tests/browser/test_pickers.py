from django.urls import reverse
from playwright.sync_api import expect

from agents import roles
from agents.models import Territory
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase


class LanguagePickerBrowserTests(BrowserTestCase):
    def setUp(self):
        territory = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        make_user("admin93", roles.ADMIN_CPAM, territory=territory)
        make_user("sidi", roles.TELECONSEILLER, territory=territory, languages=("fr", "snk"))

    def test_typing_finds_a_language_among_two_hundred(self):
        page = self.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        self.log_in(page, "admin93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('intake:index-case-new')}")
        select = page.locator("select[name=language]")
        # French and the floor's Soninké first.
        expect(select.locator("optgroup").first.locator("option").nth(1)).to_have_attribute(
            "value", "snk"
        )
        search = page.locator("[data-testid=language-filter]").first
        search.fill("tigri")
        expect(select).to_have_value("ti")
        search.fill("soninke")  # without the accent
        search.press("Enter")
        expect(select).to_have_value("snk")
        self.assertEqual(errors, [])
