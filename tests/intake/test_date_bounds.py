"""Dates out of their range are refused by field, by the API, the form and the CSV import."""

from datetime import timedelta

from django.utils import timezone

from calls.models import CallTask
from cases.models import Exposure, IndexCase, Person
from intake.exceptions import ContactImportError
from intake.imports import import_contacts
from tests.api.base import ApiTestCase
from tests.intake.test_csv_import import a_row, csv_bytes
from tests.intake.test_intake_form import URL, a_contact, intake_data

FAR_DATES = ("0001-01-01", "9999-12-31", "1899-12-31")


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (IndexCase, Person, Exposure, CallTask))


def api_contact(**overrides) -> dict:
    return {
        "first_name": "Ana",
        "last_name": "Silva",
        "phone": "0611111111",
        "language": "fr",
        "exposure_type": "close",
        "last_exposure_date": (timezone.localdate() - timedelta(days=2)).isoformat(),
        **overrides,
    }


def api_intake(*, contact: dict | None = None, **overrides) -> dict:
    return {
        "first_name": "Paul",
        "last_name": "Martin",
        "phone": "06 12 34 56 78",
        "language": "fr",
        "territory": "93",
        "sampled_at": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "contacts": [contact or api_contact()],
        **overrides,
    }


class ApiDateBoundsTests(ApiTestCase):
    url_name = "api:register-index-case"

    def test_it_refuses_far_dates_in_every_date_field(self):
        for value in (*FAR_DATES, "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00"):
            for field in ("sampled_at", "birth_date", "symptom_onset_on"):
                if "T" in value and field != "sampled_at":
                    continue
                with self.subTest(field=field, value=value):
                    response = self.post(api_intake(**{field: value}), user=self.carol)
                    self.assertEqual(response.status_code, 400)
                    self.assertEqual(list(response.json()), [field])
            if "T" not in value:
                with self.subTest(field="last_exposure_date", value=value):
                    data = api_intake(contact=api_contact(last_exposure_date=value))
                    response = self.post(data, user=self.carol)
                    self.assertEqual(response.status_code, 400)
                    self.assertEqual(list(response.json()["contacts"][0]), ["last_exposure_date"])
        self.assertEqual(counts(), (0, 0, 0, 0))

    def test_it_takes_a_birth_date_of_the_last_century(self):
        response = self.post(api_intake(birth_date="1930-05-01"), user=self.carol)
        self.assertEqual(response.status_code, 201)


class FormDateBoundsTests(ApiTestCase):
    def test_it_refuses_far_dates_in_every_date_field(self):
        self.client.force_login(self.carol)
        for value in FAR_DATES:
            for field in ("sampled_on", "symptom_onset_on"):
                with self.subTest(field=field, value=value):
                    response = self.client.post(
                        URL, intake_data(a_contact("Ana", "0611111111"), **{field: value})
                    )
                    self.assertEqual(response.status_code, 200)
                    self.assertIn(field, response.context["form"].errors)
            with self.subTest(field="last_exposure_date", value=value):
                data = intake_data(a_contact("Ana", "0611111111", last_exposure_date=value))
                response = self.client.post(URL, data)
                errors = response.context["formset"].forms[0].errors
                self.assertIn("last_exposure_date", errors)
        self.assertEqual(counts(), (0, 0, 0, 0))


class CsvDateBoundsTests(ApiTestCase):
    def test_it_refuses_far_exposure_dates(self):
        case = self.register_case(self.t93, name="Alpha", phone="0601010101", external_ref="A")
        before = counts()
        for value in (*FAR_DATES, "01/01/0001", "31/12/9999"):
            with self.subTest(value=value):
                content = csv_bytes([a_row("A", 1, last_exposure_date=value)])
                with self.assertRaises(ContactImportError) as caught:
                    import_contacts(territory=self.t93, content=content, now=timezone.now())
                self.assertIn("last_exposure_date", caught.exception.errors[0])
        self.assertEqual(counts(), before)
        self.assertEqual(case.index_case.exposures.count(), 0)


class ContactsCapTests(ApiTestCase):
    url_name = "api:register-index-case"

    def test_the_api_refuses_more_contacts_than_the_cap(self):
        contacts = [api_contact(phone=f"06 11 22 {n // 100:02d} {n % 100:02d}") for n in range(101)]
        response = self.post(api_intake(contacts=contacts), user=self.carol)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["contacts"])
        self.assertEqual(counts(), (0, 0, 0, 0))

    def test_the_csv_import_refuses_more_contacts_than_the_cap_for_one_case(self):
        self.register_case(self.t93, name="Alpha", phone="0601010101", external_ref="A")
        before = counts()
        content = csv_bytes([a_row("A", n) for n in range(101)])
        with self.assertRaises(ContactImportError) as caught:
            import_contacts(territory=self.t93, content=content, now=timezone.now())
        self.assertEqual(len(caught.exception.errors), 1)
        self.assertEqual(counts(), before)
