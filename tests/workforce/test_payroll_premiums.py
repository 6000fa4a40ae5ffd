"""Premiums for Sundays and public holidays: rates as data (per employer kind, national or per
territory, dated), applied by the payroll selector and its CSV, base and premium hours and amounts.

The worked example, checked by hand: léa, a fixed-term recruit at the national rate (12.02 €/h,
Sunday +50 %, public holiday +100 %), works in May 2026 seven hours on Sunday 3 May, seven on
Friday 8 May (Victoire 1945, a public holiday) and seven on each of five weekdays (4–7 and 11 May):

    base hours      7 + 7 + 5 × 7                       = 49 h
    base amount     49 × 12.02                          = 588.98 €
    Sunday premium  7 × 12.02 × 50 %                    =  42.07 €
    holiday premium 7 × 12.02 × 100 %                   =  84.14 €
    premium hours   7 + 7                               = 14 h
    premium amount  42.07 + 84.14                       = 126.21 €
    total           588.98 + 126.21                     = 715.19 €
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.urls import reverse

from agents import roles
from agents.models import Agent
from tests.base import make_user
from tests.workforce.test_payroll import read_csv
from tests.workforce.test_rota_services import RotaTestCase
from workforce.models.contracts import Contract
from workforce.models.pay import PayRate
from workforce.selectors.payroll import (
    PREMIUM_HOLIDAY,
    PREMIUM_SUNDAY,
    payroll_rows,
    payroll_totals,
)
from workforce.services.rota import assign_shift

MAY_SUNDAY = date(2026, 5, 3)
VICTORY_DAY = date(2026, 5, 8)
WEEKDAYS = [
    date(2026, 5, 4),
    date(2026, 5, 5),
    date(2026, 5, 6),
    date(2026, 5, 7),
    date(2026, 5, 11),
]
AFTER_MAY = datetime(2026, 6, 1, 10, tzinfo=UTC)


class PremiumTestCase(RotaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.lea = make_user(
            "lea",
            roles.TELECONSEILLER,
            territory=cls.t93,
            plateau=cls.saint_denis,
            employer=Agent.Employer.FIXED_TERM,
        ).agent
        Contract.objects.create(
            agent=cls.lea,
            kind=Contract.Kind.CDD,
            start_on=date(2026, 4, 1),
            end_on=date(2026, 9, 30),
        )
        for day in [MAY_SUNDAY, VICTORY_DAY, *WEEKDAYS]:
            # 09:00–17:00 with an unpaid hour: 7 paid hours, paid as scheduled (no clock entry).
            assign_shift(
                agent=cls.lea,
                plateau=cls.saint_denis,
                day=day,
                starts_at=time(9),
                ends_at=time(17),
                break_minutes=60,
            )

    def may(self, territory=None):
        return payroll_rows(
            territory=territory or self.t93,
            start=date(2026, 5, 1),
            end=date(2026, 5, 31),
            now=AFTER_MAY,
        )


class PremiumWorkedExampleTests(PremiumTestCase):
    def test_the_seeded_national_rates(self):
        national = {
            rate.employer: (
                rate.hourly_rate,
                rate.sunday_premium_percent,
                rate.holiday_premium_percent,
            )
            for rate in PayRate.objects.filter(territory__isnull=True)
        }
        self.assertEqual(
            national,
            {
                "cnam": (Decimal("12.02"), Decimal(50), Decimal(100)),
                "fixed_term": (Decimal("12.02"), Decimal(50), Decimal(100)),
                "provider": (None, Decimal(50), Decimal(100)),
                "doctor": (None, Decimal(50), Decimal(100)),
            },
        )

    def test_it_works_out_the_example_by_hand(self):
        rows = self.may()
        by_day = {row.day: row for row in rows}
        sunday, holiday = by_day[MAY_SUNDAY], by_day[VICTORY_DAY]
        self.assertEqual(
            (sunday.premium, sunday.premium_percent, sunday.premium_minutes),
            (PREMIUM_SUNDAY, Decimal(50), 420),
        )
        self.assertEqual(
            (sunday.base_amount, sunday.premium_amount), (Decimal("84.14"), Decimal("42.07"))
        )
        self.assertEqual(
            (holiday.premium, holiday.premium_percent, holiday.premium_minutes),
            (PREMIUM_HOLIDAY, Decimal(100), 420),
        )
        self.assertEqual(holiday.premium_amount, Decimal("84.14"))
        monday = by_day[WEEKDAYS[0]]
        self.assertEqual(
            (monday.premium, monday.premium_minutes, monday.premium_amount, monday.total_amount),
            (None, 0, Decimal("0.00"), Decimal("84.14")),
        )
        totals = payroll_totals(rows)
        self.assertEqual((totals.base_minutes, totals.premium_minutes), (49 * 60, 14 * 60))
        self.assertEqual(
            (totals.base_amount, totals.premium_amount, totals.total_amount),
            (Decimal("588.98"), Decimal("126.21"), Decimal("715.19")),
        )
        self.assertEqual((totals.sunday_minutes, totals.holiday_minutes), (420, 420))

    def test_the_csv_shows_base_and_premium_hours_and_amounts(self):
        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:payroll-export"), {"month": "2026-05"})
        header, *lines = read_csv(response)
        self.assertEqual(len(header), 23)
        cells = {line[5]: line[15:] for line in lines if line[0] == "lea"}
        # Base hours, hourly rate, base amount, premium, its rate, premium hours and amount, total.
        sunday = cells[MAY_SUNDAY.isoformat()]
        self.assertEqual(
            [sunday[0], sunday[1], sunday[2], sunday[4], sunday[5], sunday[6], sunday[7]],
            ["7,00", "12,02", "84,14", "50,00", "7,00", "42,07", "126,21"],
        )
        holiday = cells[VICTORY_DAY.isoformat()]
        self.assertEqual(holiday[4:], ["100,00", "7,00", "84,14", "168,28"])
        self.assertNotEqual(holiday[3], sunday[3])  # « jour férié », « dimanche »
        weekday = cells[WEEKDAYS[0].isoformat()]
        self.assertEqual(weekday[3:], ["", "", "0,00", "0,00", "84,14"])
        total = sum(Decimal(line[22].replace(",", ".")) for line in lines if line[0] == "lea")
        self.assertEqual(total, Decimal("715.19"))

    def test_the_page_shows_the_amounts_and_the_rates_applied(self):
        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:payroll"), {"month": "2026-05"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["amounts"], {"base": "588,98", "premium": "126,21", "total": "715,19"}
        )
        self.assertEqual(response.context["hours"]["premium"], "14,00")
        self.assertEqual(
            [rate.employer for rate in response.context["rates"]],
            ["cnam", "fixed_term", "provider", "doctor"],
        )
        self.assertContains(response, 'data-testid="rate-row"', count=4)


class PremiumRulesTests(PremiumTestCase):
    def test_a_sunday_that_is_a_public_holiday_earns_one_premium_the_higher(self):
        # 20 December 2026, abolition of slavery in La Réunion, is a Sunday: 4 h for zoe (staff).
        assign_shift(
            agent=self.zoe.agent,
            plateau=self.reunion,
            day=date(2026, 12, 20),
            starts_at=time(9),
            ends_at=time(13),
        )
        december = {"start": date(2026, 12, 1), "end": date(2026, 12, 31), "now": AFTER_MAY}
        [row] = payroll_rows(territory=self.t974, **december)
        self.assertEqual((row.premium, row.premium_percent), (PREMIUM_HOLIDAY, Decimal(100)))
        # 4 × 12.02 = 48.08 of premium, not 48.08 + 24.04.
        self.assertEqual((row.premium_minutes, row.premium_amount), (240, Decimal("48.08")))
        # Where the Sunday premium is the higher, it is the one paid.
        PayRate.objects.create(
            territory=self.t974,
            employer=Agent.Employer.CNAM,
            valid_from=date(2026, 1, 1),
            hourly_rate=Decimal("12.02"),
            sunday_premium_percent=Decimal(150),
            holiday_premium_percent=Decimal(100),
        )
        [row] = payroll_rows(territory=self.t974, **december)
        self.assertEqual((row.premium, row.premium_amount), (PREMIUM_SUNDAY, Decimal("72.12")))

    def test_a_territorys_own_rate_replaces_the_national_one_from_its_date(self):
        PayRate.objects.create(
            territory=self.t93,
            employer=Agent.Employer.FIXED_TERM,
            valid_from=VICTORY_DAY,
            hourly_rate=Decimal("13.00"),
            sunday_premium_percent=Decimal(60),
            holiday_premium_percent=Decimal(120),
        )
        # Paris's own rate does not apply in Seine-Saint-Denis.
        PayRate.objects.create(
            territory=self.t75,
            employer=Agent.Employer.FIXED_TERM,
            valid_from=date(2026, 1, 1),
            hourly_rate=Decimal("20.00"),
            sunday_premium_percent=Decimal(0),
            holiday_premium_percent=Decimal(0),
        )
        by_day = {row.day: row for row in self.may()}
        self.assertEqual(by_day[MAY_SUNDAY].hourly_rate, Decimal("12.02"))
        holiday = by_day[VICTORY_DAY]
        # 7 × 13.00 = 91.00; 7 × 13.00 × 120 % = 109.20.
        self.assertEqual(
            (holiday.hourly_rate, holiday.base_amount, holiday.premium_amount),
            (Decimal("13.00"), Decimal("91.00"), Decimal("109.20")),
        )

    def test_an_employer_kind_without_a_base_rate_has_hours_but_no_amounts(self):
        Agent.objects.filter(pk=self.lea.pk).update(
            employer=Agent.Employer.PROVIDER, provider_name="Appels & Co"
        )
        rows = self.may()
        sunday = next(row for row in rows if row.day == MAY_SUNDAY)
        self.assertEqual((sunday.premium_minutes, sunday.premium_amount), (420, None))
        totals = payroll_totals(rows)
        self.assertEqual((totals.base_minutes, totals.total_amount), (49 * 60, Decimal(0)))
        self.assertEqual(totals.unpriced_rows, 7)
        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:payroll-export"), {"month": "2026-05"})
        _header, *lines = read_csv(response)
        line = next(line for line in lines if line[5] == MAY_SUNDAY.isoformat())
        self.assertEqual(line[15:], ["7,00", "", "", line[18], "50,00", "7,00", "", ""])


class PayRateAdminTests(PremiumTestCase):
    """CPAM admins read the national rates and set their territory's own; only a superuser changes
    the national ones."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.national = PayRate.objects.get(territory=None, employer=Agent.Employer.FIXED_TERM)
        cls.paris = PayRate.objects.create(
            territory=cls.t75,
            employer=Agent.Employer.FIXED_TERM,
            valid_from=date(2026, 1, 1),
            hourly_rate=Decimal("13.50"),
            sunday_premium_percent=Decimal(50),
            holiday_premium_percent=Decimal(100),
        )

    def change_url(self, rate: PayRate) -> str:
        return reverse("admin:workforce_payrate_change", args=[rate.pk])

    def test_a_cpam_admin_reads_but_does_not_change_a_national_rate(self):
        self.client.force_login(self.carol)
        listing = self.client.get(reverse("admin:workforce_payrate_changelist"))
        self.assertEqual(listing.status_code, 200)
        self.assertEqual(
            {rate.pk for rate in listing.context["cl"].result_list},
            set(PayRate.objects.filter(territory=None).values_list("pk", flat=True)),
        )
        # No bulk delete either: it would not ask each row.
        self.assertNotContains(listing, 'value="delete_selected"')
        self.assertEqual(self.client.get(self.change_url(self.national)).status_code, 200)
        response = self.client.post(
            self.change_url(self.national),
            {
                "employer": "fixed_term",
                "valid_from": "2020-01-01",
                "hourly_rate": "99.00",
                "sunday_premium_percent": "50",
                "holiday_premium_percent": "100",
            },
        )
        self.assertEqual(response.status_code, 403)
        self.national.refresh_from_db()
        self.assertEqual(self.national.hourly_rate, Decimal("12.02"))
        # Another territory's rate does not exist for them.
        self.assertEqual(self.client.get(self.change_url(self.paris)).status_code, 302)

    def test_a_cpam_admin_adds_a_rate_for_their_territory_only(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            reverse("admin:workforce_payrate_add"),
            {
                "employer": "fixed_term",
                "valid_from": "2026-07-01",
                "hourly_rate": "12.50",
                "sunday_premium_percent": "50",
                "holiday_premium_percent": "100",
            },
        )
        self.assertEqual(response.status_code, 302)
        rate = PayRate.objects.get(valid_from=date(2026, 7, 1))
        self.assertEqual((rate.territory, rate.hourly_rate), (self.t93, Decimal("12.50")))

    def test_a_superuser_changes_a_national_rate(self):
        self.client.force_login(self.root)
        response = self.client.post(
            self.change_url(self.national),
            {
                "territory": "",
                "employer": "fixed_term",
                "valid_from": "2020-01-01",
                "hourly_rate": "12.10",
                "sunday_premium_percent": "50",
                "holiday_premium_percent": "100",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.national.refresh_from_db()
        self.assertEqual(self.national.hourly_rate, Decimal("12.10"))
