"""The pages of issue 13 parts 8 and 9 as their users see them, at 1440×900: the lockout page, a
CDD renewal refused at the legal limit, and the supervisor's action log with names and labels.
Screenshots go to $SCREENSHOT_DIR when it is set."""

import os
from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import PauseReason, Plateau
from agents.services.staff import create_territory
from calls.models import CallTask
from cases.models import Person
from supervision.models import SupervisorAction
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase
from workforce.models.contracts import Contract
from workforce.services.contracts import renew_contract


class FinishPagesBrowserTests(BrowserTestCase):
    def setUp(self):
        self.territory = create_territory(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        self.plateau = Plateau.objects.create(territory=self.territory, name="Saint-Denis")
        self.admin = make_user("admin93", roles.ADMIN_CPAM, territory=self.territory)

    def shoot(self, page, name: str) -> None:
        folder = os.environ.get("SCREENSHOT_DIR")
        if folder:
            page.screenshot(path=os.path.join(folder, f"finish-{name}.png"), full_page=False)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_the_lockout_page(self):
        page = self.new_page(locale="fr-FR", width=1440)
        for _attempt in range(4):
            page.goto(f"{self.live_server_url}/accounts/login/")
            page.fill("input[name=username]", "admin93")
            page.fill("input[name=password]", "pas-le-bon")
            page.locator("main form [type=submit]").first.click()
            page.wait_for_load_state()
        expect(page.locator("[data-testid=locked-out]")).to_be_visible()
        expect(page.locator("[data-testid=retry]")).to_contain_text("15")
        expect(page.locator(".site-header")).to_be_visible()
        self.shoot(page, "lockout")

    def test_a_renewal_refused_at_the_legal_limit(self):
        agent = make_user(
            "awa", roles.TELECONSEILLER, territory=self.territory, plateau=self.plateau
        ).agent
        start = timezone.localdate(timezone=self.territory.zone) - timedelta(days=200)
        contract = Contract.objects.create(
            agent=agent, kind=Contract.Kind.CDD, start_on=start, end_on=start + timedelta(days=90)
        )
        for _renewal in range(2):
            contract = renew_contract(contract=contract, months=3)
        page = self.new_page(locale="fr-FR", width=1440)
        self.log_in(page, "admin93", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('workforce:agent-contracts', args=[agent.pk])}")
        page.click("[data-testid=renew-3]")
        # « Renouveler » asks first (issue 13), and names the limit there.
        expect(page.locator("[data-testid=confirm-warning]")).to_be_visible()
        self.shoot(page, "renewal-confirmation")
        self.assertFalse(Contract.objects.filter(renews=contract).exists())
        page.click("[data-testid=confirm]")
        expect(page.locator("[data-testid=renew-refused]")).to_be_visible()
        expect(page.locator("[data-testid=error-summary]")).to_be_in_viewport()
        self.assertFalse(Contract.objects.filter(renews=contract).exists())
        page.locator("[data-testid=renew-refused]").scroll_into_view_if_needed()
        self.shoot(page, "renewal-refused")
        page.fill("textarea[name=override_reason]", "Accord de branche du 3 mars")
        page.click("[data-testid=renew-3]")
        expect(page.locator("textarea[name=override_reason]")).to_have_value(
            "Accord de branche du 3 mars"
        )
        page.click("[data-testid=confirm]")
        expect(page.locator("[data-testid=limit-override-reason]")).to_contain_text(
            "Accord de branche du 3 mars"
        )
        self.shoot(page, "renewal-overridden")

    def test_a_bulk_renewal_flags_the_contracts_beyond_the_limits(self):
        start = timezone.localdate(timezone=self.territory.zone) - timedelta(days=200)
        chains = {}
        for name, renewals in (("awa", 2), ("karim", 0)):
            agent = make_user(
                name, roles.TELECONSEILLER, territory=self.territory, plateau=self.plateau
            ).agent
            contract = Contract.objects.create(
                agent=agent,
                kind=Contract.Kind.CDD,
                start_on=start,
                end_on=start + timedelta(days=250),
            )
            for _renewal in range(renewals):
                contract = renew_contract(contract=contract, months=3)
            chains[name] = contract
        page = self.new_page(locale="fr-FR", width=1440)
        self.log_in(page, "admin93", PASSWORD)
        ending_by = max(c.end_on for c in chains.values()).isoformat()
        page.goto(
            f"{self.live_server_url}{reverse('workforce:contract-bulk-renewal')}"
            f"?ending_by={ending_by}&months=3"
        )
        awa = page.locator(f"[data-contract-id='{chains['awa'].pk}']")
        expect(awa.locator("[data-testid=limit-breach]")).to_be_visible()
        expect(awa.locator("input[name=contract]")).not_to_be_checked()
        expect(page.locator("[data-testid=bulk-override]")).to_be_visible()
        page.locator("[data-testid=bulk-rows]").scroll_into_view_if_needed()
        self.shoot(page, "bulk-renewal")

    def test_the_action_log_reads_names_and_labels(self):
        supervisor = make_user("sophie", roles.SUPERVISEUR, territory=self.territory)
        agent = make_user(
            "awa", roles.TELECONSEILLER, territory=self.territory, plateau=self.plateau
        ).agent
        owner = make_user(
            "karim", roles.TELECONSEILLER, territory=self.territory, plateau=self.plateau
        ).agent
        person = Person.objects.create(
            territory=self.territory, first_name="Jeanne", last_name="Martin", language_id="fr"
        )
        task = CallTask.objects.create(
            person=person,
            territory=self.territory,
            reason=CallTask.Reason.FOLLOW_UP,
            deadline_at=timezone.now() + timedelta(hours=20),
            language_id="fr",
        )
        at = timezone.now()
        SupervisorAction.objects.create(
            actor=supervisor,
            territory=self.territory,
            kind=SupervisorAction.Kind.PAUSE_AGENT,
            agent=agent,
            pause_reason=PauseReason.objects.get(code="debrief"),
            at=at,
        )
        SupervisorAction.objects.create(
            actor=supervisor,
            territory=self.territory,
            kind=SupervisorAction.Kind.REASSIGN_CALLBACK,
            agent=agent,
            previous_agent=owner,
            task=task,
            at=at + timedelta(seconds=1),
        )
        page = self.new_page(locale="fr-FR", width=1440)
        self.log_in(page, "sophie", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('supervision:action-log')}")
        log = page.locator("[data-testid=action-log]")
        expect(log.locator("[data-testid=pause-reason]")).to_be_visible()
        expect(log).to_contain_text("MARTIN Jeanne")
        expect(log.locator("[data-testid=previous-owner]")).to_contain_text(str(owner))
        log.scroll_into_view_if_needed()
        self.shoot(page, "action-log")

    def test_on_a_phone_the_action_log_scrolls_its_tables_not_the_page(self):
        # The callbacks table's hidden labels, positioned outside its scrolling frame, once
        # widened the page to 587 px at 390.
        owner = make_user(
            "karim", roles.TELECONSEILLER, territory=self.territory, plateau=self.plateau
        ).agent
        make_user("sophie", roles.SUPERVISEUR, territory=self.territory)
        person = Person.objects.create(
            territory=self.territory, first_name="Jeanne", last_name="Martin", language_id="fr"
        )
        CallTask.objects.create(
            person=person,
            territory=self.territory,
            reason=CallTask.Reason.FOLLOW_UP,
            deadline_at=timezone.now() + timedelta(hours=20),
            language_id="fr",
            reserved_for=owner,
            not_before=timezone.now() + timedelta(hours=2),
        )
        page = self.new_page(locale="fr-FR", width=390)
        self.log_in(page, "sophie", PASSWORD)
        page.goto(f"{self.live_server_url}{reverse('supervision:action-log')}")
        expect(page.locator("[data-testid=owned-callbacks]")).to_contain_text(str(owner))
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), 390)
