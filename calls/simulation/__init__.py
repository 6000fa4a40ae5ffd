"""A discrete-event simulator of the call queue (SimPy), driven by calls.policy: the same claim
order, eligibility and retry rules as production."""

from calls.simulation.engine import compare_policies, simulate
from calls.simulation.result import SimulationResult
from calls.simulation.scenario import Scenario, ShiftSpec, TerritorySpec

__all__ = [
    "Scenario",
    "ShiftSpec",
    "SimulationResult",
    "TerritorySpec",
    "compare_policies",
    "simulate",
]
