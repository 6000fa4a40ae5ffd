"""Outcomes (DESIGN.md §2, invariants 5, 6 and 7; §3 retry policy): what each one does next."""

from datetime import UTC, date, datetime, time, timedelta

from agents.models import AgentDay, Language, Territory
from calls.exceptions import InvalidOutcome
from calls.models import Assignment, CallAttempt, CallTask, RetryRule, SmsMessage
from calls.services.fallback import CALLBACK_GRACE, queue_fallback_sms
from calls.services.outcomes import mark_connected, mark_dialled, record_outcome
from cases.models import Phone
from tests.base import contact
from tests.calls.test_dispatch import NOW, QueueTestCase

Outcome = CallAttempt.Outcome
MINUTE = timedelta(minutes=1)


class OutcomeTestCase(QueueTestCase):
    def call(
        self, user, *, at: datetime, outcome: str, task: CallTask | None = None, **kwargs
    ) -> CallAttempt:
        """Claim at `at` (the call of `task`, if given), and record the outcome a minute later."""
        assignment = self.claim(user, at)
        self.assertIsNotNone(assignment)
        if task is not None:
            self.assertEqual(assignment.task_id, task.pk)
        return record_outcome(
            assignment=assignment, agent=user.agent, outcome=outcome, now=at + MINUTE, **kwargs
        ).attempt


