"""Merging two persons: every row follows, never two open calls, undone exactly for 30 days."""

from datetime import timedelta

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.utils import timezone, translation

from calls.exceptions import CallOfPersonInProgress
from calls.models import CallAttempt, CallTask, TaskEvent
from cases.models import DuplicateCandidate, Exposure, Person, PersonAccess, Phone
from cases.services import PERSON_LINKS
from intake.exceptions import MergeRefused
from intake.selectors import matching_persons
from intake.services import merge_persons, unmerge_persons
from tests.base import PersonasTestCase, contact

Status = CallTask.Status
CONTACT = CallTask.Reason.CONTACT_NOTIFICATION


class EveryLinkIsHandledTests(PersonasTestCase):
    def test_every_foreign_key_to_a_person_is_moved_or_kept_on_purpose(self):
        # A new foreign key to Person fails here until merge_persons handles it (and
        # cases.services.PERSON_LINKS says how).
        links = {
            f"{model._meta.label}.{f.name}"
            for model in apps.get_models()
            for f in model._meta.get_fields()
            if f.is_relation and f.concrete and f.related_model is Person
        }
        self.assertEqual(links, set(PERSON_LINKS))


class MergeTests(PersonasTestCase):
    def setUp(self):
        self.now = timezone.now()
        first = self.register_case(
            self.t93, name="Martin", contacts=[contact("Mohamed", "Ouafi", "0611111111")]
        )
        second = self.register_case(
            self.t93,
            name="Durand",
            phone="0699999999",
            contacts=[contact("Muhammad", "Ouafi", "0622222222")],
        )
        self.case1, self.case2 = first.index_case, second.index_case
        self.mohamed = first.contacts[0].exposure.person
        self.muhammad = second.contacts[0].exposure.person
        self.task1, self.task2 = first.contacts[0].task, second.contacts[0].task
        # The second contact's call is due first: it is the one kept.
        CallTask.objects.filter(pk=self.task2.pk).update(deadline_at=self.now + timedelta(hours=2))
        self.attempt = CallAttempt.objects.create(
            task=self.task1,
            agent=self.alice.agent,
            phone="+33611111111",
            outcome=CallAttempt.Outcome.NO_ANSWER,
        )
        lo, hi = sorted([self.mohamed.pk, self.muhammad.pk])
        self.candidate = DuplicateCandidate.objects.create(
            person_a_id=lo, person_b_id=hi, score=75, evidence={}
        )

    def merge(self, **kwargs):
        return merge_persons(
            survivor=self.mohamed, merged=self.muhammad, by=self.carol, now=self.now, **kwargs
        )

    def open_calls(self, person):
        return list(
            CallTask.objects.claimable(agent_id=self.alice.agent.pk, now=self.now + timedelta(1))
            .filter(person=person)
            .values_list("reason", flat=True)
        )

    def test_it_moves_every_history_to_the_survivor_with_one_open_call(self):
        merge = self.merge()

        self.muhammad.refresh_from_db()
        self.assertEqual(self.muhammad.merged_into, self.mohamed)
        self.assertEqual(
            set(Exposure.objects.filter(person=self.mohamed).values_list("index_case", flat=True)),
            {self.case1.pk, self.case2.pk},
        )
        self.assertEqual(
            list(Phone.objects.filter(person=self.mohamed).values_list("number", "position")),
            [("+33611111111", 0), ("+33622222222", 1)],
        )
        self.assertEqual(
            set(CallTask.objects.filter(person=self.mohamed).values_list("pk", flat=True)),
            {self.task1.pk, self.task2.pk},
        )
        self.assertEqual(
            CallAttempt.objects.get(pk=self.attempt.pk).task.person_id, self.mohamed.pk
        )
        # Never two open calls: the queue offers one, the earliest deadline.
        self.assertEqual(self.open_calls(self.mohamed), [CONTACT])
        self.assertEqual(self.open_calls(self.muhammad), [])
        self.task1.refresh_from_db()
        self.assertEqual(
            (self.task1.status, self.task1.closed_reason),
            (Status.CLOSED, CallTask.ClosedReason.DUPLICATE),
        )
        self.assertTrue(
            TaskEvent.objects.filter(task=self.task1, kind=TaskEvent.Kind.CLOSED, by=self.carol)
        )
        self.assertEqual(CallTask.objects.get(pk=self.task2.pk).status, Status.QUEUED)
        self.assertEqual([c["id"] for c in merge.closed_tasks], [self.task1.pk])
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.status, DuplicateCandidate.Status.MERGED)
        self.assertEqual(
            set(PersonAccess.objects.filter(what="merge").values_list("person", flat=True)),
            {self.mohamed.pk, self.muhammad.pk},
        )
        self.assertEqual(LogEntry.objects.filter(user=self.carol).count(), 2)

    def test_a_merged_person_leaves_the_lists_and_searches(self):
        self.merge()
        self.assertFalse(Person.objects.for_user(self.carol).filter(pk=self.muhammad.pk))
        self.assertFalse(Person.objects.for_desk(self.alice.agent).filter(pk=self.muhammad.pk))
        self.assertTrue(Person.objects.for_user(self.carol).filter(pk=self.mohamed.pk))
        # The case search finds the survivor, never the tombstone (its name stays on it).
        self.assertEqual(set(matching_persons(search="Ouafi", region="FR")), {self.mohamed})
        self.assertFalse(matching_persons(search="Muhammad", region="FR").exists())

    def test_a_call_already_reached_is_not_made_again(self):
        CallTask.objects.filter(pk=self.task1.pk).update(status=Status.DONE, closed_at=self.now)
        self.merge()
        self.assertEqual(self.open_calls(self.mohamed), [])
        self.assertEqual(CallTask.objects.get(pk=self.task2.pk).status, Status.CLOSED)

    def test_it_refuses_while_an_agent_holds_a_call_of_either_person(self):
        CallTask.objects.filter(pk=self.task2.pk).update(
            status=Status.ASSIGNED,
            lease_holder=self.alice.agent,
            lease_expires_at=self.now + timedelta(minutes=5),
        )
        with (
            translation.override("en"),
            self.assertRaisesMessage(CallOfPersonInProgress, "try again later"),
        ):
            self.merge()
        self.muhammad.refresh_from_db()
        self.assertIsNone(self.muhammad.merged_into)
        self.assertEqual(CallTask.objects.get(pk=self.task1.pk).status, Status.QUEUED)

    def test_one_exposure_per_index_case_is_kept(self):
        exposure = Exposure.objects.create(
            index_case=self.case1,
            person=self.muhammad,
            exposure_type="close",
            last_exposure_date=self.now.date(),
        )
        merge = self.merge()
        self.assertEqual(Exposure.objects.filter(index_case=self.case1).count(), 2)
        self.assertEqual(Exposure.objects.get(pk=exposure.pk).person, self.muhammad)
        self.assertNotIn(exposure.pk, merge.moved["cases.Exposure"])
        self.assertEqual(
            Exposure.objects.filter(index_case=self.case1, person=self.mohamed).count(), 1
        )

    def test_a_phone_both_had_is_not_duplicated(self):
        Phone.objects.create(person=self.muhammad, number="+33611111111", position=1)
        self.merge()
        self.assertEqual(
            list(Phone.objects.filter(person=self.mohamed).values_list("number", flat=True)),
            ["+33611111111", "+33622222222"],
        )

    def test_it_refuses_a_person_merged_already_or_with_themselves(self):
        self.merge()
        with self.assertRaises(MergeRefused):
            self.merge()
        with self.assertRaises(MergeRefused):
            merge_persons(survivor=self.mohamed, merged=self.mohamed, by=self.carol, now=self.now)

    def snapshot(self):
        return {
            "phones": set(Phone.objects.values_list("pk", "person_id")),
            "exposures": set(Exposure.objects.values_list("pk", "person_id")),
            "cases": set(self.case1.__class__.objects.values_list("pk", "person_id")),
            "tasks": set(CallTask.objects.values_list("pk", "person_id", "status")),
            "persons": set(Person.objects.values_list("pk", "merged_into_id")),
        }

    def test_unmerge_restores_exactly_what_moved_and_reopens_the_closed_call(self):
        before = self.snapshot()
        merge = self.merge()
        result = unmerge_persons(merge=merge, by=self.carol, now=self.now + timedelta(days=29))
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(result.notes, [])
        self.assertEqual(result.merge.undone_by, self.carol)
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.status, DuplicateCandidate.Status.DISMISSED)
        self.assertEqual(
            set(PersonAccess.objects.filter(what="unmerge").values_list("person", flat=True)),
            {self.mohamed.pk, self.muhammad.pk},
        )
        self.assertEqual(self.open_calls(self.muhammad), [CONTACT])
        with self.assertRaises(MergeRefused):
            unmerge_persons(merge=merge, by=self.carol, now=self.now)

    def test_unmerge_leaves_closed_a_call_whose_person_was_reached_since(self):
        merge = self.merge()
        CallTask.objects.filter(pk=self.task2.pk).update(status=Status.DONE, closed_at=self.now)
        # The call reached goes back to Muhammad; the one the merge closed was Mohamed's, who
        # was not reached: it reopens.
        result = unmerge_persons(merge=merge, by=self.carol, now=self.now)
        self.assertEqual(result.notes, [])
        self.assertEqual(CallTask.objects.get(pk=self.task1.pk).status, Status.QUEUED)
        self.assertEqual(self.open_calls(self.muhammad), [])

    def test_unmerge_explains_a_call_left_closed(self):
        merge = self.merge()
        # Mohamed was reached since, by a new call of his own.
        CallTask.objects.create(
            person=self.mohamed,
            reason=CONTACT,
            territory=self.t93,
            language_id="fr",
            deadline_at=self.now,
            exposure=Exposure.objects.filter(person=self.mohamed).first(),
            status=Status.DONE,
        )
        CallTask.objects.filter(pk=self.task2.pk).update(status=Status.DONE)
        result = unmerge_persons(merge=merge, by=self.carol, now=self.now)
        self.assertEqual(len(result.notes), 1)
        self.assertEqual(CallTask.objects.get(pk=self.task1.pk).status, Status.CLOSED)

    def test_unmerge_past_30_days_is_refused(self):
        merge = self.merge()
        with translation.override("en"), self.assertRaisesMessage(MergeRefused, "30 days"):
            unmerge_persons(merge=merge, by=self.carol, now=self.now + timedelta(days=31))
        self.muhammad.refresh_from_db()
        self.assertEqual(self.muhammad.merged_into, self.mohamed)
