from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agents.models import OpeningHours
from tests.base import make_user
from tests.workforce.test_rota_services import MONDAY, RotaTestCase
from workforce.models.contracts import Contract
from workforce.models.rota import ClockEntry, Shift, ShiftPattern
from workforce.selectors.rota import week_start_of
from workforce.services.rota import assign_shift, save_shift_pattern


def make_shift(agent, plateau, day: date, start: time = time(9), end: time = time(12, 30)) -> Shift:
    zone = agent.territory.zone
    return Shift.objects.create(
        agent=agent,
        plateau=plateau,
        day=day,
        starts_at=datetime.combine(day, start, tzinfo=zone),
        ends_at=datetime.combine(day, end, tzinfo=zone),
    )


class RotaPagesTestCase(RotaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.shift = assign_shift(
            agent=cls.alice.agent,
            plateau=cls.saint_denis,
            day=MONDAY,
            starts_at=time(9),
            ends_at=time(12),
            by=cls.carol,
        )
        cls.pattern = save_shift_pattern(
            territory=cls.t93, name="Matin", starts_at=time(9), ends_at=time(12, 30)
        )
        cls.rota_url = reverse("workforce:plateau-rota", args=[cls.saint_denis.pk])
        cls.assign_url = reverse("workforce:shift-assign", args=[cls.saint_denis.pk])
        cls.apply_url = reverse("workforce:shift-apply-pattern", args=[cls.saint_denis.pk])
        cls.remove_url = reverse("workforce:shift-remove", args=[cls.shift.pk])
        cls.pattern_delete_url = reverse("workforce:shift-pattern-delete", args=[cls.pattern.pk])

    def setUp(self):
        # English, so that the messages asserted do not depend on the translations shipped.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def admin_pages(self) -> list[str]:
        return [
            reverse("workforce:opening-hours"),
            reverse("workforce:shift-patterns"),
            reverse("workforce:payroll"),
            reverse("workforce:payroll-export"),
        ]

    def reader_pages(self) -> list[str]:
        return [reverse("workforce:rota"), self.rota_url, reverse("workforce:adherence")]

    def admin_posts(self) -> list[str]:
        return [self.assign_url, self.apply_url, self.remove_url, self.pattern_delete_url]

    def confirmation_pages(self) -> list[str]:
        return [self.remove_url, self.pattern_delete_url]


class RotaAccessTests(RotaPagesTestCase):
    def test_it_sends_anonymous_users_to_the_login_page(self):
        gets = [
            *self.admin_pages(),
            *self.reader_pages(),
            *self.confirmation_pages(),
            reverse("workforce:my-week"),
        ]
        posts = [*self.admin_posts(), reverse("workforce:clock-in"), reverse("workforce:clock-out")]
        for method, urls in (("get", gets), ("post", posts)):
            for url in urls:
                with self.subTest(method=method, url=url):
                    response = getattr(self.client, method)(url)
                    self.assertEqual(response.status_code, 302)
                    self.assertTrue(response["Location"].startswith(reverse("login")))
        self.assertTrue(Shift.objects.filter(pk=self.shift.pk).exists())

    def test_it_refuses_a_teleconseiller_all_but_their_week(self):
        self.client.force_login(self.alice)
        for url in [*self.admin_pages(), *self.reader_pages(), *self.confirmation_pages()]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
        for url in self.admin_posts():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, {"confirm": "yes"}).status_code, 403)
        self.assertEqual(self.client.get(reverse("workforce:my-week")).status_code, 200)
        self.assertTrue(Shift.objects.filter(pk=self.shift.pk).exists())

    def test_it_lets_a_superviseur_read_the_rota_but_not_change_it(self):
        self.client.force_login(self.bob)
        for url in self.reader_pages():
            with self.subTest(url=url):
                self.assertIn(self.client.get(url).status_code, (200, 302))
        response = self.client.get(self.rota_url, {"week": MONDAY.isoformat()})
        self.assertContains(response, 'data-testid="rota-shift"')
        self.assertNotContains(response, 'data-testid="assign-form"')
        self.assertNotContains(response, self.remove_url)
        for url in [*self.admin_pages(), *self.confirmation_pages()]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
        for url in self.admin_posts():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, {"confirm": "yes"}).status_code, 403)
        self.assertTrue(Shift.objects.filter(pk=self.shift.pk).exists())

    def test_it_opens_every_page_to_a_superuser(self):
        self.client.force_login(self.root)
        for url in [*self.admin_pages(), *self.reader_pages()]:
            with self.subTest(url=url):
                self.assertIn(self.client.get(url, {"territory": "93"}).status_code, (200, 302))
        response = self.client.get(reverse("workforce:opening-hours"), {"territory": "974"})
        self.assertEqual(response.context["territory"], self.t974)

    def test_it_refuses_the_lab_feed_everything(self):
        self.client.force_login(self.labfeed)
        for url in [*self.admin_pages(), *self.reader_pages(), reverse("workforce:my-week")]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.client.post(reverse("workforce:clock-in")).status_code, 403)

    def test_it_hides_the_objects_of_another_territory(self):
        self.client.force_login(self.dave)
        self.assertEqual(self.client.get(self.rota_url).status_code, 404)
        data = {
            "agent": self.alice.agent.pk,
            "day": MONDAY.isoformat(),
            "starts_at": "13:00",
            "ends_at": "15:00",
        }
        self.assertEqual(self.client.post(self.assign_url, data).status_code, 404)
        self.assertEqual(self.client.post(self.apply_url, {}).status_code, 404)
        for url in (self.remove_url, self.pattern_delete_url):
            self.assertEqual(self.client.get(url).status_code, 404)
            self.assertEqual(self.client.post(url, {"confirm": "yes"}).status_code, 404)
        self.assertTrue(Shift.objects.filter(pk=self.shift.pk).exists())
        self.assertTrue(ShiftPattern.objects.filter(pk=self.pattern.pk).exists())
        self.assertEqual(Shift.objects.count(), 1)
        # Filters and pages of his own territory show nothing of 93.
        response = self.client.get(reverse("workforce:adherence"), {"plateau": self.saint_denis.pk})
        self.assertIn("plateau", response.context["form"].errors)
        self.assertNotContains(response, "Alice")
        self.assertNotContains(self.client.get(reverse("workforce:shift-patterns")), "Matin")

    def test_it_refuses_a_superviseur_of_another_territory(self):
        self.client.force_login(self.erin)
        self.assertEqual(self.client.get(self.rota_url).status_code, 404)
        response = self.client.get(reverse("workforce:rota"))
        self.assertRedirects(
            response, reverse("workforce:plateau-rota", args=[self.paris_plateau.pk])
        )

    def test_it_refuses_wrong_methods(self):
        self.client.force_login(self.carol)
        cases = [
            ("get", self.assign_url),
            ("get", self.apply_url),
            # Removing and deleting show their confirmation page on GET.
            ("put", self.remove_url),
            ("delete", self.pattern_delete_url),
            ("get", reverse("workforce:clock-in")),
            ("get", reverse("workforce:clock-out")),
            ("post", reverse("workforce:rota")),
            ("post", self.rota_url),
            ("post", reverse("workforce:adherence")),
            ("post", reverse("workforce:payroll")),
            ("post", reverse("workforce:payroll-export")),
            ("put", reverse("workforce:opening-hours")),
            ("delete", reverse("workforce:shift-patterns")),
        ]
        for method, url in cases:
            with self.subTest(method=method, url=url):
                self.assertEqual(getattr(self.client, method)(url).status_code, 405)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(reverse("workforce:my-week")).status_code, 405)


