"""SMS backends: pluggable (settings.SMS_BACKEND), the provider is a boundary."""

import http.client
import json
import logging
import urllib.error
import urllib.request
import uuid

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from calls.exceptions import SmsError
from calls.models import SmsMessage

logger = logging.getLogger(__name__)


class ConsoleBackend:
    """Log the message instead of sending it (development, demo)."""

    def send(self, *, to: str, body: str) -> str:
        reference = f"console-{uuid.uuid4().hex[:12]}"
        logger.info("SMS to %s (%s): %s", to, reference, body)
        return reference


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would replay the Authorization header to another address: treat it as an error.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpGatewayBackend:
    """Send through an HTTP gateway: POST {"to", "text"} as JSON with a bearer key; it answers
    {"id"}."""

    timeout = 10

    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        self.key = settings.SMS_GATEWAY_KEY
        self.opener = urllib.request.build_opener(_NoRedirect)

    def send(self, *, to: str, body: str) -> str:
        if not self.url.startswith(("https://", "http://")) or not self.key:
            raise SmsError(
                "SMS gateway not configured: set SMS_GATEWAY_URL (http or https) and "
                "SMS_GATEWAY_KEY"
            )
        request = urllib.request.Request(
            self.url,
            data=json.dumps({"to": to, "text": body}).encode(),
            headers={
                "Authorization": f"Bearer {self.key}",
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


# The task lives next to the backend it drives: the services that queue an SMS import it from here
# without importing the sweeps' tasks module (no import circle). Its name is unchanged.
@shared_task(name="calls.tasks.send_sms")
def send_sms(sms_id: int) -> str:
    """Send one queued SMS; a redelivered message finds it taken and sends nothing."""
    # Claim the message first: at most once is the promise ("SMS once, never twice").
    with transaction.atomic():
        claimed = SmsMessage.objects.filter(pk=sms_id, status=SmsMessage.Status.QUEUED).update(
            status=SmsMessage.Status.SENDING
        )
    if not claimed:
        return "skipped"
    sms = SmsMessage.objects.get(pk=sms_id)
    try:
        reference = get_backend().send(to=sms.phone, body=sms.body)
    except SmsError as exc:
        SmsMessage.objects.filter(pk=sms_id).update(
            status=SmsMessage.Status.FAILED, error=str(exc)[:255]
        )
        return "failed"
    SmsMessage.objects.filter(pk=sms_id).update(
        status=SmsMessage.Status.SENT, provider_ref=reference, sent_at=timezone.now()
    )
    return "sent"
