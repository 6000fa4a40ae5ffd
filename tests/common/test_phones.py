from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from django.utils import translation

from common.phones import explain_invalid, to_e164


class ToE164Tests(SimpleTestCase):
    def assertReads(self, cases: list[tuple[str, str, str]]):
        for raw, region, expected in cases:
            with self.subTest(raw=raw, region=region):
                self.assertEqual(to_e164(raw, region=region), expected)

    def test_it_reads_metropolitan_numbers(self):
        self.assertReads(
            [
                ("06 12 34 56 78", "FR", "+33612345678"),
                ("0612345678", "FR", "+33612345678"),
                ("06.12.34.56.78", "FR", "+33612345678"),
                ("+33 6 12 34 56 78", "FR", "+33612345678"),
                ("0033612345678", "FR", "+33612345678"),
                ("01 48 00 00 00", "FR", "+33148000000"),
            ]
        )

    def test_it_reads_a_metropolitan_number_from_an_overseas_territory(self):
        self.assertReads([("06 12 34 56 78", "RE", "+33612345678")])

    def test_it_reads_reunion_numbers_with_either_region(self):
        self.assertReads(
            [
                ("0692 12 34 56", "RE", "+262692123456"),
                ("0692 12 34 56", "FR", "+262692123456"),
                ("0262 12 34 56", "RE", "+262262123456"),
                ("0262 12 34 56", "FR", "+262262123456"),
                ("+262 692 12 34 56", "FR", "+262692123456"),
            ]
        )

    def test_it_reads_the_other_overseas_departements(self):
        self.assertReads(
            [
                ("0690 12 34 56", "FR", "+590690123456"),  # Guadeloupe
                ("0690 12 34 56", "GP", "+590690123456"),
                ("0696 12 34 56", "FR", "+596696123456"),  # Martinique
                ("0694 20 12 34", "FR", "+594694201234"),  # Guyane
                ("0639 69 12 34", "FR", "+262639691234"),  # Mayotte shares +262 with La Réunion
                ("0639 69 12 34", "YT", "+262639691234"),
            ]
        )

    def test_it_reads_international_numbers(self):
        self.assertReads(
            [
                ("+44 20 7946 0958", "FR", "+442079460958"),
                ("+44 7911 123456", "RE", "+447911123456"),
                ("+90 532 123 45 67", "FR", "+905321234567"),
                ("0090 532 123 45 67", "FR", "+905321234567"),
                ("+1 202 555 0143", "FR", "+12025550143"),
            ]
        )

    def test_it_refuses_what_is_not_a_number(self):
        for raw in ("12", "abc", "0612", "+33 1", "06 12 34 56 78 90"):
            with self.subTest(raw=raw), self.assertRaises(ValidationError) as caught:
                to_e164(raw, region="FR")
            self.assertEqual(caught.exception.code, "invalid_phone")

    def test_it_requires_a_number(self):
        for raw in ("", "   ", None):
            with self.subTest(raw=raw), self.assertRaises(ValidationError) as caught:
                to_e164(raw, region="FR")
            self.assertEqual(caught.exception.code, "required")


class ExplainInvalidTests(SimpleTestCase):
    """Every refusal says why, in the same words from the forms, the API and the CSV import."""

    def setUp(self):
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def assertExplains(self, cases: list[tuple[str, str, str]]):
        for raw, region, reason in cases:
            with self.subTest(raw=raw, region=region):
                self.assertEqual(explain_invalid(raw, region=region), reason)
                with self.assertRaises(ValidationError) as caught:
                    to_e164(raw, region=region)
                self.assertEqual(
                    caught.exception.messages, [f"Invalid phone number: {raw} — {reason}"]
                )

    def test_it_accepts_overseas_numbers_from_every_french_territory(self):
        for raw in ("0692 12 34 56", "+262 692 12 34 56", "0639 69 12 34", "0690 12 34 56"):
            for region in ("FR", "RE", "YT", "GP"):
                with self.subTest(raw=raw, region=region):
                    self.assertEqual(explain_invalid(raw, region=region), "")

    def test_it_names_an_overseas_number_written_with_the_wrong_code(self):
        self.assertExplains(
            [
                (
                    "+33 692 12 34 56",
                    "RE",
                    "this is a number of La Réunion written with the code +33; La Réunion's "
                    "numbers start with +262: +262 692 12 34 56",
                ),
                (
                    "+269 639 69 12 34",
                    "YT",
                    "this is a number of Mayotte written with the code +269; Mayotte's numbers "
                    "start with +262: +262 639 69 12 34",
                ),
                (
                    "+33 690 12 34 56",
                    "FR",
                    "this is a number of Guadeloupe written with the code +33; Guadeloupe's "
                    "numbers start with +590: +590 690 12 34 56",
                ),
            ]
        )

    def test_it_says_too_short_or_too_long_with_the_count(self):
        self.assertExplains(
            [
                (
                    "0612",
                    "FR",
                    "too short: a French number has 10 digits starting with 0 (4 given)",
                ),
                (
                    "447911123456",
                    "RE",
                    "too long: a French number has 10 digits starting with 0 (12 given); a "
                    "foreign number starts with + or 00 and its country code",
                ),
                ("+44 20 12", "FR", "too short for a number with the code +44"),
            ]
        )

    def test_it_refuses_what_is_not_a_number_or_not_a_persons_line(self):
        self.assertExplains(
            [
                (
                    "06 12 AB 56 78",
                    "FR",
                    "it holds characters other than digits, spaces, dots, dashes and a leading +",
                ),
                ("+999 1234", "FR", "+999 is not a country calling code"),
                ("0899 12 34 56", "FR", "this is a premium-rate number, not a person's line"),
                ("0800 12 34 56", "FR", "this is a toll-free service number, not a person's line"),
            ]
        )
