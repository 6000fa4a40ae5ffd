"""The surge simulator and staffing planner page (issue 15, part 5): CPAM admins only, of their
own territory; the inputs prefilled from the territory's forecasts and rota; the verdict against
the target; the proposal written as draft shifts (only the agents missing), which the projection
then counts and the rota does not schedule until confirmed; bad input changes nothing."""

from datetime import date, datetime, time, timedelta

from django.urls import reverse

from agents import roles
from agents.models import Language
from tests.base import PersonasTestCase, make_user
from workforce.models.rota import Shift
from workforce.models.staffing import VolumeForecast
from workforce.services.simulation_inputs import scenario_for

PAGE = reverse("workforce:simulator")
APPLY = reverse("workforce:simulator-apply")
DRAFTS = reverse("workforce:simulator-drafts")
DAY = date(2026, 3, 3)
SURGE = {"day": DAY.isoformat(), "index_cases": "20", "contacts": "160", "target": "99"}


class SimulatorPageTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        french = Language.objects.get(code="fr")
        VolumeForecast.objects.create(
            territory=cls.t93, language=french, day=DAY, index_cases=4, contacts=30
        )
        # Twelve French-speaking agents; two on the rota that day.
        cls.staff = [
            make_user(f"tc{n}", roles.TELECONSEILLER, territory=cls.t93, languages=("fr",),
                      plateau=cls.saint_denis)
            for n in range(12)
        ]  # fmt: skip
        midnight = datetime.combine(DAY, time.min, tzinfo=cls.t93.zone)
        for user in cls.staff[:2]:
            Shift.objects.create(
                agent=user.agent,
                plateau=cls.saint_denis,
                day=DAY,
                starts_at=midnight + timedelta(hours=9),
                ends_at=midnight + timedelta(hours=17),
            )

    def test_only_cpam_admins_of_the_territory(self):
        for user, status in ((self.alice, 403), (self.bob, 403), (self.carol, 200)):
            self.client.force_login(user)
            self.assertEqual(self.client.get(PAGE).status_code, status, user.username)
            self.assertEqual(
                self.client.post(APPLY, SURGE).status_code, status if status == 403 else 302
            )
        self.assertFalse(Shift.objects.drafts().exclude(agent__territory=self.t93).exists())

    def test_the_inputs_come_from_the_forecast_and_the_rota(self):
        scenario = scenario_for(territory=self.t93, day=DAY)
        self.assertEqual((scenario.index_cases_per_day, scenario.contacts_per_day), (4, 30))
        self.assertEqual([(s.start, s.end, s.languages, s.count) for s in scenario.shifts],
                         [(9.0, 17.0, ("fr",), 2)])  # fmt: skip
        self.client.force_login(self.carol)
        page = self.client.get(PAGE, {"day": DAY.isoformat()})
        self.assertContains(page, 'value="30"')  # the contacts, prefilled

    def test_a_surge_misses_the_promise_and_the_proposal_meets_it_as_drafts(self):
        self.client.force_login(self.carol)
        page = self.client.get(PAGE, SURGE)
        self.assertEqual(page.status_code, 200)
        current, plan = page.context["current"], page.context["plan"]
        self.assertLess(current.share_of_reachable, 0.99)
        self.assertGreaterEqual(plan.share_within_24h, 0.99)
        self.assertGreater(plan.agents, 2)
        self.assertContains(page, 'data-testid="apply-plan"')
        response = self.client.post(APPLY, SURGE)
        self.assertEqual(response.status_code, 302)
        drafts = Shift.objects.drafts().filter(day=DAY)
        # Only the agents missing from the rota, never a second shift for a scheduled agent.
        self.assertEqual(drafts.count(), plan.agents - 2)
        self.assertFalse(drafts.filter(agent__in=[u.agent for u in self.staff[:2]]).exists())
        self.assertEqual(Shift.objects.scheduled().filter(day=DAY).count(), 2)
        page = self.client.get(PAGE, SURGE)
        self.assertGreaterEqual(page.context["current"].share_of_reachable, 0.99)
        self.assertContains(page, 'data-testid="nothing-to-add"')

    def test_bad_input_is_refused_and_writes_nothing(self):
        self.client.force_login(self.carol)
        page = self.client.get(PAGE, {**SURGE, "contacts": "-5"})
        self.assertEqual(page.status_code, 200)
        self.assertIn("contacts", page.context["form"].errors)
        self.assertNotIn("current", page.context)
        self.client.post(APPLY, {**SURGE, "target": "250"})
        self.assertFalse(Shift.objects.drafts().exists())

    def test_another_territorys_admin_plans_their_own(self):
        self.client.force_login(self.dave)
        page = self.client.get(PAGE, SURGE)
        self.assertEqual(page.context["territory"], self.t75)
        self.client.post(APPLY, SURGE)
        self.assertFalse(Shift.objects.drafts().filter(agent__territory=self.t93).exists())

    def test_an_admin_confirms_or_discards_the_days_drafts(self):
        self.client.force_login(self.carol)
        self.client.post(APPLY, SURGE)
        drafts = Shift.objects.drafts().filter(day=DAY)
        n = drafts.count()
        self.assertGreater(n, 0)
        page = self.client.get(PAGE, SURGE)
        self.assertContains(page, 'data-testid="draft-shift"', count=n)
        self.assertContains(page, "09:00")  # the shift in Paris time
        # Discarded: gone, nothing scheduled beyond the rota's two.
        self.client.post(DRAFTS, {**SURGE, "decision": "discard"})
        self.assertFalse(drafts.exists())
        self.assertEqual(Shift.objects.filter(day=DAY).count(), 2)
        # Drafted again; a supervisor cannot confirm, another territory's admin touches nothing.
        self.client.post(APPLY, SURGE)
        self.assertEqual(drafts.count(), n)
        self.client.force_login(self.bob)
        response = self.client.post(DRAFTS, {**SURGE, "decision": "confirm"})
        self.assertEqual(response.status_code, 403)
        self.client.force_login(self.dave)
        self.client.post(DRAFTS, {**SURGE, "decision": "confirm"})
        self.assertEqual(drafts.count(), n)
        # Confirmed by the territory's admin: on the rota.
        self.client.force_login(self.carol)
        self.client.post(DRAFTS, {**SURGE, "decision": "confirm"})
        self.assertEqual(drafts.count(), 0)
        self.assertEqual(Shift.objects.scheduled().filter(day=DAY).count(), 2 + n)