class RetryTests(OutcomeTestCase):
    def test_it_retries_no_answer_later_on_the_next_number(self):
        task = self.make_task(phones=("+33611111111", "+33622222222"))
        rule = RetryRule.objects.get(outcome=Outcome.NO_ANSWER)
        self.ready(self.alice)
        first = self.claim(self.alice, NOW)
        self.assertEqual(first.phone, "+33611111111")
        record_outcome(
            assignment=first, agent=self.alice.agent, outcome=Outcome.NO_ANSWER, now=NOW + MINUTE
        )
        task.refresh_from_db()
        due = NOW + MINUTE + timedelta(minutes=rule.delay_minutes)
        self.assertEqual(
            (task.status, task.attempts, task.not_before, task.phone_position, task.lease_holder),
            (CallTask.Status.QUEUED, 1, due, 1, None),
        )
        self.assertIsNone(self.claim(self.alice, due - timedelta(seconds=1)))
        self.assertEqual(self.claim(self.alice, due).phone, "+33622222222")

    def test_it_retires_a_wrong_number_not_the_person(self):
        task = self.make_task(phones=("+33611111111", "+33622222222"))
        person = task.person
        self.ready(self.alice)
        self.call(self.alice, at=NOW, outcome=Outcome.WRONG_NUMBER, task=task)
        wrong = Phone.objects.get(number="+33611111111")
        self.assertEqual(wrong.retired_at, NOW + MINUTE)
        self.assertIsNone(Phone.objects.get(number="+33622222222").retired_at)
        person.refresh_from_db()
        self.assertEqual(
            (person.first_name, person.last_name, person.purged_at),
            ("Ana", task.person.last_name, None),
        )
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.not_before, task.attempts), (CallTask.Status.QUEUED, None, 1)
        )
        # The next number is dialled next, at once.
        second = self.claim(self.alice, NOW + 2 * MINUTE)
        self.assertEqual((second.task_id, second.phone), (task.pk, "+33622222222"))
        record_outcome(
            assignment=second,
            agent=self.alice.agent,
            outcome=Outcome.WRONG_NUMBER,
            now=NOW + 3 * MINUTE,
        )
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.escalation_reason, task.escalated_at),
            (CallTask.Status.ESCALATED, CallTask.Escalation.NO_PHONE, NOW + 3 * MINUTE),
        )
        self.assertEqual(person.phones.in_service().count(), 0)
        self.assertFalse(SmsMessage.objects.exists())
        self.assertIsNone(self.claim(self.alice, NOW + 4 * MINUTE))

    def test_it_keeps_an_owned_callback_for_its_owner_until_its_time(self):
        task = self.make_task()
        self.ready(self.alice, self.anna)
        callback_at = NOW + timedelta(hours=2)
        self.call(self.alice, at=NOW, outcome=Outcome.CALLBACK, task=task, callback_at=callback_at)
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.reserved_for, task.not_before),
            (CallTask.Status.QUEUED, self.alice.agent, callback_at),
        )
        self.assertIsNone(self.claim(self.anna, callback_at + timedelta(hours=1)))
        self.assertIsNone(self.claim(self.alice, callback_at - MINUTE))
        self.assertEqual(self.claim(self.alice, callback_at).task_id, task.pk)

    def test_it_opens_a_callback_for_all_to_anyone(self):
        task = self.make_task()
        self.ready(self.alice, self.anna)
        callback_at = NOW + timedelta(hours=2)
        self.call(
            self.alice,
            at=NOW,
            outcome=Outcome.CALLBACK,
            task=task,
            callback_at=callback_at,
            callback_for_all=True,
        )
        task.refresh_from_db()
        self.assertIsNone(task.reserved_for)
        self.assertIsNone(self.claim(self.anna, callback_at - MINUTE))
        self.assertEqual(self.claim(self.anna, callback_at).task_id, task.pk)

    def test_it_refuses_a_callback_without_a_future_time_and_writes_nothing(self):
        self.make_task()
        self.ready(self.alice)
        assignment = self.claim(self.alice, NOW)
        for callback_at in (None, NOW + MINUTE):
            with self.subTest(callback_at=callback_at), self.assertRaises(InvalidOutcome):
                record_outcome(
                    assignment=assignment,
                    agent=self.alice.agent,
                    outcome=Outcome.CALLBACK,
                    now=NOW + MINUTE,
                    callback_at=callback_at,
                )
        self.assertFalse(CallAttempt.objects.exists())
        assignment.refresh_from_db()
        self.assertIsNone(assignment.closed_at)

    def test_it_requeues_a_language_barrier_in_the_language_found(self):
        task = self.make_task()
        self.ready(self.alice, self.sidi)
        self.call(
            self.alice,
            at=NOW,
            outcome=Outcome.LANGUAGE_BARRIER,
            task=task,
            language=Language.objects.get(code="snk"),
        )
        task.refresh_from_db()
        task.person.refresh_from_db()
        self.assertEqual(
            (task.status, task.language_id, task.person.language_id),
            (CallTask.Status.QUEUED, "snk", "snk"),
        )
        self.assertIsNone(self.claim(self.alice, NOW + 2 * MINUTE))
        self.assertEqual(self.claim(self.sidi, NOW + 2 * MINUTE).task_id, task.pk)

    def test_it_escalates_a_language_barrier_in_an_unknown_language(self):
        task = self.make_task()
        self.ready(self.alice)
        self.call(self.alice, at=NOW, outcome=Outcome.LANGUAGE_BARRIER, task=task)
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.escalation_reason, task.language_id),
            (CallTask.Status.ESCALATED, CallTask.Escalation.LANGUAGE, "fr"),
        )

    def test_it_sends_one_sms_and_escalates_after_the_maximum_attempts(self):
        task = self.make_task(phones=("+33611111111", "+33622222222"))
        rule = RetryRule.objects.get(outcome=Outcome.BUSY)
        self.ready(self.alice)
        at = NOW
        for attempt in range(1, rule.max_attempts + 1):
            self.assertFalse(SmsMessage.objects.exists())
            self.assertEqual(task.status, CallTask.Status.QUEUED)
            last = self.call(self.alice, at=at, outcome=Outcome.BUSY, task=task)
            task.refresh_from_db()
            self.assertEqual(task.attempts, attempt)
            at = task.not_before or at + MINUTE
        self.assertEqual(
            (task.status, task.escalation_reason, task.escalated_at),
            (CallTask.Status.ESCALATED, CallTask.Escalation.MAX_ATTEMPTS, last.ended_at),
        )
        sms = SmsMessage.objects.get()
        self.assertEqual(
            (sms.task, sms.phone, sms.status), (task, "+33611111111", SmsMessage.Status.QUEUED)
        )
        # Once, never twice: a sweep queueing it again finds the first one.
        self.assertIsNone(queue_fallback_sms(task=task, now=at))
        self.assertEqual(SmsMessage.objects.count(), 1)
        self.assertIsNone(self.claim(self.alice, at + timedelta(hours=1)))


