from django.utils.translation import gettext_lazy as _
from rest_framework import status

from common.exceptions import CsvImportError, DomainError


class LeaseLost(DomainError):
    """The lease on this call was lost or already closed: the attempt is recorded, the task
    unchanged."""

    code = "lease_lost"

    def __init__(self, *, attempt_id: int | None = None):
        super().__init__(
            str(
                _(
                    "This call is no longer yours: its lease expired or was closed. "
                    "Your call was recorded."
                )
            )
        )
        self.attempt_id = attempt_id


class InvalidOutcome(DomainError):
    """This outcome cannot be recorded as given."""

    http_status = status.HTTP_400_BAD_REQUEST
    code = "invalid_outcome"


class CallInProgress(DomainError):
    """The agent holds a call: record its outcome before changing status."""

    code = "call_in_progress"

    def __init__(self):
        super().__init__(str(_("Record the outcome of your call before changing your status.")))


class SmsError(Exception):
    """The provider refused or failed to take the message."""


class TelephonyError(Exception):
    """The switch refused or failed to place the call."""


class TaskHeld(DomainError):
    """An agent holds this call under a lease right now: the inbound call was not recorded."""

    code = "task_held"

    def __init__(self, *, holder: str, until: str, own: bool = False):
        if own:
            message = _("You hold this person's call: record its outcome on your desk.")
        else:
            message = _(
                "%(holder)s is working on this person's call right now (until %(time)s): "
                "nothing was recorded. Try again in a moment, or ask them to finish it."
            ) % {"holder": holder, "time": until}
        super().__init__(str(message))
        self.holder = holder
        self.until = until


class TaskNotOpen(DomainError):
    """This call is closed already: there is nothing left to resolve."""

    code = "task_not_open"

    def __init__(self):
        super().__init__(str(_("This call is closed already: nothing was recorded.")))


class TransitionRefused(DomainError):
    """This call cannot move this way in its present state (the message says why)."""

    code = "transition_refused"


class TransitionNotAllowed(DomainError):
    """Only a supervisor or CPAM admin of the call's territory may move it; the agent it is
    reserved for may only put it back or close it."""

    http_status = status.HTTP_403_FORBIDDEN
    code = "transition_not_allowed"

    def __init__(self):
        super().__init__(str(_("You may not move this call.")))


class NotACallingAgent(DomainError):
    """Only a téléconseiller calls: the actor should assign the call to an agent instead."""

    http_status = status.HTTP_403_FORBIDDEN
    code = "not_a_calling_agent"

    def __init__(self):
        super().__init__(
            str(_("Only a téléconseiller can call. Assign the call to an agent instead."))
        )


class DraftTooLarge(DomainError):
    """The desk sent more than a card can hold: the draft was not saved."""

    http_status = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "draft_too_large"

    def __init__(self):
        super().__init__(str(_("This draft is too large to be kept.")))


class MessageRefused(DomainError):
    """This message to desks cannot be sent as given (the message says why)."""

    http_status = status.HTTP_400_BAD_REQUEST
    code = "message_refused"


class MessageNotAllowed(DomainError):
    """Only a supervisor or CPAM admin of the recipients' territory may write to their desks."""

    http_status = status.HTTP_403_FORBIDDEN
    code = "message_not_allowed"

    def __init__(self):
        super().__init__(str(_("You may not send messages to these desks.")))


class CdrImportError(CsvImportError):
    """The carrier's CDR file was refused: nothing was imported."""


class CallOfPersonInProgress(DomainError):
    """An agent holds a call of this person: the identity change must wait for its outcome."""

    code = "call_of_person_in_progress"

    def __init__(self):
        super().__init__(str(_("A call to this person is in progress: try again later.")))
