"""Telephony: pluggable click-to-call (settings.TELEPHONY_BACKEND); the switch is a boundary.

A backend places the call from the agent's line to the person and returns its reference, which
the attempt keeps to match the carrier's events and call-detail records. Without one, the desk
falls back to a `tel:` link that the agent's softphone opens. The carrier protocol (dial request,
signed webhooks, CDR file) is described in docs/telephony.md.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.request
import uuid
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from agents.models import Agent
from calls.exceptions import TelephonyError

logger = logging.getLogger(__name__)


SIGNATURE_HEADER = "X-Carrier-Signature"
TIMESTAMP_HEADER = "X-Carrier-Timestamp"


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """Return the signature of a carrier message: HMAC-SHA256 of `<timestamp>.<raw body>`."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_ok(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), signature)


class TelephonyBackend(Protocol):
    # The carrier whose call ids this backend returns; empty when it places no real call.
    carrier: str

    def dial(
        self, *, agent: Agent, number: str, assignment_id: int, voicemail: dict | None = None
    ) -> str:
        """Place a call from the agent's line to this E.164 number; return the switch's
        reference. `voicemail` is the message to leave on an answering machine, if any."""
        ...


class LogBackend:
    """Log the call instead of placing it (development, demo): the agent dials by hand."""

    carrier = ""

    def dial(
        self, *, agent: Agent, number: str, assignment_id: int, voicemail: dict | None = None
    ) -> str:
        reference = f"log-{uuid.uuid4().hex[:12]}"
        # Logs outlive the retention purge: keep the number out of them.
        logger.info(
            "Dial %s for agent %s, assignment %s (%s)",
            mask(number),
            agent.pk,
            assignment_id,
            reference,
        )
        return reference


class CarrierBackend:
    """Place the call through the carrier's HTTP API (settings.CARRIER_URL): a signed POST to
    /calls, answered with the carrier's call id. The carrier then reports the call's life to
    the webhook (calls.views.carrier)."""

    def __init__(self) -> None:
        self.carrier = settings.CARRIER_NAME
        self.url = settings.CARRIER_URL.rstrip("/") + "/calls"
        self.secret = settings.CARRIER_SECRETS[self.carrier]

    def dial(
        self, *, agent: Agent, number: str, assignment_id: int, voicemail: dict | None = None
    ) -> str:
        body = json.dumps(
            {
                "to": number,
                "agent_line": f"agent-{agent.pk}",
                "reference": str(assignment_id),
                "voicemail_drop": voicemail,
            }
        ).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(secret=self.secret, timestamp=timestamp, body=body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.CARRIER_TIMEOUT) as response:
                answer = json.loads(response.read())
        except (OSError, ValueError) as exc:  # URLError, HTTPError and timeouts are OSErrors.
            logger.warning("Carrier %s refused or failed a dial: %s", self.carrier, exc)
            raise TelephonyError(str(exc)) from exc
        call_id = answer.get("call_id") if isinstance(answer, dict) else None
        if not isinstance(call_id, str) or not call_id or len(call_id) > 64:
            raise TelephonyError("the carrier answered without a call id")
        logger.info(
            "Dialled %s through %s for assignment %s (%s)",
            mask(number),
            self.carrier,
            assignment_id,
            call_id,
        )
        return call_id


def get_backend() -> TelephonyBackend:
    return import_string(settings.TELEPHONY_BACKEND)()


def tel_link(number: str) -> str:
    """Return the `tel:` URI of an E.164 number, for a softphone to dial."""
    digits = "".join(c for c in number if c.isdigit())
    if not number.strip().startswith("+") or not digits:
        raise ValueError("not an E.164 number")  # The number itself stays out of logs and traces.
    return f"tel:+{digits}"


def mask(number: str) -> str:
    """Return the number with all but its last two digits hidden."""
    return "*" * max(len(number) - 2, 0) + number[-2:]
