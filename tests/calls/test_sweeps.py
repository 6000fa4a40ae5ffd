import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from agents import roles
from agents.models import Agent, Territory
from agents.services.staff import set_agent_status
from calls import tasks
from calls.exceptions import LeaseLost
from calls.models import Assignment, CallAttempt, CallTask, SmsMessage, TaskEvent
from calls.services import sweeps
from calls.services.dispatch import claim_next_task
from calls.services.fallback import CALLBACK_GRACE, fallback_body
from calls.services.intake import enqueue_call
from calls.services.outcomes import record_outcome
from calls.sms import ConsoleBackend
from cases.models import Person, Phone
from intake.services import register_index_case
from tests.base import PersonasTestCase, contact, make_user, person

# Noon in Paris, inside any calling hours; the sweeps and services all take `now`.
T0 = datetime(2026, 11, 16, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
Status = CallTask.Status
MINUTE = timedelta(minutes=1)


class SweepTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.t93.calling_hours_start, cls.t93.calling_hours_end = clock(0, 0), clock(23, 59)
        cls.t93.save()
        cls.amel = make_user(
            "amel",
            roles.TELECONSEILLER,
            territory=cls.t93,
            languages=("fr",),
            plateau=cls.saint_denis,
        )

    def register(self, name: str, phone: str, *, at: datetime = T0, contacts=()):
        return register_index_case(
            territory=self.t93,
            person=person("Paul", name, phone),
            sampled_at=at,
            source="form",
            now=at,
            contacts=list(contacts),
        )

    def claim(self, user, now: datetime) -> Assignment:
        set_agent_status(agent=user.agent, status=Agent.Status.READY, now=now)
        assignment = claim_next_task(agent=user.agent, now=now)
        self.assertIsNotNone(assignment)
        return assignment

    def refreshed(self, task: CallTask) -> CallTask:
        return CallTask.objects.get(pk=task.pk)


class ExpireLeasesTests(SweepTestCase):
    def test_it_gives_an_expired_lease_back_to_the_queue_for_another_agent(self):
        task = self.register("Mercier", "0611111111").task
        assignment = self.claim(self.alice, T0)
        expiry = assignment.lease_expires_at

        self.assertEqual(sweeps.expire_leases(now=expiry - timedelta(seconds=1)), 0)
        self.assertEqual(self.refreshed(task).status, Status.ASSIGNED)

        self.assertEqual(sweeps.expire_leases(now=expiry), 1)
        task = self.refreshed(task)
        self.assertEqual(
            (task.status, task.lease_holder, task.lease_expires_at), (Status.QUEUED, None, None)
        )
        assignment.refresh_from_db()
        self.assertEqual(assignment.closed_at, expiry)
        self.assertEqual(sweeps.expire_leases(now=expiry + timedelta(minutes=1)), 0)

        taken = self.claim(self.amel, expiry + timedelta(minutes=1))
        self.assertEqual(taken.task_id, task.pk)
        # Alice's late outcome is refused, and still recorded (invariant 4).
        with self.assertRaises(LeaseLost):
            record_outcome(
                assignment=assignment,
                agent=self.alice.agent,
                outcome="reached",
                now=expiry + timedelta(minutes=2),
            )
        self.assertFalse(CallAttempt.objects.get(agent=self.alice.agent).accepted)
        self.assertEqual(self.refreshed(task).lease_holder, self.amel.agent)

    def test_it_leaves_live_leases_and_queued_tasks_alone(self):
        first = self.register("Mercier", "0611111111").task
        expired = self.claim(self.alice, T0)
        second = self.register("Durand", "0622222222", at=T0 + timedelta(minutes=10)).task
        live = self.claim(self.amel, T0 + timedelta(minutes=10))
        third = self.register("Fabre", "0633333333").task

        self.assertEqual(sweeps.expire_leases(now=expired.lease_expires_at), 1)

        self.assertEqual(self.refreshed(first).status, Status.QUEUED)
        self.assertEqual(self.refreshed(second).status, Status.ASSIGNED)
        self.assertEqual(self.refreshed(second).lease_holder, self.amel.agent)
        live.refresh_from_db()
        self.assertIsNone(live.closed_at)
        untouched = self.refreshed(third)
        self.assertEqual(
            (untouched.status, untouched.not_before, untouched.priority),
            (Status.QUEUED, None, third.priority),
        )


class ReleaseCallbacksTests(SweepTestCase):
    def book_callback(self, at: datetime) -> CallTask:
        task = self.register("Mercier", "0611111111").task
        assignment = self.claim(self.alice, T0)
        record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome="callback",
            now=T0 + timedelta(minutes=5),
            callback_at=at,
        )
        task = self.refreshed(task)
        self.assertEqual(
            (task.status, task.reserved_for, task.not_before), (Status.QUEUED, self.alice.agent, at)
        )
        return task

    def test_it_opens_a_due_callback_of_an_offline_owner_to_all(self):
        due = T0 + timedelta(hours=2)
        task = self.book_callback(due)
        set_agent_status(
            agent=self.alice.agent, status=Agent.Status.OFFLINE, now=T0 + timedelta(hours=1)
        )

        self.assertEqual(sweeps.release_callbacks(now=due - timedelta(minutes=1)), 0)
        self.assertEqual(self.refreshed(task).reserved_for, self.alice.agent)

        self.assertEqual(sweeps.release_callbacks(now=due), 1)
        self.assertIsNone(self.refreshed(task).reserved_for)
        self.assertEqual(sweeps.release_callbacks(now=due + timedelta(minutes=1)), 0)
        self.assertEqual(self.claim(self.amel, due + timedelta(minutes=1)).task_id, task.pk)

    def test_it_keeps_a_due_callback_for_an_owner_who_is_working(self):
        due = T0 + timedelta(hours=2)
        task = self.book_callback(due)
        set_agent_status(
            agent=self.alice.agent, status=Agent.Status.READY, now=T0 + timedelta(hours=1)
        )

        self.assertEqual(sweeps.release_callbacks(now=due), 0)
        self.assertEqual(self.refreshed(task).reserved_for, self.alice.agent)
        set_agent_status(agent=self.amel.agent, status=Agent.Status.READY, now=due)
        self.assertIsNone(claim_next_task(agent=self.amel.agent, now=due))
        self.assertEqual(claim_next_task(agent=self.alice.agent, now=due).task_id, task.pk)


