"""Channel modes (issue 15): what each mode does at intake, to the SMS and to the SLA; the SMS
wording by case; the person's local hours and the territory's daily quota."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.test import override_settings

from agents.models import Territory
from calls.exceptions import SmsError
from calls.models import CallAttempt, CallTask, SmsMessage, TaskEvent
from calls.services.dispatch import claim_next_task
from calls.services.fallback import fallback_body, fallback_wording, queue_fallback_sms
from calls.services.sms_slots import SmsPlanner
from calls.services.sweeps import republish_sms
from calls.sms import send_sms
from cases.models import IndexCase
from intake.services import register_index_case
from supervision.models import SlaDay
from supervision.selectors.channels import waiting_sms
from supervision.services.sla import roll_up_sla
from tests.base import PersonasTestCase, contact, person

PARIS = ZoneInfo("Europe/Paris")
# A Thursday, mid-morning in Seine-Saint-Denis: inside the calling hours.
MORNING = datetime(2026, 12, 3, 10, 0, tzinfo=PARIS)
NIGHT = datetime(2026, 12, 3, 23, 30, tzinfo=PARIS)
Mode, Wording, Kind, Held = (
    Territory.ChannelMode,
    SmsMessage.Wording,
    SmsMessage.Kind,
    SmsMessage.Held,
)


class ChannelModeTestCase(PersonasTestCase):
    def set_mode(self, mode: str, sms_only=(), quota: int | None = None) -> None:
        self.t93.channel_mode = mode
        self.t93.sms_only_exposure_types = list(sms_only)
        if quota is not None:
            self.t93.sms_daily_quota = quota
        self.t93.save()

    def register(self, *, now: datetime, send: bool = True):
        """Register a patient zéro of 93 with a household and a close contact; with `send`, run
        what commits after (the SMS sending, eager in tests)."""
        contacts = [
            contact("Ayla", "Yilmaz", "0611111111", exposure_type="household"),
            contact("Bruno", "Costa", "0622222222", exposure_type="close"),
        ]
        # The sending (eager) reads the clock: the same moment.
        with (
            mock.patch("calls.sms.timezone.now", return_value=now),
            self.captureOnCommitCallbacks(execute=send),
        ):
            result = register_index_case(
                territory=self.t93,
                person=person("Paul", "Martin", "0612345678"),
                sampled_at=now,
                source="form",
                now=now,
                contacts=contacts,
            )
        household, close = (c.task for c in result.contacts)
        return household, close

    def notice(self, task: CallTask) -> SmsMessage:
        return SmsMessage.objects.get(task=task, kind=Kind.NOTICE)


class IntakeByModeTests(ChannelModeTestCase):
    def test_it_sends_no_sms_at_intake_when_calling_first(self):
        household, close = self.register(now=MORNING)
        self.assertFalse(SmsMessage.objects.exists())
        for task in (household, close):
            task.refresh_from_db()
            self.assertEqual(task.status, CallTask.Status.QUEUED)
            self.assertIsNone(task.not_before)

    def test_it_texts_every_new_contact_at_once_then_calls_them_when_sms_first(self):
        self.set_mode(Mode.SMS_FIRST)
        household, close = self.register(now=MORNING)
        for task in (household, close):
            sms = self.notice(task)
            self.assertEqual(sms.status, SmsMessage.Status.SENT)
            self.assertEqual(sms.wording, Wording.FIRST_NOTICE)
            self.assertFalse(sms.closes_task)
            task.refresh_from_db()
            # Still in the agents' queue, callable now.
            self.assertEqual(task.status, CallTask.Status.QUEUED)
            self.assertIsNone(task.not_before)
        # The patient zéro is called, never texted first.
        self.assertEqual(SmsMessage.objects.count(), 2)
        self.alice.agent.status = "ready"
        self.alice.agent.save()
        assignment = claim_next_task(agent=self.alice.agent, now=MORNING + timedelta(minutes=1))
        self.assertIsNotNone(assignment)

    def test_it_closes_sms_only_contacts_as_notified_when_their_sms_is_sent(self):
        self.set_mode(Mode.SMS_ONLY, sms_only=["close"])
        household, close = self.register(now=MORNING)
        close.refresh_from_db()
        self.assertEqual(close.status, CallTask.Status.CLOSED)
        self.assertEqual(close.closed_reason, CallTask.ClosedReason.NOTIFIED_BY_SMS)
        self.assertTrue(self.notice(close).closes_task)
        self.assertTrue(
            TaskEvent.objects.filter(
                task=close, kind=TaskEvent.Kind.CLOSED, reason="notified_by_sms"
            ).exists()
        )
        self.assertFalse(CallAttempt.objects.filter(task=close).exists())
        # The household contact is SMS-first: texted and still to call.
        household.refresh_from_db()
        self.assertEqual(household.status, CallTask.Status.QUEUED)
        self.assertFalse(self.notice(household).closes_task)

    def test_it_keeps_an_sms_only_contact_out_of_the_queue_until_the_sms_is_sent(self):
        self.set_mode(Mode.SMS_ONLY, sms_only=["close"])
        _household, close = self.register(now=MORNING, send=False)
        close.refresh_from_db()
        # Not sent yet (the broker is slow): the row waits, the call is not offered.
        self.assertEqual(close.status, CallTask.Status.QUEUED)
        self.assertEqual(close.not_before, close.deadline_at)
        self.assertEqual(self.notice(close).status, SmsMessage.Status.QUEUED)
        # The sweep catches it up; sending closes the task.
        with self.captureOnCommitCallbacks(execute=True):
            republish_sms(now=MORNING + timedelta(minutes=1))
        close.refresh_from_db()
        self.assertEqual(close.status, CallTask.Status.CLOSED)

    def test_it_queues_the_notice_in_the_intake_transaction(self):
        # The notice failing to queue leaves no contact without it: nothing was registered.
        self.set_mode(Mode.SMS_FIRST)
        with (
            mock.patch.object(SmsPlanner, "slot", side_effect=RuntimeError("boom")),
            self.assertRaises(RuntimeError),
        ):
            self.register(now=MORNING)
        self.assertFalse(SmsMessage.objects.exists())
        self.assertFalse(CallTask.objects.exists())
        self.assertFalse(IndexCase.objects.exists())


class SlaByModeTests(ChannelModeTestCase):
    def sla_day(self) -> SlaDay:
        roll_up_sla(now=MORNING + timedelta(days=1, hours=2))
        return SlaDay.objects.get(territory=self.t93, day=(MORNING + timedelta(days=1)).date())

    def test_it_counts_sms_only_contacts_as_notified_and_unreached_ones_as_missed(self):
        self.set_mode(Mode.SMS_ONLY, sms_only=["close"])
        self.register(now=MORNING)
        day = self.sla_day()
        self.assertEqual(day.contacts_due, 2)
        self.assertEqual(day.contacts_reached_in_time, 0)
        # Both were texted in time (the household contact SMS-first, never reached by phone).
        self.assertEqual(day.contacts_notified_in_time, 2)
        self.assertEqual(day.contacts_missed, 0)

    def test_it_counts_a_contact_never_told_as_missed_when_calling_first(self):
        self.register(now=MORNING)
        day = self.sla_day()
        self.assertEqual(day.contacts_due, 2)
        self.assertEqual(day.contacts_notified_in_time, 0)
        self.assertEqual(day.contacts_missed, 2)

    def test_it_counts_a_contact_reached_by_phone_after_an_sms_first_as_reached(self):
        self.set_mode(Mode.SMS_FIRST)
        household, _close = self.register(now=MORNING)
        CallTask.objects.filter(pk=household.pk).update(
            status=CallTask.Status.DONE, closed_at=MORNING + timedelta(hours=2)
        )
        day = self.sla_day()
        self.assertEqual(day.contacts_reached_in_time, 1)
        self.assertEqual(day.contacts_notified_in_time, 1)
        self.assertEqual(day.contacts_missed, 0)


class WordingTests(ChannelModeTestCase):
    def test_the_notice_before_any_call_claims_no_call(self):
        self.set_mode(Mode.SMS_FIRST)
        household, _close = self.register(now=MORNING)
        body = self.notice(household).body
        self.assertIn(settings.CALLBACK_NUMBER, body)
        self.assertNotIn("essayé", body)
        self.assertNotIn("rappeler", body)
        self.assertIn("test de dépistage", body)

    def test_the_fallback_says_we_tried_only_after_a_call_was_tried(self):
        household, _close = self.register(now=MORNING)
        household.refresh_from_db()
        self.assertEqual(fallback_wording(household), Wording.NOT_CALLED)
        self.assertNotIn("essayé", fallback_body(household))
        household.attempts = 1
        self.assertEqual(fallback_wording(household), Wording.CALLED)
        self.assertIn("essayé de vous appeler", fallback_body(household))
        household.callback_at = MORNING
        self.assertEqual(fallback_wording(household), Wording.CALLBACK_MISSED)
        self.assertIn("heure convenue", fallback_body(household))

    def test_the_notice_is_in_the_persons_language_when_there_is_a_text(self):
        self.set_mode(Mode.SMS_FIRST)
        with self.captureOnCommitCallbacks(execute=True):
            result = register_index_case(
                territory=self.t93,
                person=person("Paul", "Martin", "0612345678"),
                sampled_at=MORNING,
                source="form",
                now=MORNING,
                contacts=[contact("John", "Smith", "0633333333", language="en")],
            )
        body = self.notice(result.contacts[0].task).body
        self.assertIn("for your instructions", body)
        self.assertNotIn("tried", body)


class LocalHoursAndQuotaTests(ChannelModeTestCase):
    def test_a_notice_due_at_night_waits_for_the_morning_in_the_row(self):
        self.set_mode(Mode.SMS_FIRST)
        household, _close = self.register(now=NIGHT)
        sms = self.notice(household)
        self.assertEqual(sms.status, SmsMessage.Status.QUEUED)
        self.assertEqual(sms.held, Held.NIGHT)
        morning = datetime(2026, 12, 4, 8, 30, tzinfo=PARIS)
        self.assertEqual(sms.next_attempt_at, morning)
        self.assertEqual(sms.planned_on, morning.date())
        self.assertEqual(waiting_sms(territory=self.t93).night, 2)
        # The sweep leaves it until the morning, then sends it.
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(republish_sms(now=morning - timedelta(minutes=1)), 0)
        # send_sms reads the clock: it is the morning.
        with (
            mock.patch("calls.sms.timezone.now", return_value=morning + timedelta(minutes=1)),
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.assertEqual(republish_sms(now=morning + timedelta(minutes=1)), 2)
        sms.refresh_from_db()
        self.assertEqual(sms.status, SmsMessage.Status.SENT)
        self.assertEqual(sms.held, "")

    def test_it_reads_the_hours_in_the_persons_time_zone(self):
        # 23:30 in Paris is 02:30 in La Réunion: night there too; 06:00 in Paris is 09:00 there.
        t974 = Territory.objects.get(code="974")
        t974.channel_mode = Mode.SMS_FIRST
        t974.save()
        morning_reunion = datetime(2026, 12, 4, 6, 0, tzinfo=PARIS)
        with self.captureOnCommitCallbacks(execute=True):
            result = register_index_case(
                territory=t974,
                person=person("Paul", "Hoarau", "0692123456"),
                sampled_at=morning_reunion,
                source="form",
                now=morning_reunion,
                contacts=[contact("Marie", "Payet", "0692654321")],
            )
        sms = self.notice(result.contacts[0].task)
        self.assertEqual(sms.held, "")
        self.assertEqual(sms.status, SmsMessage.Status.SENT)

    def test_past_the_daily_quota_messages_wait_for_the_next_day_and_show(self):
        self.set_mode(Mode.SMS_FIRST, quota=1)
        household, close = self.register(now=MORNING)
        first, second = self.notice(household), self.notice(close)
        self.assertEqual(first.status, SmsMessage.Status.SENT)
        self.assertEqual(first.planned_on, MORNING.date())
        self.assertEqual(second.status, SmsMessage.Status.QUEUED)
        self.assertEqual(second.held, Held.QUOTA)
        self.assertEqual(second.next_attempt_at, datetime(2026, 12, 4, 8, 30, tzinfo=PARIS))
        self.assertEqual(second.planned_on, MORNING.date() + timedelta(days=1))
        waiting = waiting_sms(territory=self.t93)
        self.assertEqual((waiting.quota, waiting.night), (1, 0))
        self.assertEqual(waiting.next_due_at, second.next_attempt_at)

    def test_the_fallback_sms_also_waits_for_the_morning(self):
        household, _close = self.register(now=MORNING)
        household.refresh_from_db()
        with self.captureOnCommitCallbacks(execute=True):
            sms = queue_fallback_sms(task=household, now=NIGHT)
        self.assertEqual(sms.kind, Kind.FALLBACK)
        self.assertEqual(sms.held, Held.NIGHT)
        sms.refresh_from_db()
        self.assertEqual(sms.status, SmsMessage.Status.QUEUED)

    @override_settings(CALLBACK_NUMBER="01 02 03 04 05")
    def test_a_quota_counts_fallbacks_and_notices_together(self):
        self.set_mode(Mode.SMS_FIRST, quota=2)
        household, _close = self.register(now=MORNING)
        household.refresh_from_db()
        sms = queue_fallback_sms(task=household, now=MORNING + timedelta(hours=1))
        self.assertEqual(sms.held, Held.QUOTA)
        self.assertIn("01 02 03 04 05", sms.body)

    def test_a_waiting_message_that_fails_in_the_morning_shows_as_failing_not_waiting(self):
        self.set_mode(Mode.SMS_FIRST)
        household, _close = self.register(now=NIGHT)
        sms = self.notice(household)
        morning = sms.next_attempt_at + timedelta(minutes=1)
        backend = mock.Mock()
        backend.send.side_effect = SmsError("gateway down")
        with (
            mock.patch("calls.sms.timezone.now", return_value=morning),
            mock.patch("calls.sms.get_backend", return_value=backend),
        ):
            self.assertEqual(send_sms.delay(sms.pk).get(), "retry")
        sms.refresh_from_db()
        self.assertEqual((sms.status, sms.held), (SmsMessage.Status.QUEUED, ""))
        self.assertIn(sms, SmsMessage.objects.undelivered())
        self.assertEqual(waiting_sms(territory=self.t93).night, 1)
