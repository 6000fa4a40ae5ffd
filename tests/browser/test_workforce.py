from datetime import time, timedelta

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
from workforce.services.recruitment import (
    CandidateData,
    add_candidate,
    create_training_session,
    schedule_assessment,
)
from workforce.services.rota import save_shift_pattern

NEW_PASSWORD = "Bienvenue-Saint-Denis-2026"
OWN_PASSWORD = "Awa-choisit-le-sien-2026"


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
        # The admin chose that password: the first login asks for one of her own.
        agent_page.fill("input[name=old_password]", NEW_PASSWORD)
        agent_page.fill("input[name=new_password1]", OWN_PASSWORD)
        agent_page.fill("input[name=new_password2]", OWN_PASSWORD)
        agent_page.locator("main form [type=submit]").click()
        agent_page.wait_for_load_state()
        agent_page.click("[data-testid=nav-my-week]")
        week = agent_page.locator("[data-testid=my-week]")
        expect(week.locator("[data-testid=shift]")).to_have_count(1)
        expect(week.locator("[data-testid=shift]")).to_contain_text("08:30")
        expect(week.locator("[data-testid=shift]")).to_contain_text("Saint-Denis")
        expect(agent_page.locator("h1")).to_have_text("Ma semaine")
        self.assertEqual(errors, [])
        self.assertEqual(Candidate.objects.get(pk=self.candidate.pk).stage, Candidate.Stage.HIRED)
