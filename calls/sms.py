"""SMS backends: pluggable (settings.SMS_BACKEND), the provider is a boundary."""

import http.client
import json
import logging
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from calls.exceptions import SmsError
from calls.models import CallTask, SmsMessage, TaskEvent

logger = logging.getLogger(__name__)


class ConsoleBackend:
    """Log the message instead of sending it (development, demo)."""

    def send(self, *, to: str, body: str, client_ref: str = "") -> str:
        reference = f"console-{uuid.uuid4().hex[:12]}"
        logger.info("SMS to %s (%s, %s): %s", to, reference, client_ref, body)
        return reference


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would replay the Authorization header to another address: treat it as an error.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpGatewayBackend:
    """Send through an HTTP gateway: POST {"to", "text", "client_ref"} as JSON with a bearer key
    and the client reference as Idempotency-Key; it answers {"id"}. The gateway keeps one SMS
    per client reference: a send retried after a lost answer or a lost worker is not a second
    SMS."""

    timeout = 10

    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        self.key = settings.SMS_GATEWAY_KEY
        self.opener = urllib.request.build_opener(_NoRedirect)

    def send(self, *, to: str, body: str, client_ref: str = "") -> str:
        if not self.url.startswith(("https://", "http://")) or not self.key:
            raise SmsError(
                "SMS gateway not configured: set SMS_GATEWAY_URL (http or https) and "
                "SMS_GATEWAY_KEY"
            )
        request = urllib.request.Request(
            self.url,
            data=json.dumps({"to": to, "text": body, "client_ref": client_ref}).encode(),
            headers={
                "Authorization": f"Bearer {self.key}",
                "Idempotency-Key": client_ref,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                payload = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            exc.close()
            raise SmsError(f"SMS gateway answered HTTP {exc.code}") from exc
        except (OSError, http.client.HTTPException) as exc:
            # URLError, a timeout, a dropped connection.
            raise SmsError(f"SMS gateway unreachable: {exc}") from exc
        except ValueError as exc:
            raise SmsError("SMS gateway answered something other than JSON") from exc
        reference = payload.get("id") if isinstance(payload, dict) else None
        if (
            isinstance(reference, bool)
            or not isinstance(reference, str | int)
            or not str(reference)
            or len(str(reference)) > 64
        ):
            raise SmsError("SMS gateway answered without a message id")
        return str(reference)


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def sendable(now: datetime) -> Q:
    """The messages a worker may take: queued and due, or sending long after a worker took
    them (that worker was lost; a message sending from before the outbox had no claim time)."""
    stale = now - timedelta(seconds=settings.SMS_SENDING_TIMEOUT)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    lost = Q(claimed_at__isnull=True) | Q(claimed_at__lte=stale)
    return Q(due, status=SmsMessage.Status.QUEUED) | Q(lost, status=SmsMessage.Status.SENDING)


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` tries: the backoff, doubled each time."""
    return timedelta(seconds=settings.SMS_RETRY_BACKOFF * 2 ** max(attempts - 1, 0))


def publish_sms(sms_id: int) -> None:
    """Publish the sending of a message once the transaction that queued it commits; never
    raise: with the broker down the message stays queued and the sweep publishes it later."""
    transaction.on_commit(lambda: _publish(sms_id))


def _publish(sms_id: int) -> None:
    try:
        send_sms.delay(sms_id)
    except Exception:
        # The broker is down (kombu's OperationalError, a Redis error...): the row is the truth,
        # calls.tasks.republish_sms catches up.
        logger.exception("Could not publish SMS %s; the outbox sweep will", sms_id)


# The task lives next to the backend it drives: the services that queue an SMS import it from here
# without importing the sweeps' tasks module (no import circle). Its name is unchanged.
@shared_task(name="calls.tasks.send_sms")
def send_sms(sms_id: int) -> str:
    """Send one message of the outbox: claim it (queued and due, or lost while sending), send it
    under its client reference, then mark it sent, or queued again after a backoff, or failed
    after SMS_MAX_ATTEMPTS tries. A redelivered message finds it taken and sends nothing."""
    now = timezone.now()
    with transaction.atomic():
        claimed = SmsMessage.objects.filter(sendable(now), pk=sms_id).update(
            # Taken: no longer waiting for the morning or the quota (a failure's backoff is not).
            status=SmsMessage.Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
            held="",
        )
    if not claimed:
        return "skipped"
    sms = SmsMessage.objects.get(pk=sms_id)
    try:
        reference = get_backend().send(to=sms.phone, body=sms.body, client_ref=str(sms.client_ref))
    except SmsError as exc:
        mine = SmsMessage.objects.filter(
            pk=sms_id, status=SmsMessage.Status.SENDING, claimed_at=now
        )
        if sms.attempts >= settings.SMS_MAX_ATTEMPTS:
            mine.update(status=SmsMessage.Status.FAILED, error=str(exc)[:255], claimed_at=None)
            logger.error("SMS %s failed after %s attempts: %s", sms_id, sms.attempts, exc)
            return "failed"
        mine.update(
            status=SmsMessage.Status.QUEUED,
            error=str(exc)[:255],
            claimed_at=None,
            next_attempt_at=timezone.now() + retry_delay(sms.attempts),
        )
        logger.warning("SMS %s not sent (attempt %s): %s", sms_id, sms.attempts, exc)
        return "retry"
    sent_at = timezone.now()
    with transaction.atomic():
        SmsMessage.objects.filter(pk=sms_id).update(
            status=SmsMessage.Status.SENT,
            provider_ref=reference,
            sent_at=sent_at,
            error="",
            claimed_at=None,
            next_attempt_at=None,
        )
        if sms.closes_task:
            close_notified_by_sms(task_id=sms.task_id, now=sent_at)
    return "sent"


def close_notified_by_sms(*, task_id: int, now: datetime) -> bool:
    """Close an SMS-only contact's call once its notice is sent: notified, not called (a call an
    agent already holds, or a task escalated meanwhile, is left to its course)."""
    closed = CallTask.objects.filter(pk=task_id, status=CallTask.Status.QUEUED).update(
        status=CallTask.Status.CLOSED,
        closed_reason=CallTask.ClosedReason.NOTIFIED_BY_SMS,
        closed_at=now,
        not_before=None,
    )
    if closed:
        TaskEvent.objects.create(
            task_id=task_id,
            kind=TaskEvent.Kind.CLOSED,
            from_status=CallTask.Status.QUEUED,
            to_status=CallTask.Status.CLOSED,
            reason=CallTask.ClosedReason.NOTIFIED_BY_SMS,
            at=now,
        )
    return bool(closed)
