"""The SMS outbox (issue 12): the row is the truth; nothing is lost to a killed worker, a failing
gateway or a broker down, and nothing is sent twice."""

from collections import Counter
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from calls.exceptions import SmsError
from calls.models import CallAttempt, CallTask, RetryRule, SmsMessage
from calls.sms import send_sms
from calls.tasks import republish_sms
from supervision.tasks import refresh_boards
from tests.calls.test_desk import DeskTestCase, outcome_data


class CountingGateway:
    """A fake gateway that keeps one SMS per client reference, as the real one promises, and
    counts every request by reference; `failures` requests fail first."""

    requests: Counter = Counter()
    delivered: Counter = Counter()
    failures = 0

    @classmethod
    def reset(cls, failures: int = 0) -> None:
        cls.requests, cls.delivered, cls.failures = Counter(), Counter(), failures

    def send(self, *, to: str, body: str, client_ref: str = "") -> str:
        type(self).requests[client_ref] += 1
        if type(self).failures:
            type(self).failures -= 1
            raise SmsError("SMS gateway answered HTTP 503")
        if not type(self).delivered[client_ref]:
            type(self).delivered[client_ref] = 1
        return f"gw-{client_ref[:8]}"


BACKEND = override_settings(SMS_BACKEND="tests.calls.test_sms_outbox.CountingGateway")