class FlagAtRiskTests(SweepTestCase):
    def test_it_flags_a_task_near_its_deadline_once(self):
        task = self.register("Mercier", "0611111111").task
        at_risk = task.deadline_at - timedelta(hours=4)

        self.assertEqual(sweeps.flag_at_risk(now=at_risk - timedelta(minutes=1)), 0)
        self.assertEqual(sweeps.flag_at_risk(now=at_risk), 1)
        flagged = self.refreshed(task)
        self.assertEqual((flagged.at_risk_since, flagged.priority), (at_risk, task.priority + 10))

        self.assertEqual(sweeps.flag_at_risk(now=at_risk + timedelta(hours=1)), 0)
        again = self.refreshed(task)
        self.assertEqual((again.at_risk_since, again.priority), (at_risk, task.priority + 10))

    def test_it_flags_the_most_urgent_first_in_batches(self):
        urgent = [
            self.register(name, phone, at=T0 + timedelta(minutes=i)).task
            for i, (name, phone) in enumerate(
                (("Mercier", "0611111111"), ("Durand", "0622222222"), ("Fabre", "0633333333"))
            )
        ]
        now = urgent[-1].deadline_at

        self.assertEqual(sweeps.flag_at_risk(now=now, batch_size=2), 2)
        self.assertEqual(
            [self.refreshed(t).at_risk_since is not None for t in urgent], [True, True, False]
        )
        self.assertEqual(sweeps.flag_at_risk(now=now, batch_size=2), 1)
        self.assertEqual(sweeps.flag_at_risk(now=now, batch_size=2), 0)

    def test_it_leaves_tasks_being_called_or_closed_alone(self):
        called = self.register("Mercier", "0611111111").task
        self.claim(self.alice, T0)
        closed = self.register("Durand", "0622222222").task
        assignment = self.claim(self.amel, T0)
        record_outcome(
            assignment=assignment,
            agent=self.amel.agent,
            outcome="reached",
            now=T0 + timedelta(minutes=5),
        )
        later = self.register("Fabre", "0633333333", at=T0 + timedelta(hours=10)).task

        self.assertEqual(sweeps.flag_at_risk(now=called.deadline_at - timedelta(hours=1)), 0)
        for task in (called, closed, later):
            self.assertIsNone(self.refreshed(task).at_risk_since)


