"""Telephony: pluggable click-to-call (settings.TELEPHONY_BACKEND); the switch is a boundary.

A backend places the call from the agent's line to the person and returns its reference, which
the attempt keeps to match the call-detail records. Without one, the desk falls back to a
`tel:` link that the agent's softphone opens.
"""

import logging
import uuid
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from agents.models import Agent

logger = logging.getLogger(__name__)


class TelephonyBackend(Protocol):
    def dial(self, *, agent: Agent, number: str, assignment_id: int) -> str:
        """Place a call from the agent's line to this E.164 number; return the switch's
        reference."""
        ...


class LogBackend:
    """Log the call instead of placing it (development, demo): the agent dials by hand."""

    def dial(self, *, agent: Agent, number: str, assignment_id: int) -> str:
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
