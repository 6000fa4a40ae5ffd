"""What the agent reads after each outcome: what the retry rules decided, said by the service
that decided it (issue 13, part 4)."""

from datetime import timedelta

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from agents.models import AgentDay, Language
from calls.models import CallAttempt, CallTask, RetryRule, SmsMessage
from calls.services.next_steps import Kind, Sms
from calls.services.outcomes import mark_connected, record_outcome
from tests.calls.test_desk import DeskTestCase, outcome_data
from tests.calls.test_dispatch import NOW, QueueTestCase
from tests.calls.test_inbound import InboundTestCase, inbound_url, notification_data, person_url

Outcome = CallAttempt.Outcome
MINUTE = timedelta(minutes=1)
# NOW is 10:00 UTC: 11:00 in Paris, 14:00 in La Réunion.
ENDED = NOW + MINUTE


class OutcomeMessageTestCase(QueueTestCase):
    def setUp(self):
        self.ready(self.alice, self.zoe)

    def record(self, outcome: str, *, user=None, task=None, connected=True, **kwargs):
        user = user or self.alice
        assignment = self.claim(user, NOW)
        self.assertIsNotNone(assignment)
        if task is not None:
            self.assertEqual(assignment.task_id, task.pk)
        if connected:
            mark_connected(assignment=assignment, agent=user.agent, now=NOW + timedelta(seconds=5))
        recorded = record_outcome(
            assignment=assignment, agent=user.agent, outcome=outcome, now=ENDED, **kwargs
        )
        with translation.override("en"):
            return recorded, recorded.next_step.message()


class ClosedMessageTests(OutcomeMessageTestCase):
    def test_it_says_a_reached_call_is_closed(self):
        self.make_task()
        recorded, message = self.record(Outcome.REACHED)
        self.assertEqual(recorded.next_step.kind, Kind.DONE)
        self.assertEqual(message, "Closed: reached.")

    def test_it_says_a_refused_call_is_closed_and_why(self):
        self.make_task()
        _, message = self.record(Outcome.REFUSED)
        self.assertEqual(message, "Closed: refused.")


class RetryMessageTests(OutcomeMessageTestCase):
    def test_it_says_the_next_attempts_time_and_number(self):
        self.make_task(phones=("+33611111111", "+33622222222"))
        recorded, message = self.record(Outcome.NO_ANSWER, connected=False)
        # no_answer: 60 minutes later, on the next number.
        self.assertEqual(recorded.next_step.at, ENDED + timedelta(minutes=60))
        self.assertEqual(message, "Next attempt at 12:01, on 06 22 22 22 22.")

    def test_it_says_the_time_in_the_territorys_zone(self):
        self.make_task(territory=self.t974, phones=("+262692111111",))
        _, message = self.record(Outcome.BUSY, user=self.zoe, connected=False)
        # busy: 15 minutes later, same number; 10:16 UTC is 14:16 in La Réunion.
        self.assertEqual(message, "Next attempt at 14:16.")

    def test_it_gives_the_date_of_an_attempt_on_another_day(self):
        self.make_task()
        RetryRule.objects.filter(outcome=Outcome.BUSY).update(delay_minutes=24 * 60)
        _, message = self.record(Outcome.BUSY, connected=False)
        self.assertIn("Next attempt at 01/16/2026", message)

    def test_a_wrong_number_says_the_number_retired_and_the_next_one(self):
        self.make_task(phones=("+33611111111", "+33622222222"))
        _, message = self.record(Outcome.WRONG_NUMBER, connected=False)
        self.assertEqual(
            message,
            "06 11 11 11 11 taken out of service. Back in the queue now, next attempt on "
            "06 22 22 22 22.",
        )

    def test_a_callback_open_to_all_says_so(self):
        self.make_task()
        at = NOW + timedelta(hours=2)
        _, message = self.record(Outcome.CALLBACK, callback_at=at, callback_for_all=True)
        self.assertEqual(message, "Callback booked for 13:00, open to all agents.")

    def test_a_language_found_says_who_takes_the_call(self):
        self.make_task()
        turkish = Language.objects.get(code="tr")
        recorded, message = self.record(Outcome.LANGUAGE_BARRIER, language=turkish)
        self.assertEqual(recorded.next_step.kind, Kind.LANGUAGE)
        self.assertEqual(message, "Back in the queue now for an agent who speaks Turkish.")


