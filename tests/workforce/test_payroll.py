import csv
import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.base import make_user
from tests.workforce.test_rota_services import RotaTestCase
from workforce.models.contracts import Contract
from workforce.models.rota import Shift
from workforce.selectors.payroll import (
    SOURCE_CLOCK,
    SOURCE_MISSING_CLOCK_OUT,
    SOURCE_SCHEDULE,
    month_bounds,
    payroll_rows,
    payroll_totals,
)
from workforce.services.rota import assign_shift, clock_in, clock_out

PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")
EXPORT_URL = reverse("workforce:payroll-export")
PAGE_URL = reverse("workforce:payroll")


def at(day: date, hour: int, minute: int = 0, zone=PARIS) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


class PayrollTestCase(RotaTestCase):
    SUNDAY = date(2026, 7, 12)
    BASTILLE_DAY = date(2026, 7, 14)
    WEDNESDAY = date(2026, 7, 15)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.paul = make_user("paul", "teleconseiller", territory=cls.t93, plateau=cls.saint_denis)
        cls.paul.last_name, cls.paul.first_name = "Durand", "Paul"
        cls.paul.save(update_fields=["last_name", "first_name"])
        Contract.objects.create(
            agent=cls.paul.agent,
            kind=Contract.Kind.CDD,
            start_on=date(2026, 6, 1),
            end_on=date(2026, 12, 31),
        )
        agent = cls.paul.agent

        def shift(day, start, end, pause=0):
            assign_shift(
                agent=agent,
                plateau=cls.saint_denis,
                day=day,
                starts_at=start,
                ends_at=end,
                break_minutes=pause,
                by=cls.carol,
            )

        shift(cls.SUNDAY, time(9), time(17), 60)  # 7 h scheduled
        clock_in(agent=agent, now=at(cls.SUNDAY, 8, 50))
        clock_out(agent=agent, now=at(cls.SUNDAY, 17, 20))  # 8 h 30 clocked
        shift(cls.BASTILLE_DAY, time(10), time(14))  # 4 h, nobody clocked
        shift(cls.WEDNESDAY, time(9), time(12))
        shift(date(2026, 8, 2), time(9), time(12))  # another month
        # La Réunion: 20 December is the abolition of slavery, and a Sunday in 2026.
        assign_shift(
            agent=cls.zoe.agent,
            plateau=cls.reunion,
            day=date(2026, 12, 20),
            starts_at=time(9),
            ends_at=time(13),
            by=cls.root,
        )


class PayrollSelectorTests(PayrollTestCase):
    def test_it_flags_sundays_and_public_holidays(self):
        start, end = month_bounds(date(2026, 7, 20))
        self.assertEqual((start, end), (date(2026, 7, 1), date(2026, 7, 31)))
        # Shifts, clock entries, agents, contracts, pay rates.
        with translation.override("fr"), self.assertNumQueries(5):
            rows = payroll_rows(
                territory=self.t93, start=start, end=end, now=at(date(2026, 8, 1), 12)
            )
        self.assertEqual(
            [row.day for row in rows], [self.SUNDAY, self.BASTILLE_DAY, self.WEDNESDAY]
        )
        sunday, holiday, ordinary = rows
        self.assertTrue(sunday.is_sunday)
        self.assertIsNone(sunday.holiday)
        self.assertEqual((sunday.scheduled_minutes, sunday.clocked_minutes), (420, 510))
        self.assertEqual(
            (sunday.source, sunday.sunday_minutes, sunday.holiday_minutes), (SOURCE_CLOCK, 510, 0)
        )
        self.assertEqual(holiday.holiday, "Fête nationale")
        self.assertEqual(
            (holiday.source, holiday.sunday_minutes, holiday.holiday_minutes),
            (SOURCE_SCHEDULE, 0, 240),
        )
        self.assertEqual(
            (ordinary.sunday_minutes, ordinary.holiday_minutes, ordinary.holiday), (0, 0, None)
        )
        self.assertEqual(sunday.contract_kind, Contract.Kind.CDD)
        totals = payroll_totals(rows)
        self.assertEqual(
            (
                totals.agents,
                totals.scheduled_minutes,
                totals.sunday_minutes,
                totals.holiday_minutes,
            ),
            (1, 840, 510, 240),
        )

    def test_it_flags_the_holidays_of_la_reunion(self):
        start, end = month_bounds(date(2026, 12, 1))
        [row] = payroll_rows(
            territory=self.t974, start=start, end=end, now=at(date(2027, 1, 1), 12)
        )
        self.assertTrue(row.is_sunday)
        self.assertTrue(row.holiday)
        self.assertEqual((row.sunday_minutes, row.holiday_minutes), (240, 240))
        # Not a holiday in Seine-Saint-Denis.
        self.assertEqual(
            payroll_rows(territory=self.t93, start=start, end=end, now=at(date(2027, 1, 1), 12)), []
        )

    def test_it_splits_a_clock_entry_across_midnight(self):
        clock_in(agent=self.alice.agent, now=at(date(2026, 7, 20), 22))
        clock_out(agent=self.alice.agent, now=at(date(2026, 7, 21), 2))
        rows = payroll_rows(
            territory=self.t93,
            start=date(2026, 7, 20),
            end=date(2026, 7, 21),
            now=at(date(2026, 8, 1), 0),
        )
        self.assertEqual(
            [(row.agent, row.day, row.clocked_minutes) for row in rows][-2:],
            [
                (self.alice.agent, date(2026, 7, 20), 120),
                (self.alice.agent, date(2026, 7, 21), 120),
            ],
        )


