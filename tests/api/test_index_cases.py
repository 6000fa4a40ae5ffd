from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from calls.models import CallTask
from cases.models import Exposure, IndexCase, Person, Phone
from tests.api.base import ApiTestCase


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (IndexCase, Person, Phone, Exposure, CallTask))


class RegisterIndexCaseTests(ApiTestCase):
    url_name = "api:register-index-case"

    def intake(self, *contacts, **overrides) -> dict:
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        return {
            "first_name": "Paul",
            "last_name": "Martin",
            "phone": "06 12 34 56 78",
            "language": "fr",
            "territory": "93",
            "sampled_at": yesterday,
            "contacts": list(contacts),
            **overrides,
        }

    @staticmethod
    def contact(
        last_name: str, phone: str, language: str = "fr", exposure_type: str = "close", **overrides
    ) -> dict:
        return {
            "first_name": "Ana",
            "last_name": last_name,
            "phone": phone,
            "language": language,
            "exposure_type": exposure_type,
            "last_exposure_date": (timezone.localdate() - timedelta(days=2)).isoformat(),
            **overrides,
        }

    def test_it_registers_the_case_and_queues_every_call(self):
        data = self.intake(
            self.contact("Silva", "0611111111", "pt", "household"),
            self.contact("Yilmaz", "+44 7911 123456", "tr"),
            self.contact("Diarra", "07 81 22 22 22", "snk"),
        )
        response = self.post(data, user=self.carol)
        self.assertEqual(response.status_code, 201)
        case = IndexCase.objects.get()
        self.assertEqual(case.territory, self.t93)
        self.assertEqual((case.source, case.created_by), ("api", self.carol))
        self.assertEqual(case.person.phones.get().number, "+33612345678")
        exposures = list(case.exposures.order_by("pk"))
        self.assertEqual([e.person.last_name for e in exposures], ["Silva", "Yilmaz", "Diarra"])
        self.assertEqual(
            [e.person.phones.get().number for e in exposures],
            ["+33611111111", "+447911123456", "+33781222222"],
        )
        self.assertEqual([e.person.language_id for e in exposures], ["pt", "tr", "snk"])
        self.assertEqual(exposures[0].exposure_type, "household")
        self.assertEqual(Person.objects.count(), 4)
        interview = CallTask.objects.get(reason=CallTask.Reason.INDEX_INTERVIEW)
        self.assertEqual(interview.index_case, case)
        tasks = CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION)
        self.assertEqual(tasks.count(), 3)
        for task in tasks:
            self.assertEqual(task.deadline_at, task.exposure.identified_at + timedelta(hours=24))
            self.assertEqual(task.exposure.identified_at, case.identified_at)
        body = response.json()
        self.assertEqual(body["id"], case.pk)
        self.assertEqual([c["id"] for c in body["contacts"]], [e.pk for e in exposures])
        for item, exposure in zip(body["contacts"], exposures, strict=True):
            self.assertEqual(
                datetime.fromisoformat(item["deadline_at"]), exposure.call_tasks.get().deadline_at
            )

    def test_it_registers_a_case_without_contacts(self):
        data = self.intake()
        del data["contacts"]
        response = self.post(data, user=self.carol, session=True)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json(), {"id": IndexCase.objects.get().pk, "contacts": []})
        self.assertEqual(CallTask.objects.get().reason, CallTask.Reason.INDEX_INTERVIEW)

    def test_it_lets_a_lab_feed_register_in_any_territory(self):
        data = self.intake(
            self.contact("Hoarau", "0692 65 43 21"), territory="974", phone="0692 12 34 56"
        )
        response = self.post(data, user=self.labfeed)
        self.assertEqual(response.status_code, 201)
        case = IndexCase.objects.get()
        self.assertEqual(
            (case.territory, case.source, case.created_by), (self.t974, "lab", self.labfeed)
        )
        # A Réunion number in national form, read in the territory's region.
        self.assertEqual(case.person.phones.get().number, "+262692123456")
        self.assertEqual(Phone.objects.get(person__last_name="Hoarau").number, "+262692654321")

    def test_it_lets_a_superuser_register_anywhere(self):
        response = self.post(self.intake(territory="75"), user=self.root)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(IndexCase.objects.get().territory, self.t75)

    def test_it_reads_a_plain_sample_date_as_local_midnight(self):
        day = timezone.localdate() - timedelta(days=3)
        response = self.post(
            self.intake(territory="974", phone="0692123456", sampled_at=day.isoformat()),
            user=self.labfeed,
        )
        self.assertEqual(response.status_code, 201)
        expected = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo("Indian/Reunion"))
        self.assertEqual(IndexCase.objects.get().sampled_at, expected)

    def test_it_takes_a_sample_datetime_with_its_offset(self):
        moment = (timezone.now() - timedelta(hours=5)).replace(microsecond=0)
        response = self.post(self.intake(sampled_at=moment.isoformat()), user=self.carol)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(IndexCase.objects.get().sampled_at, moment)

    def test_it_refuses_a_sample_in_the_future(self):
        tomorrow = timezone.now() + timedelta(days=1)
        local_tomorrow = timezone.localdate() + timedelta(days=1)
        for value in (tomorrow.isoformat(), local_tomorrow.isoformat(), "yesterday", "2026-02-30"):
            with self.subTest(sampled_at=value):
                response = self.post(self.intake(sampled_at=value), user=self.carol)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(list(response.json()), ["sampled_at"])
        self.assertEqual(counts(), (0, 0, 0, 0, 0))

    def test_it_refuses_an_exposure_in_the_future(self):
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        data = self.intake(self.contact("Silva", "0611111111", last_exposure_date=tomorrow))
        response = self.post(data, user=self.carol)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()["contacts"][0]), ["last_exposure_date"])

    def test_it_refuses_a_bad_phone_in_a_contact_and_creates_nothing(self):
        data = self.intake(self.contact("Silva", "0611111111"), self.contact("Yilmaz", "12"))
        response = self.post(data, user=self.carol)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(),
            {
                "contacts": [
                    {},
                    {
                        "phone": [
                            "Invalid phone number: 12 — too short: a French number has 10 "
                            "digits starting with 0 (2 given)"
                        ]
                    },
                ]
            },
        )
        self.assertEqual(counts(), (0, 0, 0, 0, 0))

    def test_it_reports_every_bad_field_at_once(self):
        data = self.intake(
            self.contact("Silva", "0611111111", exposure_type="neighbour"), phone="", language="xx"
        )
        response = self.post(data, user=self.carol)
        self.assertEqual(response.status_code, 400)
        errors = response.json()
        self.assertEqual(set(errors), {"phone", "language", "contacts"})
        self.assertEqual(errors["language"], ["unknown language code: xx"])
        self.assertEqual(list(errors["contacts"][0]), ["exposure_type"])

    def test_it_refuses_an_unknown_language(self):
        response = self.post(
            self.intake(self.contact("Silva", "0611111111", "xx")), user=self.carol
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(), {"contacts": [{"language": ["unknown language code: xx"]}]}
        )
        self.assertEqual(counts(), (0, 0, 0, 0, 0))

    def test_it_requires_the_mandatory_fields(self):
        response = self.post({"territory": "93", "contacts": [{}]}, user=self.carol)
        self.assertEqual(response.status_code, 400)
        errors = response.json()
        self.assertEqual(
            set(errors), {"first_name", "last_name", "phone", "language", "sampled_at", "contacts"}
        )
        self.assertEqual(
            set(errors["contacts"][0]),
            {"first_name", "last_name", "phone", "language", "exposure_type", "last_exposure_date"},
        )

    def test_it_refuses_an_unknown_territory(self):
        response = self.post(self.intake(territory="99"), user=self.labfeed)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["territory"])

    def test_it_answers_a_resent_reference_with_the_existing_case(self):
        data = self.intake(
            self.contact("Silva", "0611111111"),
            self.contact("Yilmaz", "0622222222"),
            external_ref="LAB-42",
        )
        first = self.post(data, user=self.labfeed)
        self.assertEqual(first.status_code, 201)
        before = counts()
        again = self.post(data, user=self.labfeed)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(counts(), before)

    def test_it_keeps_references_apart_between_territories(self):
        self.post(self.intake(external_ref="LAB-42"), user=self.labfeed)
        response = self.post(self.intake(territory="75", external_ref="LAB-42"), user=self.labfeed)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(IndexCase.objects.count(), 2)

    def test_it_asks_anonymous_callers_to_authenticate(self):
        response = self.post(self.intake())
        self.assertEqual(response.status_code, 401)
        self.assertEqual(counts(), (0, 0, 0, 0, 0))

    def test_it_refuses_other_roles(self):
        for user in (self.alice, self.bob, self.zoe):
            with self.subTest(user=user.username):
                self.assertEqual(self.post(self.intake(), user=user).status_code, 403)
        self.assertEqual(counts(), (0, 0, 0, 0, 0))

    def test_it_refuses_an_admin_of_another_territory(self):
        response = self.post(self.intake(self.contact("Silva", "12")), user=self.dave)
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("contacts", response.json())
        self.assertEqual(counts(), (0, 0, 0, 0, 0))

    def test_it_refuses_other_methods(self):
        self.as_token(self.carol)
        self.assertEqual(self.api.get(self.url).status_code, 405)
        self.assertEqual(self.api.put(self.url, self.intake(), format="json").status_code, 405)


class PhoneFormsTests(ApiTestCase):
    url_name = "api:register-index-case"

    def register(self, phone: str, territory: str = "93") -> str:
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        data = {
            "first_name": "Paul",
            "last_name": "Martin",
            "phone": phone,
            "language": "fr",
            "territory": territory,
            "sampled_at": yesterday,
        }
        response = self.post(data, user=self.root)
        self.assertEqual(response.status_code, 201, response.content)
        return IndexCase.objects.get(pk=response.json()["id"]).person.phones.get().number

    def test_it_stores_a_metropolitan_number_in_e164(self):
        self.assertEqual(self.register("06 12 34 56 78"), "+33612345678")

    def test_it_reads_a_reunion_number_in_the_territory_region(self):
        self.assertEqual(self.register("0692 12 34 56", territory="974"), "+262692123456")

    def test_it_keeps_a_foreign_number(self):
        self.assertEqual(self.register("+44 7911 123456"), "+447911123456")

    def test_it_takes_an_international_prefix_with_zeros(self):
        self.assertEqual(self.register("0033 6 12 34 56 78"), "+33612345678")
