"""This morning on the demo floors: agents who logged in, took calls, paused and wrapped up.

So that a newcomer's first look at `make run` is a floor at work, not empty boards: the agents of
each floor open for calls log in over the last hours, work the queue through the real services
(claim, dial, answer, outcome, wrap-up, pauses), and some are still on a call, ready or on a
break now. Then the SLA roll-up and the boards run once, as beat would. A floor outside its
calling hours stays closed. Deterministic for a given `now` (random.Random(SEED)).
"""

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agents import roles
from agents.models import Agent, PauseReason, Territory
from agents.services.staff import set_agent_status
from calls.exceptions import LeaseLost
from calls.models import Assignment, CallAttempt, CallTask
from calls.services.dispatch import claim_next_task
from calls.services.outcomes import complete_call, mark_connected, mark_dialled
from supervision.services.board import refresh_boards
from supervision.services.sla import roll_up_sla
from workforce.models.rota import Shift

SEED = 1100
# The morning seen by the demo: this long before `now`, up to a few minutes before it.
WINDOW = timedelta(hours=2, minutes=30)
LAST_ACTION_BEFORE_NOW = timedelta(minutes=3)
# Share of the rostered agents who showed up this morning.
LOGGED_IN_SHARE = 0.9
Outcome = CallAttempt.Outcome
# Outcome, share, seconds of talk (None: never answered), seconds of ringing.
OUTCOMES = [
    (Outcome.REACHED, 0.55, (360, 900), 15),
    (Outcome.NO_ANSWER, 0.22, None, 40),
    (Outcome.VOICEMAIL, 0.10, (20, 40), 25),
    (Outcome.BUSY, 0.05, None, 10),
    (Outcome.CALLBACK, 0.05, (60, 180), 15),
    (Outcome.WRONG_NUMBER, 0.03, (15, 40), 15),
]
WRAP_UP_SECONDS = (45, 150)
# A callback is booked in two hours, as people ask (before the deadline: _callback_time).
CALLBACK_AFTER = timedelta(hours=2)
READY_SECONDS = (5, 300)
BREAK_SHARE = 0.12
BREAK_MINUTES = (6, 14)
WAIT_WHEN_EMPTY = timedelta(minutes=6)
ON_THE_PHONE = "on the phone"


@dataclass(order=True)
class _Turn:
    at: datetime
    agent_id: int = field(compare=False)


@dataclass
class MorningSummary:
    agents: int
    calls: int
    reached: int
    # Ready at the end of the morning: settle_the_floor() decides what they are doing now.
    ready_at_end: list[Agent] = field(default_factory=list)


def simulate_morning(*, territories: list[Territory], now: datetime) -> MorningSummary:
    """Play the last hours of each open floor through the services, up to a few minutes ago;
    return what was done."""
    rng = random.Random(SEED)
    start, end = now - WINDOW, now - LAST_ACTION_BEFORE_NOW
    pause = PauseReason.objects.filter(code="pause").first()
    agents = {
        agent.pk: agent
        for agent in Agent.objects.filter(
            territory__in=[t for t in territories if t.is_calling_time(end)],
            plateau__isnull=False,
            user__groups__name=roles.TELECONSEILLER,
            user__is_active=True,
        )
        .select_related("territory")
        .order_by("pk")
    }
    # Who works this morning is who the rota says (a few rostered agents never show: the board
    # lists them as absent); each logs in near their shift's start and leaves at its end.
    shifts = {
        shift.agent_id: shift
        for shift in Shift.objects.scheduled()
        .filter(agent__in=list(agents), starts_at__lt=end, ends_at__gt=start)
        .order_by("starts_at")
    }
    leaves_at: dict[int, datetime] = {}
    turns: list[_Turn] = []
    for agent in agents.values():
        shift = shifts.get(agent.pk)
        if shift is None or rng.random() >= LOGGED_IN_SHARE:
            continue
        logged_in_at = max(start, shift.starts_at) + timedelta(minutes=rng.uniform(0, 12))
        if logged_in_at >= end:
            continue
        leaves_at[agent.pk] = shift.ends_at
        set_agent_status(agent=agent, status=Agent.Status.READY, now=logged_in_at)
        heapq.heappush(turns, _Turn(logged_in_at + timedelta(seconds=30), agent.pk))
    calls = reached = 0
    ready_at_end: list[Agent] = []
    # Every agent acts in time order with the others, so the queue each claim sees is the one
    # of that moment.
    while turns:
        turn = heapq.heappop(turns)
        agent = agents[turn.agent_id]
        at = turn.at
        if at >= leaves_at[agent.pk] and leaves_at[agent.pk] < end:
            # Their shift is over: they log out.
            set_agent_status(agent=agent, status=Agent.Status.OFFLINE, now=at)
            continue
        if at >= end:
            ready_at_end.append(agent)
            continue
        if pause is not None and rng.random() < BREAK_SHARE:
            set_agent_status(agent=agent, status=Agent.Status.PAUSED, now=at, pause_reason=pause)
            back = at + timedelta(minutes=rng.uniform(*BREAK_MINUTES))
            if back < end:
                set_agent_status(agent=agent, status=Agent.Status.READY, now=back)
                heapq.heappush(turns, _Turn(back + timedelta(seconds=20), agent.pk))
            continue
        done = _one_call(rng, agent=agent, at=at, end=end)
        if done is None:
            heapq.heappush(turns, _Turn(at + WAIT_WHEN_EMPTY, agent.pk))
            continue
        if done == ON_THE_PHONE:
            continue
        ended_at, was_reached = done
        calls += 1
        reached += was_reached
        ready_at = ended_at + timedelta(seconds=rng.uniform(*WRAP_UP_SECONDS))
        if ready_at < end:
            set_agent_status(agent=agent, status=Agent.Status.READY, now=ready_at)
            # A moment ready before the next call (the desk's "Appel suivant").
            next_at = ready_at + timedelta(seconds=rng.uniform(*READY_SECONDS))
            heapq.heappush(turns, _Turn(next_at, agent.pk))
    return MorningSummary(
        agents=len(agents), calls=calls, reached=reached, ready_at_end=ready_at_end
    )


