"""A doctor declares a patient and their contacts (issue 16): the form, the case it creates, the
doctor's own list and case page, and what a doctor may not read."""

from datetime import timedelta

from django.contrib.messages import get_messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from calls.models import CallTask, SmsMessage
from cases.models import Exposure, IndexCase, Person, PersonAccess, Phone
from intake.selectors import Progress
from tests.base import PersonasTestCase, make_doctor

RPPS_HOUSE = "10003456786"
RPPS_OTHER = "10093012341"


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (IndexCase, Person, Phone, Exposure, CallTask))


def yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def declaration(*contacts: dict, **overrides) -> dict:
    """The form's POST data: a patient of Saint-Denis (93) and these contacts."""
    data = {
        "first_name": "Paul",
        "last_name": "Martin",
        "birth_date": "1970-05-04",
        "address": "12 rue de la République",
        "postcode": "93200",
        "city": "Saint-Denis",
        "phone": "06 12 34 56 78",
        "phone_2": "",
        "language": "fr",
        "sampled_on": yesterday(),
        "symptom_onset_on": "",
        "external_ref": "",
        "contacts-TOTAL_FORMS": str(len(contacts)),
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "100",
    }
    for index, contact in enumerate(contacts):
        data.update({f"contacts-{index}-{name}": value for name, value in contact.items()})
    return data | overrides


def contact_row(last_name: str, phone: str, language: str = "fr", kind: str = "close") -> dict:
    return {
        "first_name": "Ana",
        "last_name": last_name,
        "phone": phone,
        "language": language,
        "exposure_type": kind,
        "last_exposure_date": (timezone.localdate() - timedelta(days=2)).isoformat(),
    }


class DoctorTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Practises in Seine-Saint-Denis; another doctor in Paris.
        cls.house = make_doctor("house", RPPS_HOUSE, cls.t93)
        cls.quinn = make_doctor("quinn", RPPS_OTHER, cls.t75)

    def declare(self, data: dict, user=None):
        self.client.force_login(user or self.house)
        return self.client.post(reverse("intake:declaration-new"), data)


