from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from calls.models import CallTask, TaskEvent
from calls.services.fallback import escalate
from calls.tasks import purge_expired_personal_data
from cases.models import Person, Phone
from tests.base import PersonasTestCase, contact


@override_settings(RETENTION_DAYS=90)
class RetentionTests(PersonasTestCase):
    def test_it_erases_identity_after_retention_but_keeps_the_counts(self):
        result = self.register_case(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        CallTask.objects.update(status=CallTask.Status.DONE, closed_at=timezone.now())
        Person.objects.update(created_at=timezone.now() - timedelta(days=91))

        purged = purge_expired_personal_data.delay().get()

        self.assertEqual(purged, 2)
        person = Person.objects.get(pk=result.index_case.person_id)
        self.assertEqual((person.first_name, person.last_name), ("", ""))
        self.assertIsNotNone(person.purged_at)
        self.assertFalse(Phone.objects.exists())
        self.assertEqual(CallTask.objects.count(), 2)

    def test_it_keeps_a_person_still_to_be_called(self):
        self.register_case(self.t93)
        Person.objects.update(created_at=timezone.now() - timedelta(days=91))
        self.assertEqual(purge_expired_personal_data.delay().get(), 0)
        self.assertEqual(Person.objects.filter(purged_at__isnull=True).count(), 1)

    def test_it_keeps_a_person_within_retention(self):
        self.register_case(self.t93)
        CallTask.objects.update(status=CallTask.Status.DONE, closed_at=timezone.now())
        Person.objects.update(created_at=timezone.now() - timedelta(days=89))
        self.assertEqual(purge_expired_personal_data.delay().get(), 0)

    def test_it_is_idempotent(self):
        self.register_case(self.t93)
        CallTask.objects.update(status=CallTask.Status.DONE, closed_at=timezone.now())
        Person.objects.update(created_at=timezone.now() - timedelta(days=91))
        self.assertEqual(purge_expired_personal_data.delay().get(), 1)
        self.assertEqual(purge_expired_personal_data.delay().get(), 0)

    def test_an_escalated_call_past_retention_is_closed_by_the_purge(self):
        # Issue 12: an escalated call waits a decision, not a call; past the retention period the
        # purge closes it (reason 'retention') and forgets its person.
        task = self.register_case(self.t93).task
        escalate(task=task, reason=CallTask.Escalation.DEADLINE, now=timezone.now())
        Person.objects.update(created_at=timezone.now() - timedelta(days=91))
        self.assertEqual(purge_expired_personal_data.delay().get(), 1)
        task.refresh_from_db()
        self.assertEqual(task.closed_reason, CallTask.ClosedReason.RETENTION)
        event = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.CLOSED)
        self.assertEqual((event.reason, event.note), (CallTask.ClosedReason.RETENTION, ""))
