"""The staffing planner (workforce.services.planner): the smallest rota the simulator says keeps
the promise, against a brute force; the formula's and the rota's figures; drafts on the rota."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from agents import roles
from calls.simulation import Scenario, ShiftSpec, TerritorySpec, simulate
from tests.base import PersonasTestCase, make_user
from workforce.models.rota import Shift
from workforce.selectors.staffing import compute_need
from workforce.services.planner import (
    StaffingPlan,
    apply_plan_as_drafts,
    confirm_draft_shifts,
    formula_agents,
    plan_staffing,
    rota_agents,
)

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 3, 2, tzinfo=PARIS)
TARGET = 0.95


def day(shifts, **changes) -> Scenario:
    return Scenario(
        start=START,
        territories=(TerritorySpec("93"),),
        languages={"fr": 0.75, "ar": 0.25},
        index_cases_per_day=20,
        contacts_per_day=100,
        shifts=tuple(shifts),
        seed=3,
    ).but(**changes)


def meets(scenario: Scenario) -> bool:
    result = simulate(scenario)
    return all(f.share_of_reachable >= TARGET for f in result.by_language.values() if f.people)


class PlannerSearchTests(SimpleTestCase):
    def test_it_finds_the_brute_force_minimum_of_one_shift(self):
        scenario = day([ShiftSpec(9, 17, ("fr", "ar"), 1)], languages={"fr": 1.0})
        brute = next(
            n
            for n in range(0, 30)
            if meets(scenario.but(shifts=(ShiftSpec(9, 17, ("fr", "ar"), n),)))
        )
        self.assertGreater(brute, 1)  # the search has work to do
        plan = plan_staffing(scenario, TARGET)
        self.assertEqual(plan.agents, brute)
        self.assertTrue(plan.reaches_target)
        self.assertGreaterEqual(plan.share_within_24h, TARGET)
        self.assertLess(plan.start_share, TARGET)

    def test_it_finds_each_languages_minimum(self):
        def rota(fr: int, ar: int):
            return (ShiftSpec(9, 17, ("fr",), fr), ShiftSpec(9, 17, ("ar",), ar))

        scenario = day(rota(1, 1))
        # The two languages' agents are apart: each minimum holds whatever the other's count.
        fr_min = next(n for n in range(1, 30) if meets(scenario.but(shifts=rota(n, 20))))
        ar_min = next(n for n in range(0, 30) if meets(scenario.but(shifts=rota(20, n))))
        plan = plan_staffing(scenario, TARGET)
        self.assertEqual(plan.agents_by_language, {"fr": fr_min, "ar": ar_min})
        self.assertEqual([s.count for s in plan.shifts], [fr_min, ar_min])

    def test_it_trims_an_overstaffed_rota(self):
        scenario = day([ShiftSpec(9, 17, ("fr", "ar"), 40)])
        plan = plan_staffing(scenario, TARGET)
        self.assertLess(plan.agents, 40)
        self.assertEqual(plan.start_agents, 40)
        self.assertFalse(
            meets(scenario.but(shifts=(ShiftSpec(9, 17, ("fr", "ar"), plan.agents - 1),)))
        )

    def test_it_says_when_no_staff_reaches_the_target(self):
        # Nobody speaks Arabic in the rota: adding French speakers cannot help.
        scenario = day([ShiftSpec(9, 17, ("fr",), 2)])
        plan = plan_staffing(scenario, TARGET, max_simulations=12)
        self.assertFalse(plan.reaches_target)
        self.assertLess(plan.share_by_language["ar"], TARGET)


class PlannerFiguresTests(PersonasTestCase):
    def test_it_shows_the_formula_and_the_rota(self):
        scenario = day([ShiftSpec(9, 17, ("fr", "ar"), 3)])
        need = compute_need(
            index_cases=Decimal(20),
            contacts=Decimal(100),
            index_handle_minutes=Decimal(30),
            contact_handle_minutes=Decimal(15),
            attempts_per_contact=Decimal("1.8"),
            unanswered_attempt_minutes=Decimal("1.5"),
            paid_hours_per_day=Decimal(7),
            occupancy=Decimal("0.85"),
            shrinkage=Decimal("0.30"),
        )
        self.assertEqual(formula_agents(scenario=scenario, territory=self.t93), need.agents_needed)
        on = START.date()
        Shift.objects.create(
            agent=self.alice.agent,
            plateau=self.saint_denis,
            day=on,
            starts_at=START + timedelta(hours=9),
            ends_at=START + timedelta(hours=17),
        )
        self.assertEqual(rota_agents(territory=self.t93, day=on), 1)
        plan = plan_staffing(scenario, TARGET, territory=self.t93, day=on, max_simulations=8)
        self.assertEqual(plan.rota_agents, 1)
        self.assertEqual(plan.formula_agents, need.agents_needed)


class DraftShiftTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.farid = make_user(
            "farid",
            roles.TELECONSEILLER,
            territory=cls.t93,
            languages=("ar", "fr"),
            plateau=cls.saint_denis,
        )

    def plan(self, *shifts) -> StaffingPlan:
        return StaffingPlan(
            target=0.99,
            shifts=tuple(shifts),
            agents=sum(s.count for s in shifts),
            share_within_24h=0.99,
            share_by_language={},
            reaches_target=True,
            start_agents=0,
            start_share=0.5,
            simulations=1,
        )

    def test_it_writes_drafts_that_the_rota_does_not_count_yet(self):
        on = date(2026, 3, 2)
        drafts = apply_plan_as_drafts(
            self.plan(ShiftSpec(9, 17, ("fr",), 3), ShiftSpec(12.5, 20, ("ar",), 2)),
            self.t93,
            self.carol,
            day=on,
        )
        made = sorted(
            (s.agent.user.username, s.starts_at.astimezone(PARIS).time()) for s in drafts.created
        )
        # The téléconseillers speaking French are alice and farid (bob supervises, carol is an
        # admin): one French agent short; farid is taken, so nobody is left for Arabic.
        self.assertEqual(made, [("alice", time(9)), ("farid", time(9))])
        self.assertEqual(drafts.unfilled, {"fr": 1, "ar": 2})
        for shift in Shift.objects.filter(day=on):
            self.assertTrue(shift.draft)
            self.assertEqual(shift.created_by, self.carol)
        self.assertEqual(Shift.objects.drafts().filter(day=on).count(), len(drafts.created))
        self.assertFalse(Shift.objects.scheduled().filter(day=on).exists())
        self.assertEqual(rota_agents(territory=self.t93, day=on), 0)
        confirmed = confirm_draft_shifts(
            territory=self.t93, shift_ids=[s.pk for s in drafts.created[:1]]
        )
        self.assertEqual(confirmed, 1)
        self.assertEqual(rota_agents(territory=self.t93, day=on), 1)
        self.assertEqual(
            confirm_draft_shifts(territory=self.t75, shift_ids=[drafts.created[1].pk]), 0
        )

    def test_it_leaves_alone_agents_already_on_the_rota(self):
        on = date(2026, 3, 2)
        Shift.objects.create(
            agent=self.farid.agent,
            plateau=self.saint_denis,
            day=on,
            starts_at=START + timedelta(hours=8),
            ends_at=START + timedelta(hours=12),
        )
        drafts = apply_plan_as_drafts(
            self.plan(ShiftSpec(12.5, 20, ("ar",), 1)), self.t93, self.carol, day=on
        )
        self.assertEqual(drafts.created, [])
        self.assertEqual(drafts.unfilled, {"ar": 1})

    def test_it_writes_nothing_for_other_territories(self):
        drafts = apply_plan_as_drafts(
            self.plan(ShiftSpec(9, 17, ("fr",), 2, territory="75")),
            self.t93,
            self.carol,
            day=date(2026, 3, 2),
        )
        self.assertEqual(drafts.created, [])