def settle_the_floor(*, morning: MorningSummary, now: datetime) -> None:
    """End the morning with the floor as it is now (some on a call, a few on a break), then run
    the SLA roll-up and the boards once, as beat would."""
    rng = random.Random(SEED + 1)
    pause = PauseReason.objects.filter(code="pause").first()
    for agent in morning.ready_at_end:
        _leave_as_now(rng, agent=agent, now=now, pause=pause)
    roll_up_sla(now=now)
    refresh_boards(now=now)


def _one_call(
    rng: random.Random, *, agent: Agent, at: datetime, end: datetime
) -> tuple[datetime, bool] | str | None:
    """Claim, dial and end one call from `at`; return when it ended and whether it reached, None
    when nothing was eligible, or ON_THE_PHONE for a call still going on at the end."""
    assignment = claim_next_task(agent=agent, now=at)
    if assignment is None:
        return None
    outcome, talk, ringing = _pick(rng)
    dialled_at = at + timedelta(seconds=rng.uniform(5, 20))
    mark_dialled(assignment=assignment, agent=agent, phone=assignment.phone, now=dialled_at)
    ended_at = dialled_at + timedelta(seconds=ringing)
    if talk is not None and ended_at < end:
        connected_at = ended_at
        mark_connected(assignment=assignment, agent=agent, now=connected_at)
        ended_at = connected_at + timedelta(seconds=rng.uniform(*talk))
    if ended_at >= end:
        # Still talking now: the outcome is for the agent to record (the lease holds past now).
        return ON_THE_PHONE
    task = assignment.task
    callback_at = None
    if outcome == Outcome.CALLBACK:
        callback_at = _callback_time(ended_at=ended_at, deadline_at=task.deadline_at)
        if callback_at is None:  # too close to the deadline to book one: nobody answered
            outcome = Outcome.NO_ANSWER
    answers = _answers(task) if outcome == Outcome.REACHED else {}
    try:
        complete_call(
            assignment=assignment,
            agent=agent,
            outcome=outcome,
            now=ended_at,
            callback_at=callback_at,
            **answers,
        )
    except LeaseLost:  # Not with these durations; a demo never stops on it.
        return None
    return ended_at, outcome == Outcome.REACHED


def _callback_time(*, ended_at: datetime, deadline_at: datetime) -> datetime | None:
    """In two hours, as people ask, but before the call's deadline (a callback past it needs the
    notification given first): halfway to the deadline when two hours would pass it; None when
    less than 10 minutes are left. At the opening of a floor the deadlines are closest."""
    callback_at = min(ended_at + CALLBACK_AFTER, ended_at + (deadline_at - ended_at) / 2)
    if callback_at - ended_at < timedelta(minutes=10):
        return None
    return callback_at


def _pick(rng: random.Random) -> tuple[str, tuple[int, int] | None, int]:
    draw = rng.random()
    for outcome, share, talk, ringing in OUTCOMES:
        if draw < share:
            return outcome, talk, ringing
        draw -= share
    return OUTCOMES[0][0], OUTCOMES[0][2], OUTCOMES[0][3]


def _answers(task: CallTask) -> dict:
    """What a reached person said: the interview of a patient zéro, a contact's notification."""
    if task.index_case_id:
        return {
            "interview": {
                "symptomatic": False,
                "symptom_onset_on": None,
                "consent_to_name": True,
                "support_needed": False,
                "contacts": [],
            }
        }
    if task.exposure_id:
        return {
            "notification": {
                "last_exposure_date": task.exposure.last_exposure_date,
                "certificate_needed": False,
                "support_referral": False,
            }
        }
    return {}


def _leave_as_now(
    rng: random.Random, *, agent: Agent, now: datetime, pause: PauseReason | None
) -> None:
    """End the morning with the floor as it is now: most ready, some on a call, a few on a break."""
    draw = rng.random()
    if draw < 0.3 and not Assignment.objects.filter(agent=agent, closed_at__isnull=True).exists():
        # On a call right now: claimed a few minutes ago, its outcome still to come.
        assignment = claim_next_task(agent=agent, now=now - timedelta(minutes=rng.uniform(1, 3)))
        if assignment is not None:
            mark_dialled(assignment=assignment, agent=agent, phone=assignment.phone, now=now)
    elif draw < 0.42 and pause is not None:
        # After the last thing the morning recorded for them (LAST_ACTION_BEFORE_NOW).
        set_agent_status(
            agent=agent,
            status=Agent.Status.PAUSED,
            now=now - timedelta(minutes=rng.uniform(0.5, 2.5)),
            pause_reason=pause,
        )
