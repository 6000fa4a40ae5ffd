"""POST and GET /api/v1/doctor/declarations/ (issue 16): a doctor's declarations by API."""

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from calls.models import CallTask
from cases.models import Exposure, IndexCase, Person, PersonAccess, Phone
from tests.api.base import ApiTestCase
from tests.base import make_doctor


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (IndexCase, Person, Phone, Exposure, CallTask))


class DoctorDeclarationsApiTests(ApiTestCase):
    url_name = "api:doctor-declarations"

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.house = make_doctor("house", "10003456786", cls.t93)
        cls.quinn = make_doctor("quinn", "10093012341", cls.t75)

    def declaration(self, *contacts, **overrides) -> dict:
        return {
            "first_name": "Paul",
            "last_name": "Martin",
            "phone": "06 12 34 56 78",
            "language": "fr",
            "postcode": "93200",
            "address": "12 rue de la République, 93200 Saint-Denis",
            "sampled_at": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "contacts": list(contacts),
            **overrides,
        }

    @staticmethod
    def contact(last_name: str, phone: str, language: str = "fr", **overrides) -> dict:
        return {
            "first_name": "Ana",
            "last_name": last_name,
            "phone": phone,
            "language": language,
            "exposure_type": "household",
            "last_exposure_date": (timezone.localdate() - timedelta(days=2)).isoformat(),
            **overrides,
        }

    def test_it_declares_the_patient_in_the_postcodes_territory(self):
        response = self.post(
            self.declaration(
                self.contact("Silva", "0611111111", "pt"), self.contact("Leroy", "0622222222")
            ),
            user=self.house,
        )
        self.assertEqual(response.status_code, 201, response.json())
        case = IndexCase.objects.get()
        self.assertEqual(
            (case.source, case.created_by, case.territory), ("doctor", self.house, self.t93)
        )
        self.assertEqual(case.person.address, "12 rue de la République, 93200 Saint-Denis")
        body = response.json()
        self.assertEqual((body["id"], body["territory"]), (case.pk, "93"))
        interview = case.call_tasks.get(reason=CallTask.Reason.INDEX_INTERVIEW)
        self.assertEqual(
            datetime.fromisoformat(body["interview_deadline_at"]), interview.deadline_at
        )
        exposures = list(case.exposures.order_by("pk"))
        self.assertEqual([c["id"] for c in body["contacts"]], [e.pk for e in exposures])
        self.assertEqual(CallTask.objects.filter(status="queued").count(), 3)

    def test_a_patient_of_paris_goes_to_paris(self):
        response = self.post(self.declaration(postcode="75011", address=""), user=self.house)
        self.assertEqual(response.status_code, 201)
        case = IndexCase.objects.get()
        self.assertEqual(case.territory, self.t75)
        self.assertEqual(case.person.address, "75011")

    def test_it_answers_field_errors_and_writes_nothing(self):
        cases = {
            "postcode": self.declaration(postcode="13001"),
            "phone": self.declaration(phone="12"),
            "contacts": self.declaration(
                self.contact("Silva", "0611111111"), self.contact("X", "1")
            ),
        }
        for field, data in cases.items():
            with self.subTest(field=field):
                response = self.post(data, user=self.house)
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.json())
        self.assertEqual(self.post({}, user=self.house).json().keys(), {"postcode"})
        self.assertEqual(counts(), (0, 0, 0, 0, 0))

    def test_a_resent_file_number_answers_the_existing_case(self):
        data = self.declaration(self.contact("Silva", "0611111111"), external_ref="D-7")
        first = self.post(data, user=self.house)
        again = self.post(data, user=self.house)
        self.assertEqual((first.status_code, again.status_code), (201, 200))
        self.assertEqual(first.json(), again.json())
        self.assertEqual(IndexCase.objects.count(), 1)
        # Another doctor's D-7 is another patient.
        other = self.post(data | {"phone": "0699999999"}, user=self.quinn)
        self.assertEqual(other.status_code, 201)

    def test_it_lists_the_doctors_own_declarations_with_progress(self):
        self.post(
            self.declaration(self.contact("Silva", "0611111111"), external_ref="D-1"),
            user=self.house,
        )
        self.post(self.declaration(last_name="Autre", phone="0699999999"), user=self.quinn)
        response = self.as_token(self.house).get(self.url)
        self.assertEqual(response.status_code, 200)
        (item,) = response.json()
        self.assertEqual(item["external_ref"], "D-1")
        self.assertEqual(item["patient"]["last_name"], "Martin")
        self.assertEqual(item["patient"]["progress"], "queued")
        self.assertEqual([c["last_name"] for c in item["contacts"]], ["Silva"])
        self.assertEqual(item["contacts"][0]["progress"], "queued")
        self.assertNotIn("phone", item["patient"])
        self.assertEqual(
            PersonAccess.objects.filter(user=self.house, what="api-declaration-list").count(), 2
        )

    def test_it_answers_404_past_the_last_page(self):
        self.as_token(self.house)
        self.assertEqual(self.api.get(self.url, {"page": 2}).status_code, 404)
        self.assertEqual(self.api.get(self.url).json(), [])

    def test_it_refuses_anonymous_callers_other_roles_and_methods(self):
        self.assertEqual(self.api.post(self.url, {}, format="json").status_code, 401)
        self.assertEqual(self.api.get(self.url).status_code, 401)
        for user in (self.carol, self.alice, self.labfeed):
            with self.subTest(user=user.username):
                self.assertEqual(self.post(self.declaration(), user=user).status_code, 403)
                self.assertEqual(self.api.get(self.url).status_code, 403)
        self.assertEqual(
            self.as_token(self.house).put(self.url, {}, format="json").status_code, 405
        )
        self.assertEqual(counts(), (0, 0, 0, 0, 0))

    def test_a_doctor_cannot_use_the_staffs_endpoints(self):
        self.as_token(self.house)
        for name, method in (
            ("api:claim-next", "post"),
            ("api:supervision-agents", "get"),
            ("api:register-index-case", "post"),
        ):
            with self.subTest(name=name):
                response = getattr(self.api, method)(reverse(name), {}, format="json")
                self.assertEqual(response.status_code, 403)


class DoctorDeclarationsSchemaTests(ApiTestCase):
    def test_both_operations_are_in_the_schema(self):
        schema = self.client.get("/api/schema/", {"format": "json"}).json()
        path = schema["paths"]["/api/v1/doctor/declarations/"]
        request = path["post"]["requestBody"]["content"]["application/json"]["schema"]
        self.assertEqual(request, {"$ref": "#/components/schemas/DoctorDeclarationInput"})
        created = path["post"]["responses"]["201"]["content"]["application/json"]["schema"]
        self.assertEqual(created, {"$ref": "#/components/schemas/DeclarationResult"})
        listed = path["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        self.assertEqual(listed["items"], {"$ref": "#/components/schemas/Declaration"})
        properties = schema["components"]["schemas"]["DoctorDeclarationInput"]["properties"]
        self.assertIn("postcode", properties)
        self.assertNotIn("territory", properties)