class EscalationMessageTests(OutcomeMessageTestCase):
    def test_a_wrong_number_on_a_one_number_person_says_why_it_is_escalated(self):
        task = self.make_task(phones=("+33611111111",))
        recorded, message = self.record(Outcome.WRONG_NUMBER, connected=False)
        task.refresh_from_db()
        self.assertEqual(task.status, CallTask.Status.ESCALATED)
        self.assertEqual(
            message,
            "06 11 11 11 11 taken out of service. Escalated to the supervisor because no other "
            "number is left.",
        )

    def test_an_unknown_language_says_why_it_is_escalated(self):
        self.make_task()
        _, message = self.record(Outcome.LANGUAGE_BARRIER)
        self.assertEqual(
            message, "Escalated to the supervisor because the person's language is unknown."
        )

    def test_the_last_attempt_says_the_sms_queued_and_the_escalation(self):
        task = self.make_task(phones=("+33611111111",))
        CallTask.objects.filter(pk=task.pk).update(attempts=4)
        recorded, message = self.record(Outcome.BUSY, connected=False)
        self.assertEqual(recorded.next_step.sms, Sms.QUEUED)
        sms = SmsMessage.objects.get(task=task)
        self.assertEqual(sms.phone, "+33611111111")
        self.assertEqual(
            message,
            "Escalated to the supervisor because the maximum of 5 attempts is reached. "
            "SMS queued for 06 11 11 11 11.",
        )

    def test_the_last_attempt_says_no_new_sms_when_one_went_out_before(self):
        task = self.make_task(phones=("+33611111111",))
        CallTask.objects.filter(pk=task.pk).update(attempts=4)
        SmsMessage.objects.create(
            task=task, kind=SmsMessage.Kind.FALLBACK, phone="+33611111111", body="…", created_at=NOW
        )
        _, message = self.record(Outcome.BUSY, connected=False)
        self.assertTrue(message.endswith("No new SMS: the person was texted before."), message)

    def test_the_last_attempt_says_no_sms_without_a_number_in_service(self):
        task = self.make_task(phones=("+33611111111",))
        CallTask.objects.filter(pk=task.pk).update(attempts=4)
        assignment = self.claim(self.alice, NOW)
        task.person.phones.update(retired_at=NOW)
        recorded = record_outcome(
            assignment=assignment, agent=self.alice.agent, outcome=Outcome.BUSY, now=ENDED
        )
        self.assertEqual(recorded.next_step.sms, Sms.NO_NUMBER)
        with translation.override("en"):
            self.assertIn("No SMS: no number in service.", recorded.next_step.message())


class TalkNotMarkedTests(OutcomeMessageTestCase):
    def test_a_conversation_without_answered_has_no_talk_time_and_says_so(self):
        self.make_task()
        recorded, message = self.record(Outcome.REFUSED, connected=False)
        attempt = recorded.attempt
        self.assertIsNone(attempt.connected_at)
        self.assertTrue(attempt.talk_not_marked)
        day = AgentDay.objects.get(agent=self.alice.agent)
        self.assertEqual((day.talk_seconds, day.talk_not_marked), (0, 1))
        self.assertEqual(
            message,
            "Closed: refused. Talk time not counted: « Answered » was not clicked. It is "
            "recorded as not marked.",
        )

    def test_a_conversation_marked_counts_its_talk_time(self):
        self.make_task()
        recorded, message = self.record(Outcome.REACHED)
        self.assertFalse(recorded.attempt.talk_not_marked)
        day = AgentDay.objects.get(agent=self.alice.agent)
        self.assertEqual((day.talk_seconds, day.talk_not_marked), (55, 0))
        self.assertNotIn("Talk time", message)

    def test_no_answer_needs_no_conversation(self):
        self.make_task()
        recorded, message = self.record(Outcome.NO_ANSWER, connected=False)
        self.assertFalse(recorded.attempt.talk_not_marked)
        self.assertNotIn("Talk time", message)


class DeskMessageTests(DeskTestCase):
    def test_a_callback_with_the_notification_given_says_the_follow_up_booked(self):
        assignment = self.claim()
        at = timezone.now() + timedelta(hours=2)
        recorded = record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome=Outcome.CALLBACK,
            now=timezone.now(),
            callback_at=at,
            notification_given=True,
        )
        step = recorded.next_step
        self.assertEqual((step.kind, step.follow_up, step.at), (Kind.DONE, True, at))
        with translation.override("en"):
            self.assertTrue(
                step.message().startswith("Closed: reached. Follow-up call booked for "),
                step.message(),
            )

    def test_the_desk_says_what_happens_next_after_the_outcome(self):
        self.client.force_login(self.alice)
        assignment = self.claim()
        response = self.client.post(
            reverse("calls:record-outcome", args=[assignment.pk]), outcome_data("no_answer")
        )
        self.assertRedirects(response, reverse("calls:desk"))
        task = CallTask.objects.get(pk=assignment.task_id)
        when = timezone.localtime(task.not_before, self.t93.zone).strftime("%H:%M")
        (message,) = self.messages_of(response)
        self.assertEqual(message, f"Outcome recorded. Next attempt at {when}, on 01 48 00 00 00.")


class InboundMessageTests(InboundTestCase):
    def test_an_inbound_call_says_what_happens_next(self):
        opened = self.opened_token(self.awa)
        response = self.client.post(
            inbound_url(self.contact_task),
            {**outcome_data("reached"), **notification_data(), "opened": opened},
        )
        self.assertRedirects(response, person_url(self.awa), fetch_redirect_response=False)
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        self.assertEqual(messages, ["Inbound call recorded. Closed: reached."])
        # The person was on the line from the opening of the file: talk time, nothing to mark.
        self.assertFalse(CallAttempt.objects.get(task=self.contact_task).talk_not_marked)
