"""What the workforce services refuse: candidate moves, contracts, shifts and the clock."""

from rest_framework import status

from common.exceptions import CsvImportError, DomainError


class CandidateTransitionRefused(DomainError):
    """This move is not allowed from the candidate's current stage."""

    code = "candidate_transition_refused"


class TrainingSessionRefused(DomainError):
    """This training session cannot take this candidate (full, finished or of another territory)."""

    code = "training_session_refused"


class CandidateInputRefused(DomainError):
    """Some fields of a recruitment request are wrong; ``errors`` maps each field to its
    messages."""

    http_status = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(
            " ".join(str(message) for messages in errors.values() for message in messages)
        )
        self.errors = errors

    def payload(self) -> dict:
        # The shape of DRF's field errors, so that API clients read one format for every 400.
        return {
            field: [str(message) for message in messages] for field, messages in self.errors.items()
        }


class ContractAlreadyRenewed(DomainError):
    """This contract was already renewed: renew or end its renewal instead."""

    code = "contract_already_renewed"


class ContractNotRenewable(DomainError):
    """Only a fixed-term contract (CDD) can be renewed."""

    code = "contract_not_renewable"


class ContractClosed(DomainError):
    """This contract's end was already carried out: the account is deactivated."""

    code = "contract_closed"


class ContractOverlap(DomainError):
    """The agent already has a contract running on these dates."""

    code = "contract_overlap"


class AgentDeactivated(DomainError):
    """This agent's account is deactivated: add a new contract rather than renewing."""

    code = "agent_deactivated"


class ContractEndedEarly(DomainError):
    """This contract was ended early: a bulk renewal leaves it alone."""

    code = "contract_ended_early"


class ContractNotConvertible(DomainError):
    """Only a fixed-term contract (CDD) can become a permanent one (CDI)."""

    code = "contract_not_convertible"


class FixedTermLimitExceeded(DomainError):
    """This fixed-term contract would go beyond the legal limits of a CDD; an admin may override
    them with a reason."""

    code = "cdd_limit_exceeded"


class TooManyRenewals(FixedTermLimitExceeded):
    """This CDD was already renewed as many times as the law allows."""

    code = "cdd_max_renewals"


class FixedTermTooLong(FixedTermLimitExceeded):
    """The CDD's total length, renewals included, would go beyond the legal maximum."""

    code = "cdd_max_length"


class RotaChangedSincePreview(DomainError):
    """The shifts this end cancels changed since they were shown: look at them again."""

    code = "rota_changed_since_preview"


class BulkRenewalRefused(DomainError):
    """Some contracts of a bulk renewal are refused, so none was renewed; ``refused`` lists
    (contract, refusal)."""

    code = "bulk_renewal_refused"

    def __init__(self, refused: list, message: str = ""):
        super().__init__(message)
        self._refused = refused

    @property
    def refused(self) -> list:
        return self._refused

    def payload(self) -> dict:
        return {
            **super().payload(),
            "refused": [
                {"contract": contract.pk, "code": refusal.code, "detail": str(refusal.message)}
                for contract, refusal in self._refused
            ],
        }


class InvalidContractDates(DomainError):
    """These contract dates are not possible."""

    http_status = status.HTTP_400_BAD_REQUEST
    code = "invalid_contract_dates"

    def __init__(self, message: str = "", *, field: str = "end_on"):
        super().__init__(message)
        self.field = field


class ShiftRefused(DomainError):
    """This shift breaks a rule of the rota; nothing was written."""

    code = "shift_refused"


class ShiftOverlap(ShiftRefused):
    """The agent already has a shift at that time."""

    code = "shift_overlap"


class ShiftOutsideContract(ShiftRefused):
    """The agent has no active contract on that day."""

    code = "shift_outside_contract"


class ShiftOutsideOpeningHours(ShiftRefused):
    """The shift starts before the floor opens or ends after it closes."""

    code = "shift_outside_opening_hours"


class FloorClosed(ShiftRefused):
    """The floor is closed on that day."""

    code = "floor_closed"


class ShiftCancelled(ShiftRefused):
    """This shift was cancelled: it stays on the rota as history."""

    code = "shift_cancelled"


class InvalidShift(ShiftRefused):
    """The shift's times are wrong (end before start, break longer than the shift)."""

    http_status = status.HTTP_400_BAD_REQUEST
    code = "invalid_shift"


class PatternNotApplied(ShiftRefused):
    """Some days of the week refused the pattern, so no day got it; ``refused`` lists (day,
    reason)."""

    code = "pattern_not_applied"

    def __init__(self, refused: list):
        super().__init__("; ".join(f"{day.isoformat()}: {reason}" for day, reason in refused))
        self._refused = refused

    @property
    def refused(self) -> list:
        return self._refused


class InvalidShiftPattern(DomainError):
    """A shift pattern must end after it starts, with a shorter break, under a name not taken."""

    http_status = status.HTTP_400_BAD_REQUEST
    code = "invalid_shift_pattern"


class AlreadyClockedIn(DomainError):
    """You are already clocked in: clock out first."""

    code = "already_clocked_in"


class NotClockedIn(DomainError):
    """You are not clocked in."""

    code = "not_clocked_in"


class CandidateImportError(CsvImportError):
    """The candidates file was refused; ``errors`` says why, with line numbers."""