class RotaPageTests(RotaPagesTestCase):
    def test_it_redirects_to_the_first_plateau(self):
        self.client.force_login(self.carol)
        self.assertRedirects(self.client.get(reverse("workforce:rota")), self.rota_url)

    def test_it_shows_the_week_grid_with_sundays_and_holidays_marked(self):
        self.client.force_login(self.carol)
        response = self.client.get(
            self.rota_url, {"week": "2026-11-12"}
        )  # any day of the week of 11 November
        week = response.context["week"]
        self.assertEqual(week.week_start, date(2026, 11, 9))
        self.assertEqual(
            [d.holiday is not None for d in week.days],
            [False, False, True, False, False, False, False],
        )
        self.assertTrue(week.days[6].is_sunday)
        self.assertContains(response, "Armistice")
        self.assertContains(response, "?week=2026-11-02")
        self.assertContains(response, "?week=2026-11-16")
        response = self.client.get(self.rota_url, {"week": MONDAY.isoformat()})
        [row] = [row for row in response.context["week"].rows if row.agent == self.alice.agent]
        self.assertEqual(row.cells[0], [self.shift])
        self.assertContains(response, "09:00–12:00")
        self.assertContains(response, self.remove_url)

    def test_it_reads_the_grid_in_a_constant_number_of_queries(self):
        self.client.force_login(self.carol)
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.rota_url, {"week": MONDAY.isoformat()})
        for n in range(6):
            user = make_user(
                f"extra{n}", "teleconseiller", territory=self.t93, plateau=self.saint_denis
            )
            for offset in range(5):
                make_shift(user.agent, self.saint_denis, MONDAY + timedelta(days=offset))
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(self.rota_url, {"week": MONDAY.isoformat()})
        self.assertEqual(len(response.context["week"].rows), 8)

    def test_it_assigns_a_shift(self):
        self.client.force_login(self.carol)
        data = {
            "agent": self.alice.agent.pk,
            "day": "2026-10-06",
            "starts_at": "13:00",
            "ends_at": "17:00",
            "break_minutes": "15",
        }
        response = self.client.post(self.assign_url, data)
        self.assertRedirects(response, f"{self.rota_url}?week=2026-10-05")
        shift = Shift.objects.get(day=date(2026, 10, 6))
        self.assertEqual(
            (shift.agent, shift.break_minutes, shift.created_by), (self.alice.agent, 15, self.carol)
        )

    def test_it_assigns_a_shift_from_a_pattern(self):
        self.client.force_login(self.carol)
        data = {"agent": self.alice.agent.pk, "day": "2026-10-06", "pattern": self.pattern.pk}
        self.client.post(self.assign_url, data)
        shift = Shift.objects.get(day=date(2026, 10, 6))
        self.assertEqual(shift.pattern, self.pattern)
        self.assertEqual(shift.ends_at - shift.starts_at, timedelta(hours=3, minutes=30))

    def test_it_shows_a_refused_shift_and_writes_nothing(self):
        self.client.force_login(self.carol)
        cases = [
            (
                {"starts_at": "10:00", "ends_at": "11:00"},
                "already works",
            ),  # overlaps the 9–12 shift
            ({"starts_at": "07:00", "ends_at": "11:00", "day": "2026-10-06"}, "08:30"),
            ({"starts_at": "09:00", "ends_at": "11:00", "day": "2026-09-29"}, "no active contract"),
            ({"starts_at": "11:00", "ends_at": "09:00"}, "must end after it starts"),
            ({}, "Choose a shift pattern"),
        ]
        for extra, message in cases:
            with self.subTest(extra=extra):
                data = {"agent": self.alice.agent.pk, "day": MONDAY.isoformat(), **extra}
                response = self.client.post(self.assign_url, data)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, message, status_code=400)
        self.assertEqual(Shift.objects.count(), 1)

    def test_it_refuses_an_agent_of_another_territory_in_the_form(self):
        self.client.force_login(self.carol)
        data = {
            "agent": self.zoe.agent.pk,
            "day": MONDAY.isoformat(),
            "starts_at": "13:00",
            "ends_at": "15:00",
        }
        response = self.client.post(self.assign_url, data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("agent", response.context["assign_form"].errors)
        self.assertEqual(Shift.objects.count(), 1)

    def test_it_refuses_a_closed_day(self):
        OpeningHours.objects.filter(territory=self.t93, weekday=6).delete()
        self.client.force_login(self.carol)
        data = {
            "agent": self.alice.agent.pk,
            "day": "2026-10-11",
            "starts_at": "09:00",
            "ends_at": "12:00",
        }
        response = self.client.post(self.assign_url, data)
        self.assertContains(response, "closed", status_code=400)
        self.assertEqual(Shift.objects.count(), 1)

    def test_it_applies_a_pattern_to_the_week_or_lists_the_days_refused(self):
        self.client.force_login(self.carol)
        data = {
            "agent": self.alice.agent.pk,
            "pattern": self.pattern.pk,
            "days": ["0", "1", "2"],
            "week": MONDAY.isoformat(),
        }
        response = self.client.post(self.apply_url, data)
        self.assertContains(response, "05/10/2026", status_code=400)  # Monday has a shift already
        self.assertEqual(Shift.objects.count(), 1)
        data["days"] = ["1", "2", "5"]
        response = self.client.post(self.apply_url, data)
        self.assertRedirects(response, f"{self.rota_url}?week=2026-10-05")
        self.assertEqual(
            sorted(Shift.objects.filter(pattern=self.pattern).values_list("day", flat=True)),
            [date(2026, 10, 6), date(2026, 10, 7), date(2026, 10, 10)],
        )

    def test_it_removes_a_shift(self):
        self.client.force_login(self.carol)
        response = self.client.post(self.remove_url, {"confirm": "yes"})
        self.assertRedirects(response, f"{self.rota_url}?week=2026-10-05")
        self.assertFalse(Shift.objects.filter(pk=self.shift.pk).exists())


class OpeningHoursAndPatternPageTests(RotaPagesTestCase):
    def hours_data(self, **changes) -> dict:
        data = {}
        for weekday in range(8):
            data[f"opens_{weekday}"] = "08:30"
            data[f"closes_{weekday}"] = "17:30"
        data.update(changes)
        return data

    def test_it_shows_the_seven_days_and_public_holidays(self):
        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:opening-hours"))
        self.assertEqual(response.content.decode().count('data-testid="opening-day"'), 8)
        self.assertContains(response, "Public holiday")

    def test_it_saves_the_opening_hours(self):
        self.client.force_login(self.carol)
        data = self.hours_data(
            opens_5="09:00", closes_5="12:00", closed_6="on", opens_7="10:00", closes_7="14:00"
        )
        response = self.client.post(reverse("workforce:opening-hours"), data)
        self.assertRedirects(
            response,
            f"{reverse('workforce:opening-hours')}?territory=93",
            fetch_redirect_response=False,
        )
        hours = {
            row.weekday: (row.opens_at, row.closes_at)
            for row in OpeningHours.objects.filter(territory=self.t93)
        }
        self.assertEqual(hours[5], (time(9), time(12)))
        self.assertNotIn(6, hours)
        self.assertEqual(hours[7], (time(10), time(14)))
        self.assertEqual(
            OpeningHours.objects.get(territory=self.t75, weekday=6).opens_at, time(8, 30)
        )

    def test_it_shows_field_errors_and_saves_nothing(self):
        self.client.force_login(self.carol)
        data = self.hours_data(opens_0="18:00", closes_0="09:00", opens_1="", closes_3="25:00")
        response = self.client.post(reverse("workforce:opening-hours"), data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.context["form"].errors), {"closes_0", "opens_1", "closes_3"})
        self.assertEqual(
            OpeningHours.objects.get(territory=self.t93, weekday=0).opens_at, time(8, 30)
        )

    def test_it_adds_and_deletes_shift_patterns(self):
        self.client.force_login(self.carol)
        url = reverse("workforce:shift-patterns")
        response = self.client.post(
            url, {"name": "Soir", "starts_at": "13:00", "ends_at": "17:30", "break_minutes": "0"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            ShiftPattern.objects.filter(
                territory=self.t93, name="Soir", starts_at=time(13)
            ).exists()
        )
        response = self.client.post(
            url, {"name": "Matin", "starts_at": "08:30", "ends_at": "08:00", "break_minutes": "0"}
        )
        self.assertEqual(set(response.context["form"].errors), {"name", "ends_at"})
        self.assertEqual(ShiftPattern.objects.filter(territory=self.t93).count(), 2)
        self.client.post(self.pattern_delete_url, {"confirm": "yes"})
        self.assertFalse(ShiftPattern.objects.filter(pk=self.pattern.pk).exists())

    def test_it_lists_patterns_in_a_constant_number_of_queries(self):
        self.client.force_login(self.carol)
        url = reverse("workforce:shift-patterns")
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for n in range(5):
            save_shift_pattern(
                territory=self.t93, name=f"P{n}", starts_at=time(9), ends_at=time(10 + n)
            )
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(url)
        self.assertEqual(response.content.decode().count('data-testid="shift-pattern"'), 6)


class MyWeekTests(RotaPagesTestCase):
    url = reverse("workforce:my-week")

    def this_monday(self) -> date:
        return week_start_of(timezone.localdate(timezone=self.t93.zone))

    def test_it_shows_the_shifts_of_the_current_week(self):
        monday = self.this_monday()
        make_shift(self.alice.agent, self.saint_denis, monday, time(9), time(12, 30))
        make_shift(
            self.alice.agent, self.saint_denis, monday + timedelta(days=6), time(13), time(17)
        )
        make_shift(self.alice.agent, self.saint_denis, monday + timedelta(days=7))  # next week
        make_shift(self.bob.agent, self.saint_denis, monday)  # someone else's
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('data-testid="my-week"', html)
        self.assertEqual(html.count('data-testid="shift"'), 2)
        self.assertIn("09:00–12:30", html)
        self.assertIn("13:00–17:00", html)
        self.assertIn("Saint-Denis", html)
        self.assertIn("Sunday", html)
        self.assertNotIn('data-testid="no-shift"', html)
        self.assertEqual(response.context["week"].scheduled_minutes, 210 + 240)
        self.assertContains(response, "7.50 h")

    def test_it_says_when_there_is_no_shift(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url, {"week": "2020-01-01"})
        self.assertContains(response, 'data-testid="no-shift"')
        self.assertNotContains(response, 'data-testid="shift"')

    def test_it_moves_from_week_to_week(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url, {"week": MONDAY.isoformat()})
        self.assertEqual(response.content.decode().count('data-testid="shift"'), 1)
        self.assertContains(response, "?week=2026-10-12")
        self.assertContains(response, "?week=2026-09-28")

    def test_it_marks_a_public_holiday_in_the_agents_own_territory(self):
        make_shift(self.zoe.agent, self.reunion, date(2026, 12, 20))
        self.client.force_login(self.zoe)
        response = self.client.get(self.url, {"week": "2026-12-20"})
        self.assertEqual(response.context["week"].days[6].day.holiday is not None, True)
        self.assertContains(response, "Abolition")

    def test_it_is_open_to_every_member_of_staff_with_a_profile(self):
        for user in (self.bob, self.carol):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.url).status_code, 200)
        self.client.force_login(self.root)  # no agent profile: no week
        self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_it_reads_a_constant_number_of_queries(self):
        self.client.force_login(self.alice)
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url, {"week": "2020-01-06"})
        for offset in range(7):
            make_shift(
                self.alice.agent, self.saint_denis, date(2020, 1, 6) + timedelta(days=offset)
            )
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(self.url, {"week": "2020-01-06"})
        self.assertEqual(len(response.context["week"].shifts), 7)

    def test_it_clocks_in_and_out(self):
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.url), 'data-testid="clock-in"')
        self.assertRedirects(self.client.post(reverse("workforce:clock-in")), self.url)
        entry = ClockEntry.objects.get(agent=self.alice.agent)
        self.assertIsNone(entry.clocked_out_at)
        response = self.client.get(self.url)
        self.assertContains(response, 'data-testid="clock-out"')
        self.assertNotContains(response, 'data-testid="clock-in"')
        response = self.client.post(reverse("workforce:clock-in"), follow=True)
        self.assertContains(response, "already clocked in")
        self.assertEqual(ClockEntry.objects.count(), 1)
        self.client.post(reverse("workforce:clock-out"))
        entry.refresh_from_db()
        self.assertIsNotNone(entry.clocked_out_at)
        response = self.client.post(reverse("workforce:clock-out"), follow=True)
        self.assertContains(response, "not clocked in")