class FallbackAtDeadlineTests(SweepTestCase):
    def sweep(self, now: datetime) -> int:
        with self.captureOnCommitCallbacks(execute=True):
            return sweeps.fallback_at_deadline(now=now)

    def test_it_keeps_a_task_past_its_deadline_callable_and_texts_it_once(self):
        result = self.register(
            "Mercier", "0611111111", contacts=[contact("Ana", "Silva", "0622222222")]
        )
        task, contact_task = result.task, result.contacts[0].task
        with mock.patch.object(
            ConsoleBackend, "send", autospec=True, return_value="console-1"
        ) as send:
            self.assertEqual(self.sweep(task.deadline_at - timedelta(seconds=1)), 0)
            self.assertEqual(self.sweep(task.deadline_at), 2)
            self.assertEqual(self.sweep(task.deadline_at + timedelta(minutes=1)), 0)

        self.assertEqual(send.call_count, 2)
        self.assertEqual(SmsMessage.objects.count(), 2)
        late_period = timedelta(hours=settings.LATE_CALLABLE_HOURS)
        for late, phone in ((task, "+33611111111"), (contact_task, "+33622222222")):
            late = self.refreshed(late)
            # Still in the queue, behind the calls in time, until the end of its late period.
            self.assertEqual(
                (late.status, late.queue_band, late.escalation_reason, late.callable_until),
                (Status.QUEUED, CallTask.Band.LATE, "", late.deadline_at + late_period),
            )
            sms = SmsMessage.objects.get(task=late)
            self.assertEqual(
                (sms.phone, sms.status, sms.provider_ref, sms.wording),
                (phone, SmsMessage.Status.SENT, "console-1", SmsMessage.Wording.NOT_CALLED),
            )
            event = TaskEvent.objects.get(task=late)
            self.assertEqual(
                (event.kind, event.from_status, event.to_status, event.by, event.at),
                (TaskEvent.Kind.LATE, Status.QUEUED, Status.QUEUED, None, task.deadline_at),
            )
        bodies = [SmsMessage.objects.get(task=t).body for t in (task, contact_task)]
        # A patient zéro and a contact are told different things.
        self.assertNotEqual(bodies[0], bodies[1])
        for body in bodies:
            self.assertIn(settings.CALLBACK_NUMBER, body)

    def test_it_leaves_a_task_being_called_to_its_agent(self):
        task = self.register("Mercier", "0611111111").task
        self.claim(self.alice, T0)
        with mock.patch.object(
            ConsoleBackend, "send", autospec=True, return_value="console-1"
        ) as send:
            self.assertEqual(self.sweep(task.deadline_at), 0)
        self.assertEqual(self.refreshed(task).status, Status.ASSIGNED)
        self.assertFalse(SmsMessage.objects.exists())
        send.assert_not_called()

    def test_it_never_sends_a_second_sms_for_a_task(self):
        task = self.register("Mercier", "0611111111").task
        SmsMessage.objects.create(
            task=task, phone="+33611111111", body="Déjà envoyé", status=SmsMessage.Status.SENT
        )
        with mock.patch.object(
            ConsoleBackend, "send", autospec=True, return_value="console-1"
        ) as send:
            self.assertEqual(self.sweep(task.deadline_at), 1)
        self.assertEqual(self.refreshed(task).queue_band, CallTask.Band.LATE)
        self.assertEqual(SmsMessage.objects.count(), 1)
        send.assert_not_called()

    def test_it_keeps_a_task_with_no_number_in_service_late_without_sms(self):
        task = self.register("Mercier", "0611111111").task
        task.person.phones.update(retired_at=T0)
        self.assertEqual(self.sweep(task.deadline_at), 1)
        self.assertEqual(self.refreshed(task).queue_band, CallTask.Band.LATE)
        self.assertFalse(SmsMessage.objects.exists())

    def test_it_sends_nothing_to_a_person_already_reached_for_the_reason(self):
        duplicate = reached_duplicate(self)
        self.assertEqual(self.sweep(duplicate.deadline_at), 0)
        self.assertEqual(self.refreshed(duplicate).status, Status.QUEUED)
        self.assertFalse(SmsMessage.objects.exists())


