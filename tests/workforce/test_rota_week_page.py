"""The rota as admins expect it (issue 13): a refused form shown first, where the page lands; the
coverage per day and language under the grid, against the staffing need; removing a shift and
deleting a pattern only after a page that says what will happen."""

from datetime import time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agents.models import OpeningHours
from tests.base import make_user
from tests.workforce.test_rota_pages import RotaPagesTestCase, make_shift
from tests.workforce.test_rota_services import MONDAY
from workforce.models.rota import Shift, ShiftPattern
from workforce.models.staffing import VolumeForecast
from workforce.selectors.rota import plateau_week, week_coverage, week_needs


class RefusedFormTests(RotaPagesTestCase):
    def test_a_refused_pattern_is_shown_above_the_grid_with_its_reasons(self):
        self.client.force_login(self.carol)
        data = {
            "agent": self.alice.agent.pk,
            "pattern": self.pattern.pk,
            "days": ["0", "1"],
            "week": MONDAY.isoformat(),
        }
        response = self.client.post(self.apply_url, data)
        self.assertEqual(response.status_code, 400)
        page = response.content.decode()
        refused, grid = page.index('data-testid="refused-form"'), page.index('data-testid="rota"')
        # The form and its reasons come before the grid, not under it; it is there once.
        self.assertLess(refused, grid)
        self.assertLess(refused, page.index("Nothing was added. These days refuse the pattern:"))
        self.assertLess(page.index("05/10/2026"), grid)
        self.assertEqual(page.count('data-testid="apply-pattern-form"'), 1)
        self.assertEqual(page.count('data-testid="assign-form"'), 1)
        self.assertGreater(page.index('data-testid="assign-form"'), grid)
        self.assertEqual(Shift.objects.count(), 1)

    def test_a_refused_shift_is_shown_above_the_grid(self):
        self.client.force_login(self.carol)
        data = {
            "agent": self.alice.agent.pk,
            "day": MONDAY.isoformat(),
            "starts_at": "10:00",
            "ends_at": "11:00",
        }
        response = self.client.post(self.assign_url, data)
        page = response.content.decode()
        self.assertEqual(response.status_code, 400)
        self.assertLess(page.index('data-testid="assign-form"'), page.index('data-testid="rota"'))
        self.assertLess(page.index("already works"), page.index('data-testid="rota"'))
        self.assertGreater(
            page.index('data-testid="apply-pattern-form"'), page.index('data-testid="rota"')
        )

    def test_a_page_that_was_not_refused_keeps_the_forms_under_the_grid(self):
        self.client.force_login(self.carol)
        page = self.client.get(self.rota_url, {"week": MONDAY.isoformat()}).content.decode()
        self.assertNotIn('data-testid="refused-form"', page)
        self.assertGreater(
            page.index('data-testid="assign-form"'), page.index('data-testid="rota"')
        )

    def test_a_refused_shift_pattern_is_shown_above_the_list(self):
        self.client.force_login(self.carol)
        url = reverse("workforce:shift-patterns")
        response = self.client.post(
            url, {"name": "Matin", "starts_at": "08:30", "ends_at": "12:00", "break_minutes": "0"}
        )
        page = response.content.decode()
        self.assertLess(
            page.index('data-testid="shift-pattern-form"'),
            page.index('data-testid="shift-patterns"'),
        )
        self.assertLess(page.index('data-testid="form-refused"'), page.index("already exists"))
        page = self.client.get(url).content.decode()
        self.assertGreater(
            page.index('data-testid="shift-pattern-form"'),
            page.index('data-testid="shift-patterns"'),
        )


