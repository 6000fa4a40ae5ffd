"""Issue 13 part 6: case pages that work. Edit a case, add a contact later, the calls made to
each person, paginated contacts, a fast admin change page, and a search by anyone's name or
phone that is logged."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agents.models import Language
from calls.models import CallAttempt, CallTask
from cases.models import Exposure, IndexCase, Person, PersonAccess
from tests.base import PersonasTestCase, contact

LIST = reverse("intake:index-case-list")


def contacts_post(*rows: dict) -> dict:
    data = {
        "contacts-TOTAL_FORMS": str(len(rows)),
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "100",
    }
    for i, row in enumerate(rows):
        data |= {f"contacts-{i}-{key}": value for key, value in row.items()}
    return data


def contact_row(last_name: str, phone: str, **overrides) -> dict:
    return {
        "first_name": "Léa",
        "last_name": last_name,
        "phone": phone,
        "language": "fr",
        "exposure_type": "close",
        "last_exposure_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        **overrides,
    }


class CasePagesTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.result = cls.register_case(
            cls.t93,
            name="Martin",
            phone="0612345678",
            contacts=[contact("Ana", "Silva", "0611223344")],
        )
        cls.case = cls.result.index_case
        cls.other = cls.register_case(cls.t75, name="Durand", phone="0633333333").index_case

    def detail(self, user=None, **params):
        self.client.force_login(user or self.carol)
        return self.client.get(reverse("intake:index-case-detail", args=[self.case.pk]), params)


class EditCaseTests(CasePagesTestCase):
    url = staticmethod(lambda pk: reverse("intake:index-case-edit", args=[pk]))

    def form_data(self, **overrides) -> dict:
        return {
            "first_name": "Paul",
            "last_name": "Martin",
            "birth_date": "",
            "language": "fr",
            "sampled_on": timezone.localdate().isoformat(),
            "symptom_onset_on": "",
            "external_ref": "",
            **overrides,
        }

    def test_it_corrects_the_identity_and_moves_waiting_calls_to_the_new_language(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            self.url(self.case.pk),
            self.form_data(
                last_name="Martins", birth_date="1980-03-04", language="en", external_ref="LAB-9"
            ),
        )
        self.assertRedirects(response, reverse("intake:index-case-detail", args=[self.case.pk]))
        person = Person.objects.get(pk=self.case.person_id)
        self.assertEqual((person.last_name, str(person.birth_date)), ("Martins", "1980-03-04"))
        self.assertEqual(person.language_id, Language.objects.get(code="en").pk)
        self.assertEqual(IndexCase.objects.get(pk=self.case.pk).external_ref, "LAB-9")
        interview = CallTask.objects.get(pk=self.result.task.pk)
        self.assertEqual(interview.language.code, "en")
        # The deadline runs from the identification: it does not move.
        self.assertEqual(interview.deadline_at, self.result.task.deadline_at)

    def test_bad_dates_are_form_errors_and_nothing_changes(self):
        self.client.force_login(self.carol)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        response = self.client.post(
            self.url(self.case.pk),
            self.form_data(last_name="Autre", birth_date=tomorrow, sampled_on="0001-01-01"),
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.context["form"].errors), {"birth_date", "sampled_on"})
        self.assertEqual(Person.objects.get(pk=self.case.person_id).last_name, "Martin")

    def test_an_old_sample_date_left_as_it_is_is_kept(self):
        old = timezone.now() - timedelta(days=400)
        IndexCase.objects.filter(pk=self.case.pk).update(sampled_at=old)
        self.client.force_login(self.carol)
        sampled_on = timezone.localtime(old, self.t93.zone).date().isoformat()
        response = self.client.post(
            self.url(self.case.pk), self.form_data(first_name="Pierre", sampled_on=sampled_on)
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Person.objects.get(pk=self.case.person_id).first_name, "Pierre")

    def test_another_cases_reference_is_refused(self):
        IndexCase.objects.filter(pk=self.other.pk).update(territory=self.t93, external_ref="X-1")
        self.client.force_login(self.carol)
        response = self.client.post(self.url(self.case.pk), self.form_data(external_ref="X-1"))
        self.assertEqual(list(response.context["form"].errors), ["external_ref"])

    def test_another_territory_gets_404_and_a_teleconseiller_403(self):
        self.client.force_login(self.dave)
        self.assertEqual(self.client.get(self.url(self.case.pk)).status_code, 404)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url(self.case.pk)).status_code, 403)


class AddContactsLaterTests(CasePagesTestCase):
    def url(self):
        return reverse("intake:index-case-add-contacts", args=[self.case.pk])

    def test_contacts_added_later_get_their_call_queued(self):
        self.client.force_login(self.bob)
        response = self.client.post(self.url(), contacts_post(contact_row("Nouveau", "0655443322")))
        self.assertRedirects(response, reverse("intake:index-case-detail", args=[self.case.pk]))
        exposure = Exposure.objects.get(index_case=self.case, person__last_name="Nouveau")
        task = CallTask.objects.get(exposure=exposure)
        self.assertEqual(task.status, CallTask.Status.QUEUED)
        self.assertEqual(task.reason, CallTask.Reason.CONTACT_NOTIFICATION)

    def test_one_bad_row_records_nothing(self):
        self.client.force_login(self.bob)
        before = Exposure.objects.count()
        response = self.client.post(
            self.url(),
            contacts_post(contact_row("Bon", "0655443322"), contact_row("Mauvais", "12")),
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["formset"].errors[1]["phone"])
        self.assertEqual(Exposure.objects.count(), before)

    def test_another_territory_gets_404(self):
        self.client.force_login(self.dave)
        self.assertEqual(self.client.get(self.url()).status_code, 404)


class DetailPageTests(CasePagesTestCase):
    def test_the_calls_made_show_when_who_the_outcome_and_the_notes(self):
        CallAttempt.objects.create(
            task=self.result.task,
            agent=self.alice.agent,
            outcome=CallAttempt.Outcome.NO_ANSWER,
            phone="+33612345678",
            notes="Messagerie pleine, rappeler après 18 h",
        )
        response = self.detail()
        history = response.context["detail"].history
        self.assertEqual([a.outcome for a in history], ["no_answer"])
        self.assertContains(response, "Messagerie pleine, rappeler après 18 h")
        self.assertContains(response, self.alice.get_full_name() or "alice")

    def test_contacts_are_paginated_by_fifty(self):
        from calls.services.intake import add_contacts

        add_contacts(
            index_case=self.case,
            contacts=[contact("C", f"N{n:02d}", f"06700000{n:02d}") for n in range(55)],
            now=timezone.now(),
        )
        first = self.detail()
        self.assertEqual(len(first.context["detail"].contacts), 50)
        self.assertEqual(first.context["page"].paginator.count, 56)
        second = self.detail(page=2)
        self.assertEqual(len(second.context["detail"].contacts), 6)
        # Only the persons shown are logged as read.
        logged = PersonAccess.objects.filter(what="index-case-detail").count()
        self.assertEqual(logged, 51 + 7)

    def test_the_admin_change_page_links_to_the_contacts_instead_of_listing_them(self):
        from calls.services.intake import add_contacts

        self.client.force_login(self.carol)
        url = reverse("admin:cases_indexcase_change", args=[self.case.pk])
        self.client.get(url)  # Warm the per-process caches (content types).
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        add_contacts(
            index_case=self.case,
            contacts=[contact("C", f"N{n:02d}", f"06700000{n:02d}") for n in range(60)],
            now=timezone.now(),
        )
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(url)
        self.assertEqual(len(many), len(few))
        self.assertContains(response, "?index_case__id__exact=")
        self.assertContains(response, "61")
        self.assertNotContains(response, "N59")


class SearchTests(CasePagesTestCase):
    def search(self, q: str, user=None):
        self.client.force_login(user or self.carol)
        return self.client.get(LIST, {"q": q})

    def found(self, response) -> list[str]:
        return [c.person.last_name for c in response.context["page"].object_list]

    def test_a_contacts_name_finds_the_case_and_says_who_matched(self):
        response = self.search("silva")
        self.assertEqual(self.found(response), ["Martin"])
        self.assertContains(response, 'data-testid="matched-contacts"')
        self.assertContains(response, "SILVA Ana")

    def test_a_phone_as_people_type_it_finds_the_case_of_anyone_in_it(self):
        for q in ("06 11 22 33 44", "0611223344", "+33 6 11 22 33 44", "06 12 34 56 78"):
            with self.subTest(q=q):
                self.assertEqual(self.found(self.search(q)), ["Martin"])
        self.assertEqual(self.found(self.search("06 99 99 99 99")), [])

    def test_a_search_never_reaches_another_territory(self):
        self.assertEqual(self.found(self.search("durand")), [])
        self.assertEqual(self.found(self.search("06 33 33 33 33")), [])
        self.assertEqual(self.found(self.search("durand", user=self.dave)), ["Durand"])

    def test_the_search_logs_the_patient_zero_and_the_matched_contact(self):
        self.search("06 11 22 33 44")
        silva = Person.objects.get(last_name="Silva")
        logged = set(
            PersonAccess.objects.filter(what="case-search").values_list("person", flat=True)
        )
        self.assertEqual(logged, {self.case.person_id, silva.pk})
