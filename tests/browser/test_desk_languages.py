"""Issue 13 part 3, in the browser: an English-speaking contact's card shows the English script,
with the French at hand."""

from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Territory
from intake.services import register_index_case
from tests.base import PASSWORD, contact, make_user, person
from tests.browser.base import BrowserTestCase


class DeskLanguageBrowserTests(BrowserTestCase):
    def test_an_english_speaking_contacts_card_shows_the_english_script(self):
        territory = Territory.objects.create(
            code="93",
            name="CPAM de la Seine-Saint-Denis",
            timezone="Europe/Paris",
            calling_hours_start=time(0, 0),
            calling_hours_end=time(23, 59),
        )
        # The agent speaks English only: the contact's call is the one she can take.
        make_user("agent93", roles.TELECONSEILLER, territory=territory, languages=("en",))
        now = timezone.now()
        register_index_case(
            territory=territory,
            person=person("Paul", "Premier", "0612345678"),
            sampled_at=now - timedelta(days=1),
            source="form",
            now=now - timedelta(hours=1),
            contacts=[contact("John", "Smith", "0611223344", language="en")],
        )
        page = self.new_page(locale="fr-FR", width=1440)
        self.log_in(page, "agent93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('calls:desk')}")
        page.click("[data-testid=status-ready]")
        page.wait_for_selector("#current-status[data-status=ready]")
        page.click("[data-testid=next-call]")
        page.wait_for_selector("[data-testid=script-notification]")

        instructions = page.locator("[data-testid=instructions]")
        expect(instructions).to_have_attribute("lang", "en")
        expect(instructions).to_contain_text("Get tested")
        expect(page.locator("[data-testid=instructions-language]")).to_contain_text("en anglais")
        # The French version, folded, one click away.
        french = page.locator("[data-testid=instructions-french]")
        expect(french.locator("[lang=fr]")).to_be_hidden()
        french.locator("summary").click()
        expect(french.locator("[lang=fr]")).to_contain_text("Faites un test")
        page.screenshot(path="test-results/desk-english-script.png", full_page=True)