class CoverageTests(RotaPagesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # alice (fr, tr) works Monday morning (the 9–12 shift); ines (fr, ar) Monday afternoon and
        # Tuesday all day; a cancelled Wednesday shift of ines staffs nobody.
        cls.ines = make_user(
            "ines",
            "teleconseiller",
            territory=cls.t93,
            languages=("fr", "ar"),
            plateau=cls.saint_denis,
        )
        make_shift(cls.ines.agent, cls.saint_denis, MONDAY, time(13), time(17, 30))
        make_shift(cls.ines.agent, cls.saint_denis, MONDAY + timedelta(days=1), time(9), time(17))
        cancelled = make_shift(cls.ines.agent, cls.saint_denis, MONDAY + timedelta(days=2))
        Shift.objects.filter(pk=cancelled.pk).update(
            cancelled_at=timezone.now(), cancellation_reason=Shift.CancellationReason.CONTRACT_END
        )
        # Sundays closed in 93.
        OpeningHours.objects.filter(territory=cls.t93, weekday=6).delete()

    def coverage(self, needs=None) -> dict:
        week = plateau_week(plateau=self.saint_denis, week_start=MONDAY)
        return {
            row.language.code if row.language else "all": row.cells
            for row in week_coverage(week=week, needs=needs)
        }

    def test_it_counts_the_agents_on_shift_per_day_language_and_half_day(self):
        coverage = self.coverage()
        self.assertEqual(sorted(coverage), ["all", "ar", "fr", "tr"])
        monday, tuesday, wednesday = (coverage["all"][index] for index in range(3))
        self.assertEqual((monday.agents, monday.morning, monday.afternoon), (2, 1, 1))
        self.assertEqual((tuesday.agents, tuesday.morning, tuesday.afternoon), (1, 1, 1))
        self.assertEqual(wednesday.agents, 0)  # the cancelled shift staffs nobody
        self.assertEqual([cell.agents for cell in coverage["fr"]], [2, 1, 0, 0, 0, 0, 0])
        self.assertEqual([cell.agents for cell in coverage["tr"]], [1, 0, 0, 0, 0, 0, 0])
        self.assertEqual(
            [(cell.morning, cell.afternoon) for cell in coverage["ar"][:2]], [(0, 1), (1, 1)]
        )

    def test_it_flags_an_open_day_nobody_covers_but_not_a_closed_one(self):
        coverage = self.coverage()
        self.assertFalse(coverage["tr"][0].uncovered)
        self.assertTrue(coverage["tr"][1].uncovered)
        self.assertTrue(coverage["all"][2].uncovered)
        self.assertFalse(coverage["all"][6].is_open)
        self.assertFalse(coverage["all"][6].uncovered)

    def test_it_sets_the_staffing_need_against_the_territory_from_today_on(self):
        tuesday = MONDAY + timedelta(days=1)
        VolumeForecast.objects.create(
            territory=self.t93, language_id="ar", day=tuesday, index_cases=10, contacts=60
        )
        VolumeForecast.objects.create(
            territory=self.t93, language_id="ps", day=tuesday, index_cases=5, contacts=20
        )
        needs = week_needs(territory=self.t93, week_start=MONDAY, today=tuesday)
        coverage = self.coverage(needs)
        self.assertIsNone(coverage["ar"][0].needed)  # Monday is past: no need shown
        cell = coverage["ar"][1]
        self.assertGreater(cell.needed, 1)
        self.assertEqual(cell.territory_scheduled, 1)
        self.assertTrue(cell.short)
        # A language needed that nobody of the plateau speaks gets a row, uncovered.
        self.assertIn("ps", coverage)
        self.assertTrue(coverage["ps"][1].uncovered)
        self.assertEqual(
            week_needs(
                territory=self.t93, week_start=MONDAY, today=MONDAY + timedelta(days=7)
            ).cells,
            {},
        )

    def test_it_reads_the_languages_in_one_query(self):
        week = plateau_week(plateau=self.saint_denis, week_start=MONDAY)
        with self.assertNumQueries(1):
            week_coverage(week=week)

    def test_the_page_shows_the_totals_in_a_constant_number_of_queries(self):
        self.client.force_login(self.carol)
        week = {"week": MONDAY.isoformat()}
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.rota_url, week)
        for n in range(5):
            user = make_user(
                f"more{n}",
                "teleconseiller",
                territory=self.t93,
                languages=("fr", ["de", "es", "it", "pt", "ro"][n]),
                plateau=self.saint_denis,
            )
            for offset in range(6):
                make_shift(user.agent, self.saint_denis, MONDAY + timedelta(days=offset))
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(self.rota_url, week)
        self.assertEqual(response.content.decode().count('data-testid="coverage-row"'), 9)
        self.assertContains(response, 'data-language="all"')
        self.assertContains(response, "coverage-cell--none")
        [all_row] = [row for row in response.context["coverage"] if row.language is None]
        self.assertEqual(all_row.cells[0].agents, 7)


