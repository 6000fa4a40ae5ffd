import re
from datetime import datetime, time, timedelta

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Language, Plateau
from agents.services.staff import create_territory
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase
from workforce.models.contracts import Contract
from workforce.models.recruitment import Candidate
from workforce.models.rota import Shift
from workforce.selectors.rota import week_start_of
from workforce.services.recruitment import (
    CandidateData,
    add_candidate,
    create_training_session,
    schedule_assessment,
)
from workforce.services.rota import save_shift_pattern

NEW_PASSWORD = "Bienvenue-Saint-Denis-2026"


class HiringBrowserTests(BrowserTestCase):
    """From the phone assessment to a first week on the rota, all in the browser, in French."""

    def setUp(self):
        self.territory = create_territory(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        self.plateau = Plateau.objects.create(territory=self.territory, name="Saint-Denis")
        self.admin = make_user("admin93", roles.ADMIN_CPAM, territory=self.territory)
        now = timezone.now()
        self.today = timezone.localdate(timezone=self.territory.zone)
        self.candidate = add_candidate(
            territory=self.territory,
            data=CandidateData(
                first_name="Awa",
                last_name="Diallo",
                phone="+33612345678",
                languages=list(Language.objects.filter(code__in=["fr", "snk"])),
            ),
            by=self.admin,
            now=now - timedelta(days=3),
        )
        schedule_assessment(
            candidate=self.candidate,
            at=now - timedelta(hours=1),
            by=self.admin,
            now=now - timedelta(days=2),
        )
        self.session = create_training_session(
            territory=self.territory,
            name="Cohorte de novembre",
            starts_on=self.today,
            capacity=10,
            plateau=self.plateau,
        )
        self.pattern = save_shift_pattern(
            territory=self.territory, name="Journée", starts_at=time(8, 30), ends_at=time(17, 30)
        )

    def test_an_admin_hires_a_candidate_who_then_sees_their_week(self):
        page = self.new_page(locale="fr-FR")
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        self.log_in(page, "admin93", PASSWORD)

        # From the workforce hub to the candidate, through the pipeline board.
        page.click("[data-testid=nav-workforce]")
        page.click("[data-testid=tile-recruitment]")
        page.click("[data-testid=stage-assessment_scheduled]")
        page.click("text=Awa")
        stage = page.locator("[data-testid=stage]")
        expect(stage).to_have_attribute("data-stage", "assessment_scheduled")

        page.fill("#action-assess input[name=score]", "78")
        page.check("#action-assess input[name=passed][value='1']")
        page.click("[data-testid=record-assessment]")
        expect(stage).to_have_attribute("data-stage", "assessed")
        expect(page.locator("[data-testid=assessment]")).to_contain_text("78/100")

        page.select_option("#action-enrol select[name=training_session]", str(self.session.pk))
        page.click("[data-testid=enrol]")
        expect(stage).to_have_attribute("data-stage", "in_training")

        page.click("[data-testid=complete-training]")
        expect(stage).to_have_attribute("data-stage", "trained")

        page.fill("#action-hire input[name=username]", "awa.diallo")
        page.fill("#action-hire input[name=password]", NEW_PASSWORD)
        page.select_option("#action-hire select[name=plateau]", str(self.plateau.pk))
        page.select_option("#action-hire select[name=contract_kind]", "cdd")
        page.select_option("#action-hire select[name=months]", "3")
        page.fill("#action-hire input[name=start_on]", self.today.isoformat())
        page.click("[data-testid=hire]")
        expect(stage).to_have_attribute("data-stage", "hired")
        expect(page.locator("[data-testid=agent-username]")).to_contain_text("awa.diallo")

        user = User.objects.get(username="awa.diallo")
        agent = user.agent
        self.assertEqual(set(agent.languages.values_list("code", flat=True)), {"fr", "snk"})
        self.assertEqual(agent.plateau, self.plateau)
        contract = Contract.objects.get(agent=agent)
        self.assertEqual((contract.kind, contract.start_on), (Contract.Kind.CDD, self.today))
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.agent, agent)

        # The admin puts the new agent on today's rota.
        page.goto(
            f"{self.live_server_url}{reverse('workforce:plateau-rota', args=[self.plateau.pk])}"
        )
        form = page.locator("[data-testid=assign-form]")
        form.locator("select[name=agent]").select_option(str(agent.pk))
        form.locator("input[name=day]").fill(self.today.isoformat())
        form.locator("select[name=pattern]").select_option(str(self.pattern.pk))
        form.locator("button[type=submit]").click()
        expect(page.locator("[data-testid=rota-shift]")).to_have_count(1)
        self.assertEqual(Shift.objects.get(agent=agent).day, self.today)

        # The new agent logs in, in a browser of their own, and finds the shift in their week.
        agent_page = self.new_page(locale="fr-FR")
        agent_page.on("pageerror", lambda error: errors.append(str(error)))
        self.log_in(agent_page, "awa.diallo", NEW_PASSWORD)
        # The admin chose the password: the agent chooses their own before anything else.
        expect(agent_page).to_have_url(re.compile(r"/accounts/password_change/"))
        agent_page.fill("input[name=old_password]", NEW_PASSWORD)
        agent_page.fill("input[name=new_password1]", "Awa-Own-Secret-2026")
        agent_page.fill("input[name=new_password2]", "Awa-Own-Secret-2026")
        agent_page.press("input[name=new_password2]", "Enter")
        agent_page.wait_for_selector("[data-testid=nav-my-week]")
        agent_page.click("[data-testid=nav-my-week]")
        week = agent_page.locator("[data-testid=my-week]")
        expect(week.locator("[data-testid=shift]")).to_have_count(1)
        expect(week.locator("[data-testid=shift]")).to_contain_text("08:30")
        expect(week.locator("[data-testid=shift]")).to_contain_text("Saint-Denis")
        expect(agent_page.locator("h1")).to_have_text("Ma semaine")
        self.assertEqual(errors, [])
        self.assertEqual(Candidate.objects.get(pk=self.candidate.pk).stage, Candidate.Stage.HIRED)