class SmsWordingTests(SweepTestCase):
    """The text says what happened, and nothing that is not true."""

    def sms_at(self, task: CallTask, now: datetime) -> SmsMessage:
        with self.captureOnCommitCallbacks(execute=True):
            sweeps.fallback_at_deadline(now=now)
        sms = SmsMessage.objects.get(task=task)
        self.assertEqual(sms.body, fallback_body(self.refreshed(task), sms.wording))
        return sms

    def test_a_person_nobody_called_is_never_told_we_tried_to_call(self):
        task = self.register("Mercier", "0611111111").task
        self.assertEqual(task.attempts, 0)
        sms = self.sms_at(task, task.deadline_at)
        self.assertEqual(sms.wording, SmsMessage.Wording.NOT_CALLED)
        self.assertNotEqual(sms.body, fallback_body(task, SmsMessage.Wording.CALLED))

    def test_a_person_called_and_not_reached_is_told_so(self):
        task = self.register("Mercier", "0611111111").task
        assignment = self.claim(self.alice, T0)
        record_outcome(
            assignment=assignment, agent=self.alice.agent, outcome="no_answer", now=T0 + MINUTE
        )
        sms = self.sms_at(task, task.deadline_at)
        self.assertEqual(sms.wording, SmsMessage.Wording.CALLED)

    def book_callback(self, task: CallTask, at: datetime) -> None:
        assignment = self.claim(self.alice, T0)
        self.assertEqual(assignment.task_id, task.pk)
        record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome="callback",
            now=T0 + MINUTE,
            callback_at=at,
        )

    def test_a_missed_callback_is_said_to_be_missed(self):
        task = self.register("Mercier", "0611111111").task
        self.book_callback(task, task.deadline_at - timedelta(hours=3))
        sms = self.sms_at(task, task.deadline_at)
        self.assertEqual(sms.wording, SmsMessage.Wording.CALLBACK_MISSED)

    def test_a_callback_made_is_not_said_to_be_missed(self):
        task = self.register("Mercier", "0611111111").task
        callback_at = task.deadline_at - timedelta(hours=3)
        self.book_callback(task, callback_at)
        assignment = self.claim(self.alice, callback_at)
        record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome="no_answer",
            now=callback_at + MINUTE,
        )
        self.assertEqual(self.sms_at(task, task.deadline_at).wording, SmsMessage.Wording.CALLED)

    def test_a_booked_callback_is_not_pre_empted_by_the_deadline_sms(self):
        task = self.register("Mercier", "0611111111").task
        callback_at = task.deadline_at - timedelta(minutes=10)
        self.book_callback(task, callback_at)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(sweeps.fallback_at_deadline(now=task.deadline_at), 0)
        self.assertFalse(SmsMessage.objects.exists())
        waiting = self.refreshed(task)
        self.assertEqual(
            (waiting.status, waiting.queue_band, waiting.reserved_for),
            (Status.QUEUED, CallTask.Band.IN_TIME, self.alice.agent),
        )
        # Its owner still gets it, past the deadline.
        self.assertEqual(self.claim(self.alice, task.deadline_at + MINUTE).task_id, task.pk)

    def test_a_callback_booked_after_a_tightened_deadline_waits_for_its_time(self):
        task = self.register("Mercier", "0611111111").task
        callback_at = task.deadline_at - timedelta(hours=1)
        self.book_callback(task, callback_at)
        # A second patient zéro names the person: the deadline comes before the callback.
        CallTask.objects.filter(pk=task.pk).update(deadline_at=callback_at - timedelta(hours=2))
        self.assertEqual(sweeps.fallback_at_deadline(now=callback_at - MINUTE), 0)
        self.assertFalse(SmsMessage.objects.exists())
        # Missed: once CALLBACK_GRACE is behind it, the person is told, and anyone may call.
        self.assertEqual(sweeps.fallback_at_deadline(now=callback_at + CALLBACK_GRACE), 1)
        self.assertEqual(SmsMessage.objects.get().wording, SmsMessage.Wording.CALLBACK_MISSED)
        late = self.refreshed(task)
        self.assertEqual((late.queue_band, late.reserved_for), (CallTask.Band.LATE, None))