class RemoveShiftConfirmationTests(RotaPagesTestCase):
    def test_it_says_which_shift_and_what_it_takes_away_before_removing_it(self):
        self.client.force_login(self.carol)
        response = self.client.get(self.remove_url)
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "workforce/confirm.html")
        for fact in ("Alice Test", "Monday 5 October 2026", "09:00–12:00", "Saint-Denis", "3.00"):
            self.assertContains(response, fact)
        self.assertContains(response, 'name="confirm" value="yes"')
        self.assertContains(response, f'href="{self.rota_url}?week=2026-10-05"')
        self.assertTrue(Shift.objects.filter(pk=self.shift.pk).exists())

    def test_a_post_without_the_confirmation_removes_nothing(self):
        self.client.force_login(self.carol)
        for data in ({}, {"confirm": "no"}):
            with self.subTest(data=data):
                response = self.client.post(self.remove_url, data)
                self.assertTemplateUsed(response, "workforce/confirm.html")
                self.assertTrue(Shift.objects.filter(pk=self.shift.pk).exists())

    def test_the_grid_links_to_the_confirmation_not_to_a_post(self):
        self.client.force_login(self.carol)
        response = self.client.get(self.rota_url, {"week": MONDAY.isoformat()})
        self.assertContains(response, f'href="{self.remove_url}"')
        self.assertNotContains(response, f'action="{self.remove_url}"')

    def test_it_confirms_and_removes(self):
        self.client.force_login(self.carol)
        response = self.client.post(self.remove_url, {"confirm": "yes"}, follow=True)
        self.assertRedirects(response, f"{self.rota_url}?week=2026-10-05")
        self.assertContains(response, "Shift of Alice Test on Monday 5 October 2026 removed.")
        self.assertFalse(Shift.objects.filter(pk=self.shift.pk).exists())

    def test_a_cancelled_shift_has_nothing_to_confirm(self):
        Shift.objects.filter(pk=self.shift.pk).update(
            cancelled_at=timezone.now(), cancellation_reason=Shift.CancellationReason.CONTRACT_END
        )
        self.client.force_login(self.carol)
        for response in (
            self.client.get(self.remove_url),
            self.client.post(self.remove_url, {"confirm": "yes"}),
        ):
            self.assertRedirects(response, f"{self.rota_url}?week=2026-10-05")
        self.assertTrue(Shift.objects.filter(pk=self.shift.pk).exists())


class DeletePatternConfirmationTests(RotaPagesTestCase):
    def test_it_says_what_the_deletion_keeps_before_deleting(self):
        make_shift(self.alice.agent, self.saint_denis, MONDAY + timedelta(days=1))
        Shift.objects.update(pattern=self.pattern)
        self.client.force_login(self.carol)
        response = self.client.get(self.pattern_delete_url)
        self.assertTemplateUsed(response, "workforce/confirm.html")
        self.assertContains(response, "Matin")
        self.assertContains(response, "09:00–12:30")
        self.assertContains(response, "2 shifts made from it stay on the rota")
        response = self.client.post(self.pattern_delete_url)
        self.assertTemplateUsed(response, "workforce/confirm.html")
        self.assertTrue(ShiftPattern.objects.filter(pk=self.pattern.pk).exists())

    def test_it_confirms_and_deletes_keeping_the_shifts(self):
        Shift.objects.update(pattern=self.pattern)
        self.client.force_login(self.carol)
        response = self.client.post(self.pattern_delete_url, {"confirm": "yes"})
        self.assertRedirects(
            response,
            f"{reverse('workforce:shift-patterns')}?territory=93",
            fetch_redirect_response=False,
        )
        self.assertFalse(ShiftPattern.objects.filter(pk=self.pattern.pk).exists())
        self.shift.refresh_from_db()
        self.assertIsNone(self.shift.pattern)

    def test_the_list_links_to_the_confirmation(self):
        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:shift-patterns"))
        self.assertContains(response, f'href="{self.pattern_delete_url}"')