@BACKEND
class OutboxTests(DeskTestCase):
    def setUp(self):
        super().setUp()
        CountingGateway.reset()
        task = CallTask.objects.filter(index_case=self.case).get()
        self.sms = SmsMessage.objects.create(task=task, phone="+33612345678", body="Rappelez-nous.")
        self.ref = str(self.sms.client_ref)

    def sweep(self) -> int:
        with self.captureOnCommitCallbacks(execute=True):
            return republish_sms.delay().get()

    def test_a_message_left_sending_by_a_killed_worker_is_sent_once(self):
        # The worker took it, reached the gateway (or not), and was killed before marking it.
        CountingGateway.delivered[self.ref] = 1
        lost_at = timezone.now() - timedelta(seconds=settings.SMS_SENDING_TIMEOUT + 1)
        SmsMessage.objects.filter(pk=self.sms.pk).update(
            status=SmsMessage.Status.SENDING, claimed_at=lost_at, attempts=1
        )

        self.assertEqual(self.sweep(), 1)

        self.sms.refresh_from_db()
        self.assertEqual((self.sms.status, self.sms.attempts), (SmsMessage.Status.SENT, 2))
        # Sent again under the same reference: the gateway keeps one SMS.
        self.assertEqual(CountingGateway.requests, Counter({self.ref: 1}))
        self.assertEqual(CountingGateway.delivered, Counter({self.ref: 1}))
        self.assertEqual(self.sweep(), 0)

    def test_a_message_a_worker_is_sending_now_is_left_to_it(self):
        SmsMessage.objects.filter(pk=self.sms.pk).update(
            status=SmsMessage.Status.SENDING, claimed_at=timezone.now(), attempts=1
        )
        self.assertEqual(self.sweep(), 0)
        self.assertEqual(send_sms.delay(self.sms.pk).get(), "skipped")
        self.assertEqual(CountingGateway.requests, Counter())

    def test_a_failing_gateway_is_retried_after_a_backoff_and_sends_once_when_it_recovers(self):
        CountingGateway.reset(failures=2)
        self.assertEqual(send_sms.delay(self.sms.pk).get(), "retry")
        # Not due yet: the sweep leaves it.
        self.assertEqual(self.sweep(), 0)
        for expected in ("retry", "sent"):
            SmsMessage.objects.filter(pk=self.sms.pk).update(
                next_attempt_at=timezone.now() - timedelta(seconds=1)
            )
            with self.captureOnCommitCallbacks(execute=True):
                self.assertEqual(republish_sms.delay().get(), 1)
            self.sms.refresh_from_db()
            self.assertEqual(self.sms.status, {"retry": "queued", "sent": "sent"}[expected])

        self.assertEqual(self.sms.attempts, 3)
        self.assertEqual(self.sms.error, "")
        self.assertEqual(CountingGateway.requests, Counter({self.ref: 3}))
        self.assertEqual(CountingGateway.delivered, Counter({self.ref: 1}))
        self.assertEqual(self.sweep(), 0)

    def supervisor_sees(self) -> tuple[list[str], str | None]:
        """What the territory's superviseur sees: the states on the escalations page, and the
        SMS badge of every page header (refreshed by the board's periodic job)."""
        refresh_boards.delay().get()
        self.client.force_login(self.bob)
        response = self.client.get(reverse("supervision:escalations"))
        states = [str(sms.status) for sms in response.context["undelivered_sms"]]
        badge = response.context.get("undelivered_sms_count")
        return states, (f"{badge}" if badge else None)

    def test_a_failing_gateway_raises_an_alert_while_it_fails_and_clears_it_once_sent(self):
        self.assertEqual(self.supervisor_sees(), ([], None))
        CountingGateway.reset(failures=1)
        self.assertEqual(send_sms.delay(self.sms.pk).get(), "retry")

        self.assertEqual(self.supervisor_sees(), (["queued"], "1"))
        response = self.client.get(reverse("supervision:escalations"))
        self.assertContains(response, 'data-testid="sms-badge"')
        self.assertContains(response, "SMS gateway answered HTTP 503")
        self.assertContains(response, f"1 / {settings.SMS_MAX_ATTEMPTS}")
        # Still trying: no "send again" button yet.
        self.assertNotContains(response, reverse("supervision:retry-sms", args=[self.sms.pk]))
        # Another territory's supervisor sees nothing of it.
        self.client.force_login(self.erin)
        response = self.client.get(reverse("supervision:escalations"))
        self.assertEqual(response.context["undelivered_sms"], [])
        self.assertFalse(response.context.get("undelivered_sms_count"))

        SmsMessage.objects.filter(pk=self.sms.pk).update(next_attempt_at=None)
        self.assertEqual(self.sweep(), 1)
        self.assertEqual(CountingGateway.delivered, Counter({self.ref: 1}))
        self.assertEqual(self.supervisor_sees(), ([], None))

    def test_the_backoff_doubles(self):
        CountingGateway.reset(failures=2)
        send_sms.delay(self.sms.pk).get()
        self.sms.refresh_from_db()
        first = self.sms.next_attempt_at - timezone.now()
        SmsMessage.objects.filter(pk=self.sms.pk).update(next_attempt_at=None)
        send_sms.delay(self.sms.pk).get()
        self.sms.refresh_from_db()
        second = self.sms.next_attempt_at - timezone.now()
        self.assertAlmostEqual(second / first, 2, delta=0.1)

    def test_after_the_last_try_it_is_failed_and_shown_on_the_escalations_page(self):
        CountingGateway.reset(failures=settings.SMS_MAX_ATTEMPTS)
        for _ in range(settings.SMS_MAX_ATTEMPTS):
            SmsMessage.objects.filter(pk=self.sms.pk).update(next_attempt_at=None)
            send_sms.delay(self.sms.pk).get()
        self.sms.refresh_from_db()
        self.assertEqual(
            (self.sms.status, self.sms.attempts),
            (SmsMessage.Status.FAILED, settings.SMS_MAX_ATTEMPTS),
        )
        self.assertEqual(self.sweep(), 0)

        self.client.force_login(self.bob)
        response = self.client.get(reverse("supervision:escalations"))
        self.assertEqual([sms.pk for sms in response.context["undelivered_sms"]], [self.sms.pk])
        self.assertContains(response, f'data-sms-id="{self.sms.pk}"')

        # The supervisor sends it again, once the gateway is back.
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("supervision:retry-sms", args=[self.sms.pk]))
        self.assertRedirects(response, reverse("supervision:escalations"))
        self.sms.refresh_from_db()
        self.assertEqual(self.sms.status, SmsMessage.Status.SENT)
        self.assertEqual(CountingGateway.delivered, Counter({self.ref: 1}))
        response = self.client.get(reverse("supervision:escalations"))
        self.assertEqual(response.context["undelivered_sms"], [])

    def test_a_teleconseiller_cannot_retry_an_sms(self):
        SmsMessage.objects.filter(pk=self.sms.pk).update(status=SmsMessage.Status.FAILED)
        self.client.force_login(self.alice)
        response = self.client.post(reverse("supervision:retry-sms", args=[self.sms.pk]))
        self.assertEqual(response.status_code, 403)
        self.sms.refresh_from_db()
        self.assertEqual(self.sms.status, SmsMessage.Status.FAILED)


@BACKEND
class BrokerDownTests(DeskTestCase):
    def setUp(self):
        super().setUp()
        CountingGateway.reset()
        self.client.force_login(self.alice)

    def test_an_outcome_that_queues_an_sms_answers_even_with_the_broker_down(self):
        assignment = self.claim()
        rule = RetryRule.objects.get(outcome=CallAttempt.Outcome.NO_ANSWER)
        CallTask.objects.filter(pk=assignment.task_id).update(attempts=rule.max_attempts - 1)

        with (
            mock.patch.object(send_sms, "delay", side_effect=OperationalError("broker down")),
            self.assertLogs("calls.sms", "ERROR"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(
                reverse("calls:record-outcome", args=[assignment.pk]), outcome_data("no_answer")
            )
        self.assertEqual(response.status_code, 302)
        sms = SmsMessage.objects.get()
        self.assertEqual(sms.status, SmsMessage.Status.QUEUED)
        self.assertEqual(CountingGateway.requests, Counter())

        # The broker is back: the sweep sends it, once.
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(republish_sms.delay().get(), 1)
        sms.refresh_from_db()
        self.assertEqual(sms.status, SmsMessage.Status.SENT)
        self.assertEqual(CountingGateway.delivered, Counter({str(sms.client_ref): 1}))
