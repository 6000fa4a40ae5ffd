"""SMS backends: pluggable (settings.SMS_BACKEND), the provider is a boundary."""

import logging
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


def get_backend():
    return import_string(settings.SMS_BACKEND)()