class CallbackRuleTests(OutcomeTestCase):
    """A callback is booked before the deadline, unless the notification was given during the
    call: then the person counts as reached and the callback is a follow-up."""

    def contact_to_call(self) -> CallTask:
        Territory.objects.update(calling_hours_start=time(0, 0), calling_hours_end=time(23, 59))
        result = self.register_case(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        CallTask.objects.filter(pk=result.task.pk).update(
            status=CallTask.Status.DONE, closed_at=NOW
        )
        task = result.contacts[0].task
        CallTask.objects.filter(pk=task.pk).update(deadline_at=NOW + timedelta(hours=6))
        task.refresh_from_db()
        self.ready(self.alice)
        return task

    def book(self, task: CallTask, callback_at: datetime, **kwargs) -> CallAttempt:
        return self.call(
            self.alice,
            at=NOW,
            outcome=Outcome.CALLBACK,
            task=task,
            callback_at=callback_at,
            **kwargs,
        )

    def test_a_callback_before_the_deadline_is_booked(self):
        task = self.contact_to_call()
        callback_at = task.deadline_at - timedelta(hours=1)
        self.book(task, callback_at)
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.not_before, task.callback_at, task.reserved_for),
            (CallTask.Status.QUEUED, callback_at, callback_at, self.alice.agent),
        )

    def test_a_callback_after_the_deadline_is_refused_and_writes_nothing(self):
        task = self.contact_to_call()
        with self.assertRaises(InvalidOutcome):
            self.book(task, task.deadline_at + MINUTE)
        self.assertFalse(CallAttempt.objects.exists())
        task.refresh_from_db()
        self.assertEqual(task.status, CallTask.Status.ASSIGNED)

    def test_after_the_notification_the_person_is_reached_and_the_callback_a_follow_up(self):
        task = self.contact_to_call()
        callback_at = task.deadline_at + timedelta(days=2)
        attempt = self.book(task, callback_at, notification_given=True)
        task.refresh_from_db()
        self.assertEqual((attempt.outcome, attempt.accepted), (Outcome.REACHED, True))
        self.assertEqual((task.status, task.closed_at), (CallTask.Status.DONE, NOW + MINUTE))
        self.assertEqual(AgentDay.objects.get(agent=self.alice.agent).reached, 1)
        follow_up = CallTask.objects.get(reason=CallTask.Reason.FOLLOW_UP)
        self.assertEqual(
            (follow_up.person, follow_up.exposure, follow_up.status, follow_up.not_before),
            (task.person, task.exposure, CallTask.Status.QUEUED, callback_at),
        )
        self.assertEqual(
            (follow_up.callback_at, follow_up.reserved_for),
            (callback_at, self.alice.agent),
        )
        self.assertEqual(follow_up.deadline_at, callback_at + CALLBACK_GRACE)

    def test_the_notification_goes_only_with_a_callback(self):
        task = self.contact_to_call()
        with self.assertRaises(InvalidOutcome):
            self.call(
                self.alice, at=NOW, outcome=Outcome.NO_ANSWER, task=task, notification_given=True
            )
        self.assertFalse(CallAttempt.objects.exists())

    def test_a_booked_callback_is_kept_past_the_maximum_attempts(self):
        task = self.contact_to_call()
        CallTask.objects.filter(pk=task.pk).update(
            attempts=RetryRule.objects.get(outcome=Outcome.CALLBACK).max_attempts
        )
        self.book(task, task.deadline_at - timedelta(hours=1))
        task.refresh_from_db()
        self.assertEqual(task.status, CallTask.Status.QUEUED)
        self.assertFalse(SmsMessage.objects.exists())

    def test_a_refused_call_is_closed_with_its_reason(self):
        task = self.contact_to_call()
        self.call(self.alice, at=NOW, outcome=Outcome.REFUSED, task=task)
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.closed_reason),
            (CallTask.Status.CLOSED, CallTask.ClosedReason.REFUSED),
        )


