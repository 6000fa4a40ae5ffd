from django.utils.translation import gettext_lazy as _
from rest_framework import status

from common.exceptions import DomainError


class InvalidStatus(DomainError):
    """This status change is not allowed."""

    http_status = status.HTTP_400_BAD_REQUEST
    code = "invalid_status"


class AgentNotReady(DomainError):
    """The agent must be ready (or in wrap-up) to take a call."""

    code = "agent_not_ready"

    def __init__(self, message: str = ""):
        super().__init__(message or str(_("Set your status to Ready to take a call.")))


class InvalidOpeningHours(DomainError):
    """Opening hours must close after they open."""

    http_status = status.HTTP_400_BAD_REQUEST
    code = "invalid_opening_hours"
