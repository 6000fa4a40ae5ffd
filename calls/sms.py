"""SMS backends: pluggable (settings.SMS_BACKEND), the provider is a boundary."""

import http.client
import json
import logging
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider refused or failed to take the message."""


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
    """Send through an HTTP gateway: POST {"to", "text"} as JSON with a bearer key; it answers {"id"}."""

    timeout = 10

    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        self.key = settings.SMS_GATEWAY_KEY
        self.opener = urllib.request.build_opener(_NoRedirect)

    def send(self, *, to: str, body: str) -> str:
        if not self.url.startswith(("https://", "http://")) or not self.key:
            raise SmsError("SMS gateway not configured: set SMS_GATEWAY_URL (http or https) and SMS_GATEWAY_KEY")
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
        if isinstance(reference, bool) or not isinstance(reference, str | int) or not str(reference) or len(str(reference)) > 64:
            raise SmsError("SMS gateway answered without a message id")
        return str(reference)


def get_backend():
    return import_string(settings.SMS_BACKEND)()