class PayrollExportTests(PayrollTestCase):
    def get(self, user, params, url=EXPORT_URL, language="fr"):
        self.client.force_login(user)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return self.client.get(url, params)

    def test_it_exports_one_row_per_agent_and_day_for_french_excel(self):
        response = self.get(self.carol, {"month": "2026-07"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn(
            'attachment; filename="payroll_93_2026-07.csv"', response["Content-Disposition"]
        )
        header, *rows = read_csv(response)
        self.assertEqual(len(header), 23)
        self.assertEqual(len(rows), 3)
        sunday, holiday, ordinary = rows
        self.assertEqual(sunday[0:3], ["paul", "Durand", "Paul"])
        self.assertEqual(sunday[5:10], ["2026-07-12", "dimanche", "09:00–17:00", "7,00", "8,50"])
        self.assertEqual(sunday[12:14], ["8,50", "0,00"])
        self.assertEqual(holiday[5:7], ["2026-07-14", "mardi"])
        self.assertEqual(holiday[9], "")  # no clock entry
        self.assertEqual(holiday[11], "Fête nationale")
        self.assertEqual(holiday[12:14], ["0,00", "4,00"])
        self.assertNotEqual(holiday[14], sunday[14])  # schedule, not clock
        self.assertEqual(ordinary[11:14], ["", "0,00", "0,00"])

    def test_it_neutralises_names_that_a_spreadsheet_would_run(self):
        self.paul.last_name, self.paul.first_name = '=HYPERLINK("x")', "+1"
        self.paul.save(update_fields=["last_name", "first_name"])
        _header, *rows = read_csv(self.get(self.carol, {"month": "2026-07"}))
        self.assertEqual(rows[0][1:3], ['\'=HYPERLINK("x")', "'+1"])

    def test_it_names_the_columns(self):
        header, *_rows = read_csv(self.get(self.carol, {"month": "2026-07"}, language="en"))
        self.assertEqual(
            header,
            [
                "Username",
                "Last name",
                "First name",
                "Employer",
                "Contract",
                "Date",
                "Weekday",
                "Shifts",
                "Scheduled hours",
                "Clocked hours",
                "Sunday",
                "Public holiday",
                "Sunday hours",
                "Public holiday hours",
                "Source",
                "Base hours",
                "Base hourly rate (€)",
                "Base amount (€)",
                "Premium",
                "Premium rate (%)",
                "Premium hours",
                "Premium amount (€)",
                "Total amount (€)",
            ],
        )

    def test_it_exports_only_the_admins_territory(self):
        response = self.get(self.dave, {"month": "2026-12"})
        self.assertEqual(len(read_csv(response)), 1)  # the header only: zoe is in 974, paul in 93
        response = self.get(self.dave, {"month": "2026-07"})
        self.assertEqual(len(read_csv(response)), 1)

    def test_it_answers_a_bad_month_with_400(self):
        self.assertEqual(self.get(self.carol, {"month": "2026-13"}).status_code, 400)
        self.assertEqual(self.get(self.carol, {"month": "july"}).status_code, 400)

    def test_it_shows_the_totals_on_the_page(self):
        response = self.get(self.carol, {"month": "2026-07"}, url=PAGE_URL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["totals"].sunday_minutes, 510)
        self.assertContains(response, "8,50")
        self.assertContains(response, f"{EXPORT_URL}?month=2026-07")

    def test_it_refuses_other_roles_and_methods(self):
        for user in (self.alice, self.bob, self.labfeed):
            for url in (EXPORT_URL, PAGE_URL):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.get(user, {}, url=url).status_code, 403)
        self.client.force_login(self.carol)
        for url in (EXPORT_URL, PAGE_URL):
            self.assertEqual(self.client.post(url).status_code, 405)
        self.client.logout()
        for url in (EXPORT_URL, PAGE_URL):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_lets_a_superuser_choose_the_territory(self):
        header, *rows = read_csv(self.get(self.root, {"month": "2026-12", "territory": "974"}))
        self.assertEqual([row[0] for row in rows], ["zoe"])
        self.assertTrue(Shift.objects.filter(agent=self.zoe.agent).exists())

    def test_it_pays_a_forgotten_clock_out_as_scheduled_and_flags_it(self):
        # Clocked in on Wednesday 15 July at 08:55, never clocked out; the export runs on 1 August.
        clock_in(agent=self.paul.agent, now=at(self.WEDNESDAY, 8, 55))
        start, end = month_bounds(self.WEDNESDAY)
        rows = payroll_rows(territory=self.t93, start=start, end=end, now=at(date(2026, 8, 1), 12))
        wednesday = next(row for row in rows if row.day == self.WEDNESDAY)
        self.assertEqual(wednesday.source, SOURCE_MISSING_CLOCK_OUT)
        self.assertEqual(wednesday.worked_minutes, 180)  # the 3 scheduled hours
        # Not a row for every day until the end of the month.
        self.assertEqual(
            [row.day for row in rows], [self.SUNDAY, self.BASTILLE_DAY, self.WEDNESDAY]
        )