class EscalateOverdueTests(SweepTestCase):
    def late_task(self) -> CallTask:
        task = self.register("Mercier", "0611111111").task
        self.assertEqual(sweeps.fallback_at_deadline(now=task.deadline_at), 1)
        return self.refreshed(task)

    def test_it_escalates_a_late_task_at_the_end_of_its_late_period_once(self):
        task = self.late_task()
        end = task.deadline_at + timedelta(hours=settings.LATE_CALLABLE_HOURS)
        self.assertEqual(task.callable_until, end)

        self.assertEqual(sweeps.escalate_overdue(now=end - timedelta(seconds=1)), 0)
        self.assertEqual(sweeps.escalate_overdue(now=end), 1)
        self.assertEqual(sweeps.escalate_overdue(now=end + MINUTE), 0)
        escalated = self.refreshed(task)
        self.assertEqual(
            (escalated.status, escalated.escalation_reason, escalated.escalated_at),
            (Status.ESCALATED, CallTask.Escalation.DEADLINE, end),
        )
        event = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.ESCALATED)
        self.assertEqual(
            (event.from_status, event.to_status, event.reason, event.by),
            (Status.QUEUED, Status.ESCALATED, CallTask.Escalation.DEADLINE, None),
        )

    @override_settings(LATE_CALLABLE_HOURS=2)
    def test_the_late_period_is_a_setting(self):
        task = self.late_task()
        self.assertEqual(task.callable_until, task.deadline_at + timedelta(hours=2))
        self.assertEqual(sweeps.escalate_overdue(now=task.deadline_at + timedelta(hours=2)), 1)

    def test_it_leaves_a_late_task_being_called_to_its_agent(self):
        task = self.late_task()
        self.assertEqual(self.claim(self.alice, task.deadline_at + MINUTE).task_id, task.pk)
        self.assertEqual(sweeps.escalate_overdue(now=task.callable_until + MINUTE), 0)
        self.assertEqual(self.refreshed(task).status, Status.ASSIGNED)


def reach(case: SweepTestCase, name: str, phone: str, *, at: datetime = T0) -> CallTask:
    """Register a patient zéro and have Alice reach them."""
    result = case.register(name, phone, at=at)
    assignment = case.claim(case.alice, at)
    case.assertEqual(assignment.task_id, result.task.pk)
    record_outcome(
        assignment=assignment,
        agent=case.alice.agent,
        outcome="reached",
        now=at + timedelta(minutes=5),
    )
    task = case.refreshed(result.task)
    case.assertEqual(task.status, Status.DONE)
    return task


