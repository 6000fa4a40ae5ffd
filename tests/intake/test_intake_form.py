from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from calls.models import CallTask
from cases.models import Exposure, IndexCase, Person, Phone
from tests.base import PersonasTestCase

URL = reverse("intake:index-case-new")


def intake_data(*contacts: dict, **case) -> dict:
    today = timezone.localdate().isoformat()
    data = {
        "first_name": "Paul",
        "last_name": "Martin",
        "phone": "06 12 34 56 78",
        "phone_2": "",
        "language": "fr",
        "sampled_on": today,
        "symptom_onset_on": "",
        "external_ref": "",
        "contacts-TOTAL_FORMS": str(len(contacts)),
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "100",
    }
    data.update(case)
    for i, values in enumerate(contacts):
        row = {
            "first_name": "",
            "last_name": "",
            "phone": "",
            "language": "fr",
            "exposure_type": "",
            "last_exposure_date": "",
        }
        row.update(values)
        data.update({f"contacts-{i}-{key}": value for key, value in row.items()})
    return data


def a_contact(first_name: str, phone: str, **values) -> dict:
    return {
        "first_name": first_name,
        "last_name": "Silva",
        "phone": phone,
        "language": "pt",
        "exposure_type": "household",
        "last_exposure_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        **values,
    }