class ReachedTests(OutcomeTestCase):
    def test_it_closes_a_reached_call_and_never_queues_it_again(self):
        self.ready(self.alice)
        first = self.register_case(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        ana_task = first.contacts[0].task
        self.assertEqual(self.take_all(self.alice), [first.task.pk, ana_task.pk])
        ana_task.refresh_from_db()
        self.assertEqual((ana_task.status, ana_task.attempts), (CallTask.Status.DONE, 1))
        # Another patient zéro names Ana again: she was told, nobody calls her twice.
        second = self.register_case(
            self.t93,
            name="Durand",
            phone="0698765432",
            contacts=[contact("Ana", "Silva", "0611111111")],
        )
        self.assertEqual(second.contacts[0].task.pk, ana_task.pk)
        self.assertEqual(
            CallTask.objects.filter(
                person=ana_task.person, reason=CallTask.Reason.CONTACT_NOTIFICATION
            ).count(),
            1,
        )
        self.assertEqual(
            self.take_all(self.alice, start=NOW + timedelta(hours=1)), [second.task.pk]
        )


class CounterTests(OutcomeTestCase):
    def test_it_counts_calls_talk_time_and_short_calls_from_server_times(self):
        for _ in range(3):
            self.make_task()
        self.ready(self.alice)
        agent = self.alice.agent

        # Never answered.
        unanswered = self.claim(self.alice, NOW)
        mark_dialled(
            assignment=unanswered,
            agent=agent,
            phone=unanswered.phone,
            now=NOW + timedelta(seconds=10),
        )
        record_outcome(
            assignment=unanswered,
            agent=agent,
            outcome=Outcome.NO_ANSWER,
            now=NOW + timedelta(seconds=40),
        )

        # Answered, hung up after 5 s: a short call.
        start = NOW + MINUTE
        short = self.claim(self.alice, start)
        mark_dialled(
            assignment=short, agent=agent, phone=short.phone, now=start + timedelta(seconds=5)
        )
        mark_connected(assignment=short, agent=agent, now=start + timedelta(seconds=20))
        record_outcome(
            assignment=short,
            agent=agent,
            outcome=Outcome.REFUSED,
            now=start + timedelta(seconds=25),
        )

        # A 10-minute interview.
        start = NOW + 2 * MINUTE
        interview = self.claim(self.alice, start)
        mark_dialled(
            assignment=interview,
            agent=agent,
            phone=interview.phone,
            now=start + timedelta(seconds=5),
        )
        mark_connected(assignment=interview, agent=agent, now=start + timedelta(seconds=15))
        ended = start + timedelta(seconds=15, minutes=10)
        record_outcome(assignment=interview, agent=agent, outcome=Outcome.REACHED, now=ended)

        day = AgentDay.objects.get(agent=agent)
        self.assertEqual(day.day, date(2026, 1, 15))
        self.assertEqual(
            (
                day.calls,
                day.reached,
                day.talk_seconds,
                day.short_calls,
                day.refused_outcomes,
                day.last_call_at,
            ),
            (3, 1, 5 + 600, 1, 0, ended),
        )
        # The counters agree with the rows, which carry the server's times.
        rows = list(
            CallAttempt.objects.order_by("started_at").values_list(
                "outcome", "started_at", "connected_at", "ended_at"
            )
        )
        self.assertEqual(
            rows,
            [
                (Outcome.NO_ANSWER, NOW + timedelta(seconds=10), None, NOW + timedelta(seconds=40)),
                (
                    Outcome.REFUSED,
                    NOW + timedelta(seconds=65),
                    NOW + timedelta(seconds=80),
                    NOW + timedelta(seconds=85),
                ),
                (
                    Outcome.REACHED,
                    NOW + timedelta(seconds=125),
                    NOW + timedelta(seconds=135),
                    ended,
                ),
            ],
        )
        self.assertFalse(Assignment.objects.filter(closed_at__isnull=True).exists())

    def test_it_counts_a_call_on_the_agents_local_day(self):
        self.t974.calling_hours_start, self.t974.calling_hours_end = time(0, 0), time(23, 59)
        self.t974.save(update_fields=["calling_hours_start", "calling_hours_end"])
        self.make_task(territory=self.t974)
        self.ready(self.zoe)
        # 20:30 UTC on the 15th is 00:30 on the 16th in La Réunion.
        self.call(self.zoe, at=datetime(2026, 1, 15, 20, 30, tzinfo=UTC), outcome=Outcome.NO_ANSWER)
        calls_by_day = dict(
            AgentDay.objects.filter(agent=self.zoe.agent).values_list("day", "calls")
        )
        self.assertEqual(calls_by_day.get(date(2026, 1, 16)), 1)
        self.assertEqual(calls_by_day.get(date(2026, 1, 15), 0), 0)
