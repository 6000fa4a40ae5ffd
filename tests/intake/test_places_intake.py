"""Where a contact was exposed, by every way in: the form, the API, the CSV import."""

from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Cluster, Exposure, Place
from intake.exceptions import ContactImportError
from intake.imports import import_contacts
from tests.base import PersonasTestCase
from tests.intake.test_csv_import import HEADER, csv_bytes
from tests.intake.test_intake_form import URL, a_contact, intake_data

PLACE_HEADER = [*HEADER, "place_name", "place_type", "place_address", "place_postcode"]


class FormPlaceTests(PersonasTestCase):
    def test_a_contact_names_the_place_and_a_nursing_home_makes_a_cluster(self):
        self.client.force_login(self.carol)
        data = intake_data(
            a_contact(
                "Ana",
                "0611111111",
                place_name="EHPAD Les Tilleuls",
                place_type="nursing_home",
                place_postcode="93200",
            ),
            a_contact("Rui", "0622222222"),
        )
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(URL, data)
        exposures = list(Exposure.objects.order_by("pk"))
        self.assertEqual(exposures[0].place.name, "EHPAD Les Tilleuls")
        self.assertIsNone(exposures[1].place)
        self.assertEqual(Cluster.objects.get().place, exposures[0].place)

    def test_half_a_place_is_a_field_error(self):
        self.client.force_login(self.carol)
        data = intake_data(a_contact("Ana", "0611111111", place_name="", place_type="school"))
        response = self.client.post(URL, data)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Exposure.objects.exists())
        self.assertIn("place_name", response.context["formset"].forms[0].errors)


class ApiPlaceTests(PersonasTestCase):
    def setUp(self):
        self.api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        self.api.force_login(self.carol)

    def post(self, **place):
        today = timezone.localdate().isoformat()
        data = {
            "first_name": "Paul",
            "last_name": "Martin",
            "phone": "06 12 34 56 78",
            "language": "fr",
            "territory": "93",
            "sampled_at": today,
            "contacts": [
                {
                    "first_name": "Ana",
                    "last_name": "Silva",
                    "phone": "0611111111",
                    "language": "fr",
                    "exposure_type": "close",
                    "last_exposure_date": today,
                    "place": place,
                }
            ],
        }
        return self.api.post("/api/v1/index-cases/", data, format="json")

    def test_it_takes_an_optional_place(self):
        response = self.post(name="Lycée Voltaire", type="school", postcode="93100")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(Exposure.objects.get().place.name, "Lycée Voltaire")

    def test_a_bad_place_is_a_nested_field_error_and_nothing_is_created(self):
        response = self.post(name="Lycée Voltaire", type="spa", postcode="931")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()["contacts"][0]["place"]), {"type"})
        response = self.post(name="Lycée Voltaire", type="school", postcode="931")
        self.assertEqual(set(response.json()["contacts"][0]["place"]), {"postcode"})
        self.assertFalse(Place.objects.exists())


@override_settings(LANGUAGE_CODE="en")
class CsvPlaceTests(PersonasTestCase):
    def setUp(self):
        self.case = self.register_case(self.t93, external_ref="LAB-1").index_case
        self.day = timezone.localdate().isoformat()

    def row(self, name, phone, *place):
        return ["LAB-1", name, "Durand", phone, "fr", "close", self.day, *place]

    def test_the_place_columns_are_optional(self):
        result = import_contacts(
            territory=self.t93,
            content=csv_bytes([self.row("Léa", "0611111111")]),
            now=timezone.now(),
        )
        self.assertEqual(result.created, 1)

    def test_it_reads_the_place_of_each_row(self):
        content = csv_bytes(
            [
                self.row("Léa", "0611111111", "Usine Nord", "workplace", "1 rue X", "93200"),
                self.row("Jo", "0622222222", "USINE NORD", "Workplace", "1, rue X", ""),
                self.row("Al", "0633333333", "", "", "", ""),
            ],
            header=PLACE_HEADER,
            delimiter=";",
        )
        import_contacts(territory=self.t93, content=content, now=timezone.now())
        self.assertEqual(Place.objects.count(), 1)
        self.assertEqual(Exposure.objects.filter(place__isnull=False).count(), 2)

    def test_a_bad_place_is_a_row_error_with_its_line(self):
        content = csv_bytes(
            [
                self.row("Léa", "0611111111", "Usine Nord", "workplace", "", ""),
                self.row("Jo", "0622222222", "", "factory", "", "9320"),
            ],
            header=PLACE_HEADER,
        )
        with self.assertRaises(ContactImportError) as raised:
            import_contacts(territory=self.t93, content=content, now=timezone.now())
        errors = raised.exception.errors
        self.assertEqual(len(errors), 3)
        self.assertTrue(all(e.startswith("line 3") for e in errors), errors)
        self.assertFalse(Place.objects.exists())
