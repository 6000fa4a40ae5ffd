from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Agent, Territory
from calls.models import Assignment, CallTask
from calls.services.sweeps import set_absent_agents_offline
from cases.models import Exposure, Interview
from intake.services import register_index_case
from tests.base import PASSWORD, make_user, person
from tests.browser.base import BrowserTestCase


class DeskBrowserTests(BrowserTestCase):
    def setUp(self):
        # Calling hours around the clock, so that the test passes at any hour.
        self.territory = Territory.objects.create(
            code="93",
            name="CPAM de la Seine-Saint-Denis",
            timezone="Europe/Paris",
            calling_hours_start=time(0, 0),
            calling_hours_end=time(23, 59),
        )
        self.agent_user = make_user(
            "agent93", roles.TELECONSEILLER, territory=self.territory, languages=("fr",)
        )
        self.admin_user = make_user("admin93", roles.ADMIN_CPAM, territory=self.territory)
        now = timezone.now()
        # Two patients zéro: the one identified earlier is due first.
        self.first = register_index_case(
            territory=self.territory,
            person=person("Paul", "Premier", "0612345678"),
            sampled_at=now - timedelta(days=1),
            source="form",
            now=now - timedelta(hours=3),
        ).index_case
        self.second = register_index_case(
            territory=self.territory,
            person=person("Sophie", "Second", "0698765432"),
            sampled_at=now - timedelta(days=1),
            source="form",
            now=now - timedelta(hours=1),
        ).index_case

    def open_desk(self):
        page = self.new_page()
        # A CSP violation or a script error shows in the console: the desk must have none.
        self.console_errors = []
        page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.log_in(page, "agent93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('calls:desk')}")
        return page

    def test_an_agent_works_two_calls_and_the_new_contacts_are_queued(self):
        page = self.open_desk()
        page.click("[data-testid=status-ready]")
        page.wait_for_selector("#current-status[data-status=ready]")

        # The first call: the earliest deadline. No answer, chosen with the keyboard (2).
        page.click("[data-testid=next-call]")
        card = page.wait_for_selector("[data-testid=contact-card]")
        self.assertEqual(int(card.get_attribute("data-task-id")), self.first.call_tasks.get().pk)
        page.locator("#card-name").focus()
        page.keyboard.press("2")
        self.assertTrue(page.is_checked("input[name=outcome][value=no_answer]"))
        page.click("[data-testid=record-outcome]")
        page.wait_for_selector("[data-testid=next-call]")
        first_task = self.first.call_tasks.get()
        self.assertEqual((first_task.status, first_task.attempts), (CallTask.Status.QUEUED, 1))
        # Straight on to the next call: the button takes the focus once htmx has settled the swap.
        expect(page.locator("#next-call")).to_be_focused()

        # The second call, taken with the keyboard (N): reached, with two contacts.
        page.keyboard.press("n")
        card = page.wait_for_selector("[data-testid=contact-card]")
        self.assertEqual(int(card.get_attribute("data-task-id")), self.second.call_tasks.get().pk)
        page.wait_for_selector("[data-testid=script-interview]")
        page.click("input[name=outcome][value=reached]")
        page.check("input[name=interview-symptomatic]")
        onset = timezone.localdate() - timedelta(days=2)
        page.fill("input[name=interview-symptom_onset_on]", onset.isoformat())
        self.assertNotEqual(page.text_content("[data-testid=isolation-until]").strip(), "")
        last_exposure = (timezone.localdate() - timedelta(days=1)).isoformat()
        self.fill_contact(page, 0, "Awa", "Diallo", "0611111111", "household", last_exposure)
        page.click("[data-testid=add-contact]")
        page.wait_for_selector("input[name=contacts-1-first_name]")
        self.assertEqual(page.input_value("#id_contacts-TOTAL_FORMS"), "2")
        self.fill_contact(page, 1, "Moussa", "Diallo", "0622222222", "close", last_exposure)
        page.click("[data-testid=record-outcome]")
        page.wait_for_selector("[data-testid=next-call]")

        # Recorded: the interview, two exposures and two calls due 24 hours after identification.
        self.assertTrue(
            Interview.objects.filter(index_case=self.second, symptom_onset_on=onset).exists()
        )
        exposures = Exposure.objects.filter(index_case=self.second)
        self.assertEqual(sorted(e.person.first_name for e in exposures), ["Awa", "Moussa"])
        tasks = CallTask.objects.filter(exposure__in=exposures, status=CallTask.Status.QUEUED)
        self.assertEqual(tasks.count(), 2)
        for task in tasks:
            self.assertAlmostEqual(
                task.deadline_at, timezone.now() + timedelta(hours=24), delta=timedelta(minutes=2)
            )
        self.assertEqual(self.second.call_tasks.get().status, CallTask.Status.DONE)
        self.assertEqual(self.console_errors, [])

        # The CPAM admin sees them on the patient zéro's page, with their calls queued.
        admin_page = self.new_page()
        self.log_in(admin_page, "admin93", PASSWORD)
        admin_page.goto(
            f"{self.live_server_url}{reverse('intake:index-case-detail', args=[self.second.pk])}"
        )
        # The contacts' table (the page's first); the calls made come after it.
        contacts = admin_page.locator("table").first
        rows = contacts.locator("tbody tr")
        self.assertEqual(rows.count(), 2)
        self.assertEqual(contacts.locator("tbody .badge--queued").count(), 2)
        self.assertIn("DIALLO Awa", rows.all_inner_texts()[0] + rows.all_inner_texts()[1])

    def test_the_desk_warns_when_the_lease_is_lost(self):
        page = self.open_desk()
        page.click("[data-testid=status-ready]")
        page.wait_for_selector("#current-status[data-status=ready]")
        page.click("[data-testid=next-call]")
        page.wait_for_selector("[data-testid=contact-card]")
        self.assertTrue(page.is_hidden("#lease-lost"))
        # The countdown and the status timer are live.
        page.wait_for_function(
            "document.getElementById('deadline-countdown').textContent.includes('min')"
        )
        page.wait_for_function(
            "/^\\d+:\\d\\d$/.test(document.querySelector('[data-since]').textContent)"
        )

        Assignment.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
        page.evaluate("document.getElementById('renew-form').dataset.renewSeconds = '1'")
        page.wait_for_selector("#lease-lost", state="visible")

    @staticmethod
    def fill_contact(
        page,
        index: int,
        first_name: str,
        last_name: str,
        phone: str,
        exposure_type: str,
        last_exposure: str,
    ):
        prefix = f"contacts-{index}"
        page.fill(f"input[name={prefix}-first_name]", first_name)
        page.fill(f"input[name={prefix}-last_name]", last_name)
        page.fill(f"input[name={prefix}-phone]", phone)
        page.select_option(f"select[name={prefix}-exposure_type]", exposure_type)
        page.fill(f"input[name={prefix}-last_exposure_date]", last_exposure)

    def test_an_open_desk_beats_and_a_closed_one_is_set_offline(self):
        page = self.open_desk()
        page.click("[data-testid=status-ready]")
        page.wait_for_selector("#current-status[data-status=ready]")
        agent = Agent.objects.get(user=self.agent_user)
        Agent.objects.filter(pk=agent.pk).update(last_seen_at=None)
        # desk.js beats at once on a new page, then every minute.
        page.reload()
        for _ in range(50):
            agent.refresh_from_db()
            if agent.last_seen_at is not None:
                break
            page.wait_for_timeout(100)
        self.assertEqual(agent.status, Agent.Status.READY)
        self.assertIsNotNone(agent.last_seen_at)
        last_seen = agent.last_seen_at
        page.close()  # the tab is closed without logging out
        set_absent_agents_offline(now=last_seen + timedelta(minutes=30))
        agent.refresh_from_db()
        self.assertEqual(agent.status, Agent.Status.OFFLINE)
        self.assertEqual(self.console_errors, [])