def duplicate_of(task: CallTask) -> CallTask:
    """Queue a second call for the same person and reason, as an intake racing the outcome that
    reached them can (the intake alone refuses to)."""
    return CallTask.objects.create(
        person=task.person,
        reason=task.reason,
        index_case=task.index_case,
        territory=task.territory,
        language=task.language,
        deadline_at=task.deadline_at,
        created_at=task.closed_at,
    )


def reached_duplicate(case: SweepTestCase) -> CallTask:
    return duplicate_of(reach(case, "Mercier", "0611111111"))


class CloseReachedDuplicatesTests(SweepTestCase):
    def test_it_cancels_the_open_task_of_a_person_reached_for_the_same_reason(self):
        duplicate = reached_duplicate(self)
        other_reason = CallTask.objects.create(
            person=duplicate.person,
            reason=CallTask.Reason.FOLLOW_UP,
            territory=self.t93,
            language=duplicate.language,
            deadline_at=duplicate.deadline_at,
        )
        other_person = self.register("Durand", "0622222222").task
        now = T0 + timedelta(minutes=10)

        self.assertEqual(sweeps.close_reached_duplicates(now=now), 1)
        cancelled = self.refreshed(duplicate)
        self.assertEqual((cancelled.status, cancelled.closed_at), (Status.CANCELLED, now))
        self.assertEqual(self.refreshed(other_reason).status, Status.QUEUED)
        self.assertEqual(self.refreshed(other_person).status, Status.QUEUED)
        self.assertEqual(CallTask.objects.filter(status=Status.DONE).count(), 1)
        self.assertEqual(sweeps.close_reached_duplicates(now=now + timedelta(minutes=1)), 0)

    def test_it_cancels_an_escalated_duplicate(self):
        duplicate = reached_duplicate(self)
        CallTask.objects.filter(pk=duplicate.pk).update(
            status=Status.ESCALATED,
            escalation_reason=CallTask.Escalation.MAX_ATTEMPTS,
            escalated_at=T0,
        )
        self.assertEqual(sweeps.close_reached_duplicates(now=T0 + timedelta(minutes=10)), 1)
        cancelled = self.refreshed(duplicate)
        self.assertEqual((cancelled.status, cancelled.escalation_reason), (Status.CANCELLED, ""))

    def test_it_leaves_a_duplicate_being_called_to_its_agent(self):
        duplicate = reached_duplicate(self)
        self.assertEqual(self.claim(self.amel, T0 + timedelta(minutes=6)).task_id, duplicate.pk)
        self.assertEqual(sweeps.close_reached_duplicates(now=T0 + timedelta(minutes=10)), 0)
        self.assertEqual(self.refreshed(duplicate).status, Status.ASSIGNED)


