from datetime import timedelta

from django.test import override_settings

from calls.models import CallTask
from cases.models import IndexCase, Person
from tests.base import PersonasTestCase, contact


class IntakeServiceTests(PersonasTestCase):
    def test_it_queues_the_interview_and_one_call_per_contact(self):
        result = self.register_case(
            self.t93,
            contacts=[
                contact("Ana", "Silva", "0611111111", "pt"),
                contact("Emre", "Yilmaz", "0622222222", "tr"),
            ],
        )
        self.assertTrue(result.created)
        tasks = CallTask.objects.filter(territory=self.t93)
        self.assertEqual(tasks.filter(reason=CallTask.Reason.INDEX_INTERVIEW).count(), 1)
        self.assertEqual(tasks.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION).count(), 2)
        by_lang = {t.language_id for t in tasks.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION)}
        self.assertEqual(by_lang, {"pt", "tr"})
        for registered in result.contacts:
            self.assertEqual(
                registered.task.deadline_at, registered.exposure.identified_at + timedelta(hours=24)
            )

    @override_settings(CONTACT_DEADLINE_HOURS=12)
    def test_it_reads_the_deadline_from_the_setting(self):
        result = self.register_case(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        registered = result.contacts[0]
        self.assertEqual(
            registered.task.deadline_at - registered.exposure.identified_at, timedelta(hours=12)
        )

    def test_it_calls_a_contact_named_by_two_cases_once(self):
        self.register_case(
            self.t93,
            name="Un",
            phone="0601010101",
            contacts=[contact("Ana", "Silva", "0611111111")],
        )
        self.register_case(
            self.t93,
            name="Deux",
            phone="0602020202",
            contacts=[contact("ana", "SILVA", "0611111111")],
        )
        self.assertEqual(Person.objects.filter(last_name__iexact="silva").count(), 1)
        self.assertEqual(
            CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION).count(), 1
        )

    def test_it_answers_a_resent_reference_with_the_existing_case(self):
        first = self.register_case(
            self.t93, external_ref="LAB-1", contacts=[contact("Ana", "Silva", "0611111111")]
        )
        again = self.register_case(
            self.t93, external_ref="LAB-1", contacts=[contact("Ana", "Silva", "0611111111")]
        )
        self.assertFalse(again.created)
        self.assertEqual(again.index_case.pk, first.index_case.pk)
        self.assertEqual(
            [c.exposure.pk for c in again.contacts], [c.exposure.pk for c in first.contacts]
        )
        self.assertEqual(IndexCase.objects.count(), 1)
        self.assertEqual(CallTask.objects.count(), 2)

    def test_it_records_a_contact_listed_twice_once(self):
        result = self.register_case(
            self.t93,
            contacts=[
                contact("Ana", "Silva", "0611111111"),
                contact("ANA", "silva", "06 11 11 11 11"),
            ],
        )
        self.assertEqual(Person.objects.filter(last_name__iexact="silva").count(), 1)
        self.assertEqual(result.contacts[0].exposure.pk, result.contacts[1].exposure.pk)
        self.assertEqual(
            CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION).count(), 1
        )

    def test_it_keeps_two_people_who_share_a_household_phone_apart(self):
        self.register_case(
            self.t93,
            contacts=[contact("Ana", "Silva", "0145454545"), contact("Rui", "Silva", "0145454545")],
        )
        self.assertEqual(Person.objects.filter(last_name="Silva").count(), 2)
        self.assertEqual(
            CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION).count(), 2
        )

    def test_it_tightens_the_deadline_of_a_contact_named_again_earlier(self):
        from django.utils import timezone

        from calls.services.intake import add_contacts

        first = self.register_case(self.t93, name="Un", phone="0601010101")
        second = self.register_case(self.t93, name="Deux", phone="0602020202")
        later = timezone.now()
        add_contacts(
            index_case=second.index_case,
            contacts=[contact("Ana", "Silva", "0611111111")],
            now=later,
        )
        earlier = later - timedelta(hours=3)
        add_contacts(
            index_case=first.index_case,
            contacts=[contact("Ana", "Silva", "0611111111")],
            now=earlier,
        )
        task = CallTask.objects.get(reason=CallTask.Reason.CONTACT_NOTIFICATION)
        self.assertEqual(task.deadline_at, earlier + timedelta(hours=24))

    def test_it_does_not_queue_a_contact_already_reached_for_the_same_reason(self):
        self.register_case(
            self.t93,
            name="Un",
            phone="0601010101",
            contacts=[contact("Ana", "Silva", "0611111111")],
        )
        CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION).update(
            status=CallTask.Status.DONE
        )
        again = self.register_case(
            self.t93,
            name="Deux",
            phone="0602020202",
            contacts=[contact("Ana", "Silva", "0611111111")],
        )
        self.assertEqual(
            CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION).count(), 1
        )
        self.assertEqual(again.contacts[0].task.status, CallTask.Status.DONE)
