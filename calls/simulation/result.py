"""What a simulated day gives: the 24-hour promise per language and per hour."""

from dataclasses import dataclass, field


@dataclass
class Figures:
    """People identified (in a language, an hour, or all) and what became of them.

    within_24h: reached by phone (or spoken with: refused, not concerned) or notified by SMS
    before their deadline; misses: the others (the deadline's SMS comes at the deadline, too
    late for the promise, and is counted in sms_at_deadline).
    """

    people: int = 0
    reached: int = 0
    notified_sms: int = 0
    within_24h: int = 0
    misses: int = 0
    sms_sent: int = 0
    sms_at_deadline: int = 0
    escalations: int = 0
    # Missed with no number left to call or text (every number wrong): escalated, beyond what
    # staffing can change.
    no_number: int = 0

    @property
    def share_within_24h(self) -> float:
        return self.within_24h / self.people if self.people else 1.0

    @property
    def share_of_reachable(self) -> float:
        """The share within 24 h among the people with a number in service: what staffing can
        move, and the planner's target."""
        reachable = self.people - self.no_number
        return self.within_24h / reachable if reachable else 1.0


@dataclass
class HourFigures(Figures):
    hour: int = 0  # hours after the scenario's start
    queue_length: int = 0  # open tasks waiting (queued, held back or not) at the hour's start
    occupancy: float = 0.0  # busy minutes / scheduled minutes of the agents speaking it


@dataclass
class SimulationResult:
    policy: str
    channel_mode: str
    seed: int
    agents: int
    totals: Figures
    by_language: dict[str, Figures]
    by_hour: list[HourFigures]
    by_language_hour: dict[str, list[HourFigures]]
    calls: int
    events: int
    wall_seconds: float
    # The order tasks were claimed in (task numbers, arrival order), kept for small runs.
    claims: list[int] = field(default_factory=list)

    @property
    def share_within_24h(self) -> float:
        return self.totals.share_within_24h

    @property
    def share_of_reachable(self) -> float:
        return self.totals.share_of_reachable

    @property
    def events_per_second(self) -> float:
        return self.events / self.wall_seconds if self.wall_seconds else 0.0