class SweepCeleryTasksTests(SweepTestCase):
    def test_the_beat_tasks_run_each_sweep_with_the_current_time(self):
        """T0 is in the past: by now every lease, callback and deadline set at T0 is due."""
        reached = reach(self, "Mercier", "0611111111")
        callback = self.register("Durand", "0622222222", at=T0 + timedelta(minutes=10)).task
        assignment = self.claim(self.alice, T0 + timedelta(minutes=10))
        self.assertEqual(assignment.task_id, callback.pk)
        record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome="callback",
            now=T0 + timedelta(minutes=15),
            callback_at=T0 + timedelta(hours=1),
        )
        set_agent_status(
            agent=self.alice.agent, status=Agent.Status.OFFLINE, now=T0 + timedelta(minutes=16)
        )
        abandoned = self.register("Fabre", "0633333333", at=T0 + timedelta(minutes=20)).task
        self.assertEqual(self.claim(self.amel, T0 + timedelta(minutes=20)).task_id, abandoned.pk)
        duplicate = duplicate_of(reached)
        self.assertLess(T0 + timedelta(days=1), timezone.now())

        self.assertEqual(tasks.expire_leases.delay().get(), 1)
        self.assertEqual(tasks.release_callbacks.delay().get(), 1)
        self.assertEqual(tasks.flag_at_risk.delay().get(), 3)
        self.assertEqual(tasks.close_reached_duplicates.delay().get(), 1)
        with (
            mock.patch.object(
                ConsoleBackend, "send", autospec=True, return_value="console-1"
            ) as send,
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.assertEqual(tasks.fallback_at_deadline.delay().get(), 2)
        self.assertEqual(send.call_count, 2)
        # Their late period is over too.
        self.assertEqual(tasks.escalate_overdue.delay().get(), 2)

        self.assertEqual(self.refreshed(duplicate).status, Status.CANCELLED)
        for task in (callback, abandoned):
            self.assertEqual(self.refreshed(task).status, Status.ESCALATED)
        self.assertEqual(
            dict(SmsMessage.objects.values_list("task_id", "wording")),
            {
                callback.pk: SmsMessage.Wording.CALLBACK_MISSED,
                abandoned.pk: SmsMessage.Wording.NOT_CALLED,
            },
        )
        for sweep in (
            tasks.expire_leases,
            tasks.release_callbacks,
            tasks.flag_at_risk,
            tasks.close_reached_duplicates,
            tasks.fallback_at_deadline,
            tasks.escalate_overdue,
        ):
            with self.subTest(sweep.name):
                self.assertEqual(sweep.delay().get(), 0)


NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)  # 11:00 in Paris, inside the default calling hours.