class AdherencePageTests(RotaPagesTestCase):
    url = reverse("workforce:adherence")

    def test_it_shows_the_adherence_of_the_plateau(self):
        for user in (self.bob, self.carol):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                response = self.client.get(
                    self.url, {"plateau": self.saint_denis.pk, "day": MONDAY.isoformat()}
                )
                self.assertEqual(response.status_code, 200)
                [row] = [row for row in response.context["rows"] if row.agent == self.alice.agent]
                self.assertEqual(row.scheduled_minutes, 180)
                self.assertTrue(row.absent)
                self.assertContains(response, 'data-testid="adherence-row"')

    def test_it_defaults_to_the_first_plateau_and_today(self):
        self.client.force_login(self.bob)
        response = self.client.get(self.url)
        self.assertEqual(response.context["plateau"], self.saint_denis)
        self.assertEqual(response.context["day"], timezone.localdate(timezone=self.t93.zone))

    def test_it_reads_a_constant_number_of_queries(self):
        self.client.force_login(self.bob)
        params = {"plateau": self.saint_denis.pk, "day": MONDAY.isoformat()}
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url, params)
        for n in range(5):
            user = make_user(
                f"extra{n}", "teleconseiller", territory=self.t93, plateau=self.saint_denis
            )
            Contract.objects.create(agent=user.agent, kind=Contract.Kind.CDI, start_on=MONDAY)
            make_shift(user.agent, self.saint_denis, MONDAY)
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(self.url, params)
        self.assertEqual(len(response.context["rows"]), 7)