class DeclarationFormTests(DoctorTestCase):
    def test_it_shows_the_form_to_a_doctor(self):
        self.client.force_login(self.house)
        response = self.client.get(reverse("intake:declaration-new"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="postcode"')
        self.assertContains(response, reverse("intake:declaration-contact-row"))
        self.assertNotContains(response, 'name="territory"')

    def test_it_registers_the_patient_and_queues_every_call(self):
        response = self.declare(
            declaration(
                contact_row("Silva", "0611111111", "pt", "household"),
                contact_row("Yilmaz", "07 81 22 22 22", "tr"),
            )
        )
        case = IndexCase.objects.get()
        self.assertRedirects(response, reverse("intake:declaration-detail", args=[case.pk]))
        self.assertEqual(
            (case.source, case.created_by, case.territory), ("doctor", self.house, self.t93)
        )
        self.assertEqual(case.person.address, "12 rue de la République, 93200 Saint-Denis")
        self.assertEqual(str(case.person.birth_date), "1970-05-04")
        self.assertEqual(CallTask.objects.filter(territory=self.t93).count(), 3)
        self.assertEqual(
            sorted(e.person.last_name for e in case.exposures.all()), ["Silva", "Yilmaz"]
        )
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        self.assertEqual(len(messages), 1)
        self.assertIn("2", messages[0])

    def test_it_creates_the_same_rows_as_the_index_case_api(self):
        """The same patient and contacts by the form and by POST /api/v1/index-cases/: the same
        people, phones, exposures and calls (deadlines, priorities, languages)."""
        contacts = [
            contact_row("Silva", "0611111111", "pt", "household"),
            contact_row("Yilmaz", "07 81 22 22 22", "tr"),
        ]

        def shape(case: IndexCase) -> dict:
            tasks = CallTask.objects.filter(
                person__in=[case.person_id, *case.exposures.values_list("person", flat=True)]
            ).order_by("reason", "person__last_name")
            return {
                "case": (case.territory_id, case.sampled_at, case.symptom_onset_on),
                "person": (case.person.first_name, case.person.last_name, case.person.language_id),
                "phones": list(case.person.phones.values_list("number", flat=True)),
                "exposures": [
                    (
                        e.person.last_name,
                        e.person.language_id,
                        e.exposure_type,
                        e.last_exposure_date,
                    )
                    for e in case.exposures.order_by("person__last_name")
                ],
                "tasks": [
                    (
                        t.reason,
                        t.person.last_name,
                        t.language_id,
                        t.priority,
                        t.status,
                        t.deadline_at - case.identified_at,
                        t.territory_id,
                    )
                    for t in tasks
                ],
                "counts": counts(),
            }

        # Each way in on an empty database: the second would find the first one's contacts.
        with transaction.atomic():
            self.declare(declaration(*contacts, birth_date=""))
            by_form = shape(IndexCase.objects.get())
            transaction.set_rollback(True)
        api = APIClient()
        api.force_authenticate(self.carol)
        response = api.post(
            reverse("api:register-index-case"),
            {
                "first_name": "Paul",
                "last_name": "Martin",
                "phone": "06 12 34 56 78",
                "language": "fr",
                "territory": "93",
                "sampled_at": yesterday(),
                "contacts": contacts,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(by_form, shape(IndexCase.objects.get()))

    def test_the_case_goes_to_the_patients_territory_not_the_doctors(self):
        self.declare(
            declaration(contact_row("Leroy", "0622222222"), postcode="75011", city="Paris")
        )
        case = IndexCase.objects.get()
        self.assertEqual(case.territory, self.t75)
        self.assertEqual(set(CallTask.objects.values_list("territory", flat=True)), {self.t75.pk})
        self.assertEqual(case.person.territory, self.t75)

    def test_a_reunion_postcode_reads_phones_in_la_reunion(self):
        self.declare(
            declaration(
                contact_row("Payet", "0692 12 34 56"),
                postcode="97400",
                city="Saint-Denis",
                phone="0692 11 22 33",
            )
        )
        case = IndexCase.objects.get()
        self.assertEqual(case.territory, self.t974)
        self.assertEqual(case.person.phones.get().number, "+262692112233")
        self.assertEqual(case.exposures.get().person.phones.get().number, "+262692123456")

    def test_a_postcode_without_a_territory_is_a_field_error(self):
        response = self.declare(declaration(contact_row("Silva", "0611111111"), postcode="13001"))
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        self.assertEqual(list(errors), ["postcode"])
        self.assertIn("13", errors["postcode"][0])
        self.assertEqual(counts(), (0, 0, 0, 0, 0))

    def test_a_bad_contact_row_writes_nothing(self):
        response = self.declare(
            declaration(contact_row("Silva", "0611111111"), contact_row("Faux", "12"))
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["formset"].errors[1]["phone"])
        self.assertEqual(counts(), (0, 0, 0, 0, 0))

    def test_the_same_file_number_twice_records_the_patient_once(self):
        data = declaration(contact_row("Silva", "0611111111"), external_ref="D-2026-12")
        self.declare(data)
        response = self.declare(data)
        case = IndexCase.objects.get()
        self.assertRedirects(response, reverse("intake:declaration-detail", args=[case.pk]))
        self.assertEqual(case.external_ref, f"{RPPS_HOUSE}/D-2026-12")

    def test_two_doctors_file_numbers_are_their_own(self):
        data = declaration(external_ref="D-1")
        self.declare(data)
        self.declare(data | {"phone": "0699999999"}, user=self.quinn)
        self.assertEqual(IndexCase.objects.count(), 2)
        self.assertEqual(IndexCase.objects.filter(created_by=self.quinn).count(), 1)

    def test_adding_a_row_without_javascript_shows_the_form_again(self):
        response = self.declare(declaration() | {"add_contact": "1"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["formset"].forms), 1)
        self.assertEqual(counts(), (0, 0, 0, 0, 0))

    def test_the_contact_row_endpoint_serves_a_doctor(self):
        self.client.force_login(self.house)
        url = reverse("intake:declaration-contact-row") + "?contacts-TOTAL_FORMS=1"
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="contacts-1-phone"')


class DeclarationListTests(DoctorTestCase):
    def test_it_lists_only_the_doctors_own_declarations_with_progress(self):
        self.declare(declaration(contact_row("Silva", "0611111111")))
        self.declare(declaration(last_name="Autre", phone="0699999999"), user=self.quinn)
        self.register_case(self.t93, name="Stafflisted")
        self.client.force_login(self.house)
        response = self.client.get(reverse("intake:declaration-list"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Martin")
        self.assertContains(response, "Silva")
        self.assertNotContains(response, "Autre")
        self.assertNotContains(response, "Stafflisted")
        # No phone number and no agent on a doctor's page.
        self.assertNotContains(response, "+3361")
        self.assertEqual(
            [row.progress for row in response.context["declarations"][0].contacts],
            [Progress.QUEUED],
        )

    def test_it_logs_every_person_shown(self):
        self.declare(declaration(contact_row("Silva", "0611111111")))
        self.client.force_login(self.house)
        self.client.get(reverse("intake:declaration-list"))
        self.assertEqual(
            PersonAccess.objects.filter(user=self.house, what="declaration-list").count(), 2
        )

    def test_its_query_count_does_not_grow_with_the_page(self):
        self.declare(declaration(contact_row("Silva", "0611111111")))
        self.client.force_login(self.house)
        url = reverse("intake:declaration-list")
        self.client.get(url)  # warm the session and the caches
        with self.assertNumQueries(9):
            self.client.get(url)
        for index in range(3):
            self.declare(
                declaration(
                    contact_row(f"C{index}", f"061111222{index}"),
                    contact_row(f"D{index}", f"061111333{index}"),
                    phone=f"069999888{index}",
                )
            )
        self.client.force_login(self.house)
        with self.assertNumQueries(9):
            response = self.client.get(url)
        self.assertEqual(len(response.context["declarations"]), 4)

    def test_it_pages_newest_first(self):
        self.declare(declaration(last_name="Premier"))
        self.declare(declaration(last_name="Second", phone="0699999999"))
        self.client.force_login(self.house)
        response = self.client.get(reverse("intake:declaration-list"))
        names = [d.patient.person.last_name for d in response.context["declarations"]]
        self.assertEqual(names, ["Second", "Premier"])

    def test_the_case_page_of_another_doctor_is_not_found(self):
        self.declare(declaration(contact_row("Silva", "0611111111")), user=self.quinn)
        case = IndexCase.objects.get()
        self.client.force_login(self.house)
        response = self.client.get(reverse("intake:declaration-detail", args=[case.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertFalse(PersonAccess.objects.filter(user=self.house).exists())

    def test_the_case_page_shows_the_declared_patient_and_logs_the_read(self):
        self.declare(declaration(contact_row("Silva", "0611111111")))
        case = IndexCase.objects.get()
        self.client.force_login(self.house)
        response = self.client.get(reverse("intake:declaration-detail", args=[case.pk]))
        self.assertContains(response, "Silva")
        self.assertEqual(
            PersonAccess.objects.filter(user=self.house, what="declaration-detail").count(), 2
        )

    def test_a_staff_case_is_not_a_declaration(self):
        case = self.register_case(self.t93).index_case
        self.client.force_login(self.house)
        response = self.client.get(reverse("intake:declaration-detail", args=[case.pk]))
        self.assertEqual(response.status_code, 404)


class ProgressTests(DoctorTestCase):
    """Where each person stands, read from their call, the SMS sent and what was recorded."""

    def progress(self) -> list[Progress]:
        self.client.force_login(self.house)
        response = self.client.get(reverse("intake:declaration-list"))
        (declared,) = response.context["declarations"]
        return [declared.patient.progress, *(row.progress for row in declared.contacts)]

    def setUp(self):
        super().setUp()
        self.declare(
            declaration(
                contact_row("Reached", "0611111111"),
                contact_row("Sms", "0622222222"),
                contact_row("Escalated", "0633333333"),
                contact_row("Missed", "0644444444"),
            )
        )
        self.tasks = {
            t.person.last_name: t
            for t in CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION)
        }

    def test_it_reads_each_state(self):
        now = timezone.now()
        CallTask.objects.filter(pk=self.tasks["Reached"].pk).update(status="done", closed_at=now)
        SmsMessage.objects.create(
            task=self.tasks["Sms"], phone="+33622222222", body="Texte", status="sent", sent_at=now
        )
        CallTask.objects.filter(pk=self.tasks["Escalated"].pk).update(
            status="escalated", escalated_at=now, escalation_reason="max_attempts"
        )
        CallTask.objects.filter(pk=self.tasks["Missed"].pk).update(
            deadline_at=now - timedelta(minutes=1)
        )
        self.assertEqual(
            self.progress(),
            [
                Progress.QUEUED,
                Progress.REACHED,
                Progress.NOTIFIED_BY_SMS,
                Progress.ESCALATED,
                Progress.MISSED,
            ],
        )

    def test_a_call_closed_without_reaching_is_missed(self):
        CallTask.objects.filter(pk=self.tasks["Reached"].pk).update(
            status="closed", closed_reason="unreachable", closed_at=timezone.now()
        )
        self.assertEqual(self.progress()[1], Progress.MISSED)


class DoctorRightsTests(DoctorTestCase):
    """A doctor is not staff: no queue, no desk, no board, no case list, nobody else's patient."""

    def test_a_doctor_lands_on_their_declarations(self):
        response = self.client.post(
            reverse("login"), {"username": "house", "password": "Secret-Password-1"}
        )
        self.assertRedirects(response, reverse("intake:declaration-list"))

    def test_the_home_page_offers_the_doctors_pages(self):
        self.client.force_login(self.house)
        response = self.client.get(reverse("agents:home"))
        self.assertContains(response, reverse("intake:declaration-new"))
        self.assertNotContains(response, f'href="{reverse("intake:index-case-list")}"')

    def test_it_refuses_the_staffs_pages(self):
        case = self.register_case(self.t93).index_case
        self.client.force_login(self.house)
        for url in [
            reverse("calls:desk"),
            reverse("supervision:plateau"),
            reverse("supervision:queue-health"),
            reverse("intake:index-case-list"),
            reverse("intake:index-case-detail", args=[case.pk]),
            reverse("intake:index-case-new"),
            reverse("intake:contact-import"),
            reverse("workforce:hub"),
        ]:
            with self.subTest(url=url):
                self.assertIn(self.client.get(url).status_code, (403, 404))
        self.assertEqual(self.client.post(reverse("calls:claim-next")).status_code, 403)
        self.assertFalse(PersonAccess.objects.exists())

    def test_it_refuses_the_doctors_pages_to_staff(self):
        for user in (self.alice, self.carol, self.labfeed):
            self.client.force_login(user)
            for name in ("intake:declaration-list", "intake:declaration-new"):
                with self.subTest(user=user.username, page=name):
                    self.assertEqual(self.client.get(reverse(name)).status_code, 403)

    def test_it_sends_anonymous_users_to_the_login_page(self):
        for name in ("intake:declaration-list", "intake:declaration-new"):
            response = self.client.get(reverse(name))
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_a_wrong_method(self):
        self.client.force_login(self.house)
        self.assertEqual(self.client.post(reverse("intake:declaration-list")).status_code, 405)
        self.assertEqual(self.client.delete(reverse("intake:declaration-new")).status_code, 405)

    def test_a_medecin_without_a_doctors_profile_cannot_declare(self):
        from django.contrib.auth.models import Group

        self.alice.groups.set([Group.objects.get(name="medecin")])
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("intake:declaration-new")).status_code, 403)