class RotaWeekBrowserTests(BrowserTestCase):
    """The rota as an admin sees it (issue 13): the whole week at 1440 px, a refused pattern's
    reasons where the page lands, a shift removed only after its confirmation."""

    def setUp(self):
        self.territory = create_territory(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        self.plateau = Plateau.objects.create(territory=self.territory, name="Saint-Denis")
        make_user("admin93", roles.ADMIN_CPAM, territory=self.territory)
        self.pattern = save_shift_pattern(
            territory=self.territory, name="Journée", starts_at=time(9), ends_at=time(17, 30)
        )
        zone = self.territory.zone
        self.monday = week_start_of(timezone.localdate(timezone=zone))
        # Enough agents for the forms to sit far below the first screen, each on shift every day.
        self.agents = []
        for n in range(16):
            user = make_user(
                f"agent{n:02d}",
                roles.TELECONSEILLER,
                territory=self.territory,
                plateau=self.plateau,
                languages=("fr", "tr" if n % 2 else "ar"),
            )
            user.last_name = f"Agent-Longuenom-{n:02d}"
            user.save(update_fields=["last_name"])
            Contract.objects.create(
                agent=user.agent, kind=Contract.Kind.CDI, start_on=self.monday - timedelta(days=90)
            )
            for offset in range(6):
                day = self.monday + timedelta(days=offset)
                Shift.objects.create(
                    agent=user.agent,
                    plateau=self.plateau,
                    day=day,
                    starts_at=datetime.combine(day, time(8, 30), tzinfo=zone),
                    ends_at=datetime.combine(day, time(13), tzinfo=zone),
                    pattern=None,
                )
            self.agents.append(user.agent)
        self.url = (
            f"{self.live_server_url}"
            f"{reverse('workforce:plateau-rota', args=[self.plateau.pk])}"
            f"?week={self.monday.isoformat()}"
        )

    def test_the_week_shows_monday_to_sunday_at_1440_px_without_scrolling(self):
        page = self.new_page(locale="fr-FR", width=1440)
        self.log_in(page, "admin93", PASSWORD)
        page.goto(self.url)
        grid = page.locator("[data-testid=rota] table")
        headers = grid.locator("thead th")
        expect(headers).to_have_count(9)  # the agent, seven days, the hours
        for index, name in enumerate(["lun", "mar", "mer", "jeu", "ven", "sam", "dim"], start=1):
            header = headers.nth(index)
            expect(header).to_contain_text(name)
            box = header.bounding_box()
            self.assertIsNotNone(box)
            self.assertGreaterEqual(box["x"], 0, name)
            self.assertLessEqual(box["x"] + box["width"], 1440, name)
        hours = headers.nth(8).bounding_box()
        self.assertLessEqual(hours["x"] + hours["width"], 1440)
        wrap = page.locator("[data-testid=rota] .table-wrap")
        self.assertLessEqual(
            wrap.evaluate("element => element.scrollWidth - element.clientWidth"), 0
        )
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), 1440)
        # The coverage under it: every day, the whole plateau then each language.
        coverage = page.locator("[data-testid=coverage]")
        expect(coverage.locator("[data-testid=coverage-row]")).to_have_count(4)
        monday = coverage.locator("[data-language=all] [data-testid=coverage-cell]").first
        expect(monday).to_have_attribute("data-agents", "16")

    def test_at_390_px_the_grid_scrolls_inside_its_frame_and_the_page_does_not(self):
        page = self.new_page(locale="fr-FR", width=390)
        self.log_in(page, "admin93", PASSWORD)
        page.goto(self.url)
        wrap = page.locator("[data-testid=rota] .table-wrap")
        self.assertGreater(wrap.evaluate("element => element.scrollWidth - element.clientWidth"), 0)
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), 390)
        # Scrolled to its end, Sunday is there: scrolled, not cut.
        wrap.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
        sunday = page.locator("[data-testid=rota] thead th").nth(7)
        expect(sunday).to_be_in_viewport()

    def test_a_refused_pattern_shows_its_reasons_where_the_page_lands(self):
        page = self.new_page(locale="fr-FR", width=1440)
        self.log_in(page, "admin93", PASSWORD)
        page.goto(self.url)
        form = page.locator("[data-testid=apply-pattern-form]")
        # Far below the first screen, under sixteen rows and the coverage.
        self.assertGreater(form.bounding_box()["y"], 900)
        form.locator("select[name=agent]").select_option(str(self.agents[3].pk))
        form.locator("select[name=pattern]").select_option(str(self.pattern.pk))
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        refused = page.locator("[data-testid=refused-form] [data-testid=form-refused]")
        expect(refused).to_be_visible()
        expect(refused).to_be_in_viewport()
        expect(refused).to_contain_text(self.monday.strftime("%d/%m/%Y"))
        self.assertEqual(Shift.objects.filter(pattern=self.pattern).count(), 0)

    def test_removing_a_shift_asks_first_and_says_whose_and_when(self):
        page = self.new_page(locale="fr-FR", width=1440)
        self.log_in(page, "admin93", PASSWORD)
        page.goto(self.url)
        shift = Shift.objects.filter(agent=self.agents[0]).order_by("day").first()
        row = page.locator("[data-testid=rota-row]").first
        row.locator("[data-testid=remove-shift]").first.click()
        confirmation = page.locator("[data-testid=confirmation]")
        expect(confirmation).to_contain_text("Agent-Longuenom-00")
        expect(confirmation).to_contain_text("08:30–13:00")
        self.assertTrue(Shift.objects.filter(pk=shift.pk).exists())
        page.click("[data-testid=confirm-back]")
        expect(page.locator("[data-testid=rota]")).to_be_visible()
        self.assertTrue(Shift.objects.filter(pk=shift.pk).exists())
        row.locator("[data-testid=remove-shift]").first.click()
        page.click("[data-testid=confirm]")
        expect(page.locator("[data-testid=rota]")).to_be_visible()
        self.assertFalse(Shift.objects.filter(pk=shift.pk).exists())
