"""The workforce's models, one module per domain: staff, recruitment, rota, staffing."""

from agents.models.recruitment import Candidate, CandidateEvent, TrainingSession
from agents.models.rota import ClockEntry, OpeningHours, Shift, ShiftPattern
from agents.models.staff import (
    Agent,
    AgentStatusPeriod,
    Contract,
    Language,
    PauseReason,
    Plateau,
    Team,
    Territory,
    default_calling_end,
    default_calling_start,
    running_on,
    scope_for_user,
    staff_territory_id,
    validate_timezone,
)
from agents.models.staffing import StaffingParameters, VolumeForecast

__all__ = [
    "Agent",
    "AgentStatusPeriod",
    "Candidate",
    "CandidateEvent",
    "ClockEntry",
    "Contract",
    "Language",
    "OpeningHours",
    "PauseReason",
    "Plateau",
    "Shift",
    "ShiftPattern",
    "StaffingParameters",
    "Team",
    "Territory",
    "TrainingSession",
    "VolumeForecast",
    "default_calling_end",
    "default_calling_start",
    "running_on",
    "scope_for_user",
    "staff_territory_id",
    "validate_timezone",
]