@pytest.mark.postgres
class SweepConcurrencyTests(TransactionTestCase):
    # Keep the languages, roles and retry rules that migrations load: a flush would drop them.
    serialized_rollback = True

    def setUp(self):
        self.territory = Territory.objects.create(
            code="93", name="CPAM 93", timezone="Europe/Paris"
        )

    def queue(
        self, count: int, *, deadline_at: datetime = NOW + timedelta(hours=24)
    ) -> list[CallTask]:
        persons = Person.objects.bulk_create(
            Person(
                territory=self.territory, first_name="Ana", last_name=f"Person{i}", language_id="fr"
            )
            for i in range(count)
        )
        Phone.objects.bulk_create(
            Phone(person=p, number=f"+336{i:08d}") for i, p in enumerate(persons)
        )
        return CallTask.objects.bulk_create(
            CallTask(
                person=p,
                reason=CallTask.Reason.FOLLOW_UP,
                territory=self.territory,
                language_id="fr",
                deadline_at=deadline_at,
                created_at=NOW - timedelta(hours=1),
            )
            for p in persons
        )

    def agents(self, count: int) -> list[Agent]:
        agents = []
        for i in range(count):
            agent = make_user(
                f"agent{i:02d}", roles.TELECONSEILLER, territory=self.territory, languages=("fr",)
            ).agent
            set_agent_status(agent=agent, status=Agent.Status.READY, now=NOW - timedelta(hours=1))
            agents.append(agent)
        return agents

    def run_together(self, works: list) -> list:
        """Run each work() in its own thread, released at once; fail on any exception."""
        barrier = threading.Barrier(len(works))
        results: list = [None] * len(works)
        errors: list = []

        def run(i):
            try:
                barrier.wait()
                results[i] = works[i]()
            except Exception as exc:  # noqa: BLE001 - the test reports every failure
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(errors, [])
        return results

    def test_concurrent_deadline_sweeps_send_one_sms_per_task(self):
        tasks = self.queue(40, deadline_at=NOW)
        with mock.patch.object(
            ConsoleBackend, "send", autospec=True, return_value="console-1"
        ) as send:
            counts = self.run_together(
                [lambda: sweeps.fallback_at_deadline(now=NOW, batch_size=15)] * 8
            )

        self.assertEqual(sum(counts), 40)
        self.assertEqual(SmsMessage.objects.count(), 40)
        self.assertEqual(SmsMessage.objects.filter(status=SmsMessage.Status.SENT).count(), 40)
        self.assertEqual(send.call_count, 40)
        self.assertEqual(
            CallTask.objects.filter(
                pk__in=[t.pk for t in tasks], status=Status.QUEUED, queue_band=CallTask.Band.LATE
            ).count(),
            40,
        )
        self.assertEqual(TaskEvent.objects.filter(kind=TaskEvent.Kind.LATE).count(), 40)

    def test_lease_sweeps_racing_outcomes_neither_deadlock_nor_lose_an_outcome(self):
        self.queue(16)
        assignments = [claim_next_task(agent=agent, now=NOW) for agent in self.agents(16)]
        expiry = assignments[0].lease_expires_at

        def outcome(assignment):
            def work():
                try:
                    return record_outcome(
                        assignment=assignment,
                        agent=assignment.agent,
                        outcome="no_answer",
                        now=expiry - timedelta(seconds=1),
                    ).attempt.accepted
                except LeaseLost:
                    return False

            return work

        works = [outcome(a) for a in assignments] + [lambda: sweeps.expire_leases(now=expiry)] * 4
        results = self.run_together(works)

        accepted = dict(zip([a.task_id for a in assignments], results[:16], strict=True))
        self.assertEqual(sum(results[16:]), list(accepted.values()).count(False))
        self.assertFalse(Assignment.objects.filter(closed_at__isnull=True).exists())
        for task in CallTask.objects.filter(pk__in=accepted):
            # Either the outcome moved the task on, or the sweep gave it back untouched.
            self.assertEqual(
                (task.status, task.attempts), (Status.QUEUED, 1 if accepted[task.pk] else 0)
            )
        self.assertEqual(CallAttempt.objects.count(), 16)

    def wait_for_a_blocked_lock(self) -> None:
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    return
                time.sleep(0.01)
        self.fail("the intake never waited on the outcome's lock")

    def race_intake_against_the_reaching_outcome(self) -> CallTask:
        """An intake names a person while the agent's outcome that reaches them is committing."""
        [task] = self.queue(1)
        [agent] = self.agents(1)
        assignment = claim_next_task(agent=agent, now=NOW)
        reached, commit = threading.Event(), threading.Event()

        def reach():
            try:
                with transaction.atomic():
                    record_outcome(
                        assignment=assignment,
                        agent=agent,
                        outcome="reached",
                        now=NOW + timedelta(minutes=5),
                    )
                    reached.set()
                    commit.wait(10)
            finally:
                connection.close()

        def intake():
            try:
                enqueue_call(
                    person=task.person,
                    reason=task.reason,
                    territory=self.territory,
                    language=task.language,
                    deadline_at=NOW + timedelta(hours=24),
                    now=NOW + timedelta(minutes=5),
                )
            finally:
                connection.close()

        outcome_thread = threading.Thread(target=reach)
        outcome_thread.start()
        self.assertTrue(reached.wait(10))
        intake_thread = threading.Thread(target=intake)
        intake_thread.start()
        self.wait_for_a_blocked_lock()  # The intake waits on the task row the outcome holds.
        commit.set()
        outcome_thread.join(10)
        intake_thread.join(10)
        self.assertEqual(CallTask.objects.get(pk=task.pk).status, Status.DONE)
        return task

    def test_the_sweep_cancels_a_call_queued_by_an_intake_racing_the_reaching_outcome(self):
        task = self.race_intake_against_the_reaching_outcome()
        sweeps.close_reached_duplicates(now=NOW + timedelta(minutes=6))
        self.assertFalse(
            CallTask.objects.open().filter(person=task.person, reason=task.reason).exists()
        )

    def test_an_intake_racing_the_reaching_outcome_queues_no_second_call(self):
        task = self.race_intake_against_the_reaching_outcome()
        self.assertFalse(
            CallTask.objects.open().filter(person=task.person, reason=task.reason).exists()
        )
