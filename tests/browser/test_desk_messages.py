"""A supervisor's message reaches the agent's desk within seconds, in a real browser, without
touching what she is typing; « Lu » takes it away (issue 13)."""

import os
from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Plateau, Territory
from calls.models import DeskMessageReceipt
from intake.services import register_index_case
from tests.base import PASSWORD, make_user, person
from tests.browser.base import BrowserTestCase

NOTES = "Tousse depuis lundi, vit avec sa sœur"
# Markup in a message is text on the desk, never markup.
BODY = "Briefing à 14 h en salle 2 <b>pas de pause</b> <img src=x onerror=alert(1)>"
# Screenshots for a person to look at: set DESK_SCREENSHOTS to a directory.
SCREENSHOTS = os.environ.get("DESK_SCREENSHOTS", "")


class DeskMessageBrowserTests(BrowserTestCase):
    def setUp(self):
        self.territory = Territory.objects.create(
            code="93",
            name="CPAM de la Seine-Saint-Denis",
            timezone="Europe/Paris",
            calling_hours_start=time(0, 0),
            calling_hours_end=time(23, 59),
        )
        self.plateau = Plateau.objects.create(territory=self.territory, name="Saint-Denis")
        for username in ("agent93", "agent93b"):
            make_user(
                username,
                roles.TELECONSEILLER,
                territory=self.territory,
                languages=("fr",),
                plateau=self.plateau,
            )
        make_user("sup93", roles.SUPERVISEUR, territory=self.territory, plateau=self.plateau)
        now = timezone.now()
        register_index_case(
            territory=self.territory,
            person=person("Paul", "Premier", "0612345678"),
            sampled_at=now - timedelta(days=1),
            source="form",
            now=now - timedelta(hours=3),
        )

    def english_page(self, width: int = 1440):
        page = self.new_page(width=width)
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": self.live_server_url}]
        )
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        self.addCleanup(lambda: self.assertEqual(errors, []))
        return page

    def screenshot(self, page, name: str) -> None:
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, f"messages-{name}.png"))

    def test_a_message_to_the_floor_reaches_the_desk_and_keeps_the_typing(self):
        page = self.english_page()
        self.log_in(page, "agent93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('calls:desk')}")
        page.click("[data-testid=status-ready]")
        page.wait_for_selector("#current-status[data-status=ready]")
        page.click("[data-testid=next-call]")
        page.wait_for_selector("[data-testid=contact-card]")
        panel = page.locator("[data-testid=desk-messages]")
        expect(panel).to_be_hidden()
        page.fill("#id_notes", NOTES)

        supervisor = self.english_page()
        self.log_in(supervisor, "sup93", PASSWORD)
        supervisor.goto(f"{self.live_server_url}{reverse('supervision:messages')}")
        supervisor.select_option("#id_to", f"plateau:{self.plateau.pk}")
        supervisor.fill("#id_body", BODY)
        supervisor.click("[data-testid=send-message]")
        expect(supervisor.locator("[data-testid=read-count]")).to_have_text("0 of 2")

        # Within seconds, while the cursor is still in the notes.
        expect(panel).to_be_visible(timeout=5_000)
        message = panel.locator("[data-testid=desk-message]")
        expect(message).to_have_count(1)
        expect(message.locator("[data-testid=desk-message-body]")).to_have_text(BODY)
        expect(message).to_contain_text("Sup93 Test")
        expect(message).to_contain_text("to the floor")
        self.assertEqual(panel.locator("b, img").count(), 0)
        expect(page.locator("#id_notes")).to_have_value(NOTES)
        self.assertEqual(page.evaluate("document.activeElement.id"), "id_notes")
        page.keyboard.type(". Rappeler demain.")
        expect(page.locator("#id_notes")).to_have_value(NOTES + ". Rappeler demain.")
        self.screenshot(page, "desk")

        # « Lu »: gone from the desk, read on the supervisor's page; the typing is still there.
        message.locator("[data-testid=desk-message-read]").click()
        expect(panel).to_be_hidden()
        expect(page.locator("#id_notes")).to_have_value(NOTES + ". Rappeler demain.")
        receipt = DeskMessageReceipt.objects.get(agent__user__username="agent93")
        for _attempt in range(50):
            receipt.refresh_from_db()
            if receipt.read_at is not None:
                break
            page.wait_for_timeout(100)
        self.assertIsNotNone(receipt.read_at)
        # The next polls do not bring it back, nor does a reload.
        page.wait_for_timeout(3_500)
        expect(panel).to_be_hidden()
        page.reload()
        page.wait_for_selector("[data-testid=contact-card]")
        expect(panel).to_be_hidden()
        supervisor.reload()
        expect(supervisor.locator("[data-testid=read-count]")).to_have_text("1 of 2")
        self.screenshot(supervisor, "sent")

    def test_a_message_to_one_agent_from_the_board_on_a_phone(self):
        page = self.english_page(width=390)
        self.log_in(page, "agent93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('calls:desk')}")
        page.click("[data-testid=status-ready]")
        page.wait_for_selector("#current-status[data-status=ready]")

        supervisor = self.english_page()
        self.log_in(supervisor, "sup93", PASSWORD)
        supervisor.goto(f"{self.live_server_url}{reverse('supervision:plateau')}")
        supervisor.locator("[data-testid=board-row][data-agent=agent93]").locator(
            "[data-testid=message-agent]"
        ).click()
        expect(supervisor.locator("#id_to option:checked")).to_have_text("Agent93 Test")
        supervisor.fill("#id_body", "Venez me voir à la fin de votre appel.")
        supervisor.click("[data-testid=send-message]")

        message = page.locator("[data-testid=desk-message]")
        expect(message).to_contain_text("Venez me voir", timeout=5_000)
        expect(message).to_contain_text("to you")
        self.screenshot(page, "phone")
        message.locator("[data-testid=desk-message-read]").click()
        expect(page.locator("[data-testid=desk-messages]")).to_be_hidden()
        self.assertFalse(
            DeskMessageReceipt.objects.filter(
                agent__user__username="agent93b", message__body__startswith="Venez"
            ).exists()
        )