class IntakeFormTests(PersonasTestCase):
    def test_it_registers_the_case_its_contacts_and_their_calls(self):
        self.client.force_login(self.carol)
        data = intake_data(
            a_contact("Ana", "0611111111"),
            a_contact("Rui", "+351 912 345 678", exposure_type="close"),
            {},  # An empty row is skipped.
            phone_2="01 48 00 00 00",
            external_ref="LAB-42",
        )
        response = self.client.post(URL, data)
        case = IndexCase.objects.get()
        self.assertRedirects(
            response,
            reverse("intake:index-case-detail", args=[case.pk]),
            fetch_redirect_response=False,
        )
        self.assertEqual(case.territory, self.t93)
        self.assertEqual(case.source, IndexCase.Source.FORM)
        self.assertEqual(case.external_ref, "LAB-42")
        self.assertEqual(case.created_by, self.carol)
        self.assertEqual(
            list(case.person.phones.values_list("number", flat=True)),
            ["+33612345678", "+33148000000"],
        )
        self.assertEqual(
            timezone.localtime(case.sampled_at, self.t93.zone).date(), timezone.localdate()
        )
        exposures = case.exposures.order_by("pk")
        self.assertEqual([e.exposure_type for e in exposures], ["household", "close"])
        self.assertEqual(exposures[1].person.phones.get().number, "+351912345678")
        self.assertEqual(
            CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION).count(), 2
        )
        self.assertEqual(
            CallTask.objects.filter(
                reason=CallTask.Reason.INDEX_INTERVIEW, index_case=case
            ).count(),
            1,
        )
        follow = self.client.get(response["Location"])
        self.assertEqual([m.level_tag for m in follow.context["messages"]], ["success"])

    def test_it_reads_national_numbers_in_the_territory_region(self):
        zoe_admin = self.root
        self.client.force_login(zoe_admin)
        response = self.client.post(
            URL,
            intake_data(
                a_contact("Ana", "0692 12 34 56"), territory=self.t974.pk, phone="0262 12 34 56"
            ),
        )
        self.assertEqual(response.status_code, 302)
        case = IndexCase.objects.get()
        self.assertEqual(case.territory, self.t974)
        self.assertEqual(case.person.phones.get().number, "+262262123456")
        self.assertEqual(Phone.objects.get(person__last_name="Silva").number, "+262692123456")

    def test_it_shows_a_bad_phone_on_its_field_and_creates_nothing(self):
        self.client.force_login(self.bob)
        data = intake_data(a_contact("Ana", "0611111111"), a_contact("Rui", "12"))
        response = self.client.post(URL, data)
        self.assertEqual(response.status_code, 200)
        formset = response.context["formset"]
        self.assertFalse(formset.forms[0].errors)
        self.assertEqual(list(formset.forms[1].errors), ["phone"])
        self.assertIn("12", formset.forms[1].errors["phone"][0])
        self.assertContains(response, 'class="errorlist')
        self.assertEqual(IndexCase.objects.count(), 0)
        self.assertEqual(Person.objects.count(), 0)
        self.assertEqual(Exposure.objects.count(), 0)
        self.assertEqual(CallTask.objects.count(), 0)

    def test_it_keeps_what_was_typed_when_it_shows_errors(self):
        self.client.force_login(self.carol)
        data = intake_data(
            a_contact("Ana", "0611111111"),
            a_contact("Rui", "abc"),
            last_name="Dupont-Aignan",
            phone="nope",
        )
        response = self.client.post(URL, data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("phone", response.context["form"].errors)
        self.assertContains(response, 'value="Dupont-Aignan"')
        self.assertContains(response, 'value="Ana"')
        self.assertContains(response, 'value="Rui"')
        self.assertContains(response, 'value="abc"')
        self.assertContains(response, 'name="contacts-TOTAL_FORMS" value="2"')
        self.assertEqual(IndexCase.objects.count(), 0)

    def test_it_refuses_a_date_in_the_future(self):
        self.client.force_login(self.carol)
        tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
        response = self.client.post(
            URL, intake_data(a_contact("Ana", "0611111111", last_exposure_date=tomorrow))
        )
        self.assertIn("last_exposure_date", response.context["formset"].forms[0].errors)
        self.assertEqual(IndexCase.objects.count(), 0)

    def test_it_answers_a_known_reference_with_the_existing_case(self):
        existing = self.register_case(self.t93, external_ref="LAB-7").index_case
        self.client.force_login(self.carol)
        response = self.client.post(
            URL, intake_data(a_contact("Ana", "0611111111"), external_ref="LAB-7")
        )
        self.assertRedirects(
            response,
            reverse("intake:index-case-detail", args=[existing.pk]),
            fetch_redirect_response=False,
        )
        self.assertEqual(IndexCase.objects.count(), 1)
        self.assertEqual(Exposure.objects.count(), 0)

    def test_it_ignores_a_territory_sent_by_a_non_superuser(self):
        self.client.force_login(self.carol)
        self.client.post(URL, intake_data(territory=self.t75.pk))
        self.assertEqual(IndexCase.objects.get().territory, self.t93)

    def test_it_adds_a_row_without_javascript(self):
        self.client.force_login(self.carol)
        data = intake_data(a_contact("Ana", "0611111111"), add_contact="1")
        response = self.client.post(URL, data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["formset"].forms), 2)
        self.assertContains(response, 'name="contacts-1-first_name"')
        self.assertContains(response, 'value="Ana"')
        self.assertEqual(IndexCase.objects.count(), 0)

    def test_it_serves_an_empty_row_to_htmx(self):
        self.client.force_login(self.carol)
        response = self.client.get(
            reverse("intake:contact-form-row"),
            {"contacts-TOTAL_FORMS": "3"},
            HTTP_HX_REQUEST="true",
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="contacts-3-phone"')
        self.assertContains(response, 'name="contacts-TOTAL_FORMS" value="4"')
        self.assertContains(response, 'hx-swap-oob="true"')
        self.assertNotContains(response, "<html")

    def test_it_refuses_a_bad_row_request(self):
        self.client.force_login(self.carol)
        self.assertEqual(
            self.client.get(
                reverse("intake:contact-form-row"), {"contacts-TOTAL_FORMS": "x"}
            ).status_code,
            400,
        )
        self.assertEqual(
            self.client.get(
                reverse("intake:contact-form-row"), {"contacts-TOTAL_FORMS": "100"}
            ).status_code,
            204,
        )

    def test_it_wires_the_add_button_to_htmx(self):
        self.client.force_login(self.carol)
        response = self.client.get(URL)
        self.assertContains(response, f'hx-get="{reverse("intake:contact-form-row")}"')
        self.assertContains(response, 'hx-include="#id_contacts-TOTAL_FORMS"')
        self.assertContains(response, 'id="id_contacts-TOTAL_FORMS"')
        self.assertNotContains(response, 'name="territory"')
