from datetime import date

from django.test import SimpleTestCase
from django.utils import translation

from agents.models import Territory
from agents.public_holidays import holiday_name, holidays_of


class PublicHolidaysTests(SimpleTestCase):
    def test_it_knows_the_national_holidays(self):
        with translation.override("fr"):
            self.assertEqual(
                holiday_name(Territory(code="93"), date(2026, 7, 14)), "Fête nationale"
            )
        self.assertIsNone(holiday_name(Territory(code="93"), date(2026, 12, 26)))

    def test_it_adds_the_holidays_of_alsace_moselle(self):
        for code in ("57", "67", "68"):
            with self.subTest(code=code):
                days = holidays_of(Territory(code=code), 2026)
                self.assertIn(date(2026, 4, 3), days)  # Good Friday
                self.assertIn(date(2026, 12, 26), days)  # St Stephen's Day

    def test_it_adds_the_abolition_of_slavery_overseas(self):
        self.assertIn(date(2026, 12, 20), holidays_of(Territory(code="974"), 2026))
        self.assertIn(date(2026, 5, 27), holidays_of(Territory(code="971"), 2026))
        self.assertNotIn(date(2026, 12, 20), holidays_of(Territory(code="75"), 2026))

    def test_it_names_them_in_english_for_an_english_page(self):
        with translation.override("en"):
            self.assertEqual(
                holiday_name(Territory(code="75"), date(2026, 12, 25)), "Christmas Day"
            )
