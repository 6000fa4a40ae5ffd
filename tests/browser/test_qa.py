"""Quality review in the browser: a supervisor finds the list in the Reports menu, scores a
sampled call; the agent finds her score from « Ma semaine »."""

import os
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from agents import roles
from agents.models import Plateau, Team, Territory
from calls.models import CallAttempt, CallTask
from cases.models import Person
from integrity import qa
from integrity.models import Review
from tests.base import PASSWORD, make_user
from tests.browser.base import BrowserTestCase

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")


class QaBrowserTests(BrowserTestCase):
    def setUp(self):
        territory = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        plateau = Plateau.objects.create(territory=territory, name="Saint-Denis")
        team = Team.objects.create(plateau=plateau, name="Équipe A")
        agent = make_user(
            "agent93", roles.TELECONSEILLER, territory=territory, plateau=plateau, team=team
        ).agent
        make_user("super93", roles.SUPERVISEUR, territory=territory, plateau=plateau)
        now = timezone.now()
        last_week = now - timedelta(days=7)
        for n in range(4):
            person = Person.objects.create(
                territory=territory, first_name="Ana", last_name=f"Person{n}", language_id="fr"
            )
            task = CallTask.objects.create(
                person=person,
                reason=CallTask.Reason.FOLLOW_UP,
                territory=territory,
                language_id="fr",
                deadline_at=now + timedelta(days=1),
            )
            start = last_week + timedelta(minutes=15 * n)
            CallAttempt.objects.create(
                task=task,
                agent=agent,
                started_at=start,
                connected_at=start + timedelta(seconds=10),
                ended_at=start + timedelta(seconds=250),
                outcome=CallAttempt.Outcome.REACHED,
                notes="Isolement expliqué, deux contacts donnés.",
            )
        qa.draw_weekly_samples(now=now)

    def screenshot(self, page, name: str) -> None:
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)

    def test_a_supervisor_scores_a_call_and_the_agent_reads_her_score(self):
        self.assertEqual(Review.objects.count(), 3)
        for width in (1440, 390):
            page = self.new_page(width=width)
            self.log_in(page, "super93", PASSWORD)
            if width == 1440:
                page.get_by_test_id("nav-menu-reports").locator("summary").click()
                page.get_by_test_id("nav-qa").click()
            else:
                page.goto(f"{self.live_server_url}/integrity/qa/")
            expect(page.get_by_test_id("qa-row")).to_have_count(3)
            self.screenshot(page, f"qa-list-{width}")
        page.get_by_test_id("qa-row").first.get_by_role("link").click()
        expect(page.get_by_test_id("qa-call")).to_contain_text("240")
        form = page.get_by_test_id("qa-score-form")
        for group in form.locator(".field").all()[:5]:
            group.locator("input[type=radio]").nth(3).check()
        form.locator("textarea").fill("Bon appel, reformuler l'isolement.")
        self.screenshot(page, "qa-score-390")
        form.get_by_role("button").click()
        page.wait_for_load_state()
        expect(page.locator("[data-state=scored]")).to_have_count(1)
        page.goto(f"{self.live_server_url}/integrity/qa/scores/")
        expect(page.get_by_test_id("qa-per-agent")).to_contain_text("75")
        self.screenshot(page, "qa-report-390")

        for width in (1440, 390):
            page = self.new_page(width=width)
            self.log_in(page, "agent93", PASSWORD)
            page.goto(f"{self.live_server_url}/workforce/my-week/")
            page.get_by_test_id("my-qa-scores").click()
            expect(page.get_by_test_id("my-review")).to_have_count(1)
            expect(page.get_by_test_id("my-total")).to_contain_text("75")
            self.screenshot(page, f"qa-mine-{width}")
