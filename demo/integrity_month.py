"""The seeded-fraud month (issue 14): one month of a plateau's work, honest agents and seeded
cheaters, with the carrier's record of every call and a provider's invoice; then the detection
replayed day by day as the beat would have run it, and the score: per pattern, what was seeded,
what was flagged, and what was flagged on honest work.

The month is written in bulk (demo.bulk: COPY on PostgreSQL), not through the services: a month
of 200 agents is about 100,000 calls. What the services would have written alongside (the day
counters, the status periods, the carrier's calls and events, the assignments) is written here
with the same meaning, so that the detection reads exactly what it reads in production.

Honest work is not spotless, so that "no false flag" means something: lunch and short breaks, half
days, training within its cap and whole training days a supervisor confirmed, answering machines,
and now and then a contact who hangs up fast on a "reached" call (a finding, never a flag).
"""

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils import timezone

from agents import roles
from agents.models import (
    Agent,
    AgentDay,
    AgentStatusPeriod,
    Language,
    PauseCapDecision,
    PauseReason,
    Plateau,
    Team,
    Territory,
)
from calls.models import Assignment, CallAttempt, CallTask, CarrierCall, CarrierEvent, DurationRule
from cases.models import Exposure, IndexCase, Person
from demo.bulk import FIRST_NAMES, LAST_NAMES, Table, next_id, sync_sequence
from integrity import invoices
from integrity.invoice_models import ProviderInvoice, ProviderRate
from integrity.models import Finding
from integrity.reconciliation import reconcile
from integrity.services.detection import detect_day_flags, detect_duration_findings

Kind = Finding.Kind
Outcome = CallAttempt.Outcome
Status = Agent.Status
Reason = CallTask.Reason

CARRIER = "sim"
PROVIDER = "Appelia Services"
HOURLY_RATE = Decimal("31.50")
PER_CALL_RATE = Decimal("1.20")
QUARTER = Decimal("0.25")

# The seeded patterns, each with the flag that must name it.
PATTERNS = {
    "phantom_login": Kind.LOW_OUTPUT,  # logged in all day, no call
    "training_day": Kind.PAUSE_OVER_CAP,  # a day in « training », unconfirmed
    "idle_while_ready": Kind.LOW_ACTIVITY,  # ready, and not taking calls
    "endless_wrap_up": Kind.WRAP_UP_OVER,  # ten calls in four hours, 25 min of wrap-up each
    "fast_hang_ups": Kind.FAST_HANG_UPS,  # "reached" in 20 s: gaming the handle time
    "unanswered_outcomes": Kind.UNANSWERED_OUTCOMES,  # "reached" on calls nobody answered
}
# The invoice's seeded lines, by what the provider billed beyond the evidence.
LINE_PADDED = "padded"  # hours and calls added to a day worked
LINE_NOT_WORKED = "not_worked"  # a day billed, the agent never logged in
LINE_PAUSE_BILLED = "pause_billed"  # a day in « training » billed as work
LINE_IDLE_BILLED = "idle_billed"  # wrap-up past its limits billed as work
LINE_HONEST = "honest"

# Honest outcomes of a dial (weights): answered or not, by a person or a machine.
_DIALS = [
    (Outcome.NO_ANSWER, 30),
    (Outcome.BUSY, 4),
    (Outcome.VOICEMAIL, 8),  # an answering machine
    (Outcome.REACHED, 45),
    (Outcome.CALLBACK, 5),
    (Outcome.WRONG_NUMBER, 2),
    (Outcome.REFUSED, 3),
    (Outcome.LANGUAGE_BARRIER, 3),
]
# Connected seconds of an honest call, by outcome (and reason for "reached"): a contact call takes
# 10 to 20 minutes, a patient zéro's interview 20 to 40 (Assurance Maladie's figures).
_TALK = {
    (Outcome.REACHED, Reason.CONTACT_NOTIFICATION): (480, 1200),
    (Outcome.REACHED, Reason.INDEX_INTERVIEW): (1200, 2400),
    (Outcome.CALLBACK, ""): (40, 150),
    (Outcome.WRONG_NUMBER, ""): (15, 60),
    (Outcome.REFUSED, ""): (60, 300),
    (Outcome.LANGUAGE_BARRIER, ""): (30, 120),
}
# A contact who says « je sais déjà » and hangs up: a short "reached", now and then.
_HURRIED_CONTACT = 0.003


def _hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _amount(hours: Decimal, calls: int) -> Decimal:
    """What the contract's rates make of hours and calls, to the cent."""
    return (hours * HOURLY_RATE + calls * PER_CALL_RATE).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _quarter(seconds: int) -> Decimal:
    """Hours rounded to the quarter, as a provider bills them."""
    return ((Decimal(seconds) / 3600) / QUARTER).quantize(Decimal(1), ROUND_HALF_UP) * QUARTER


@dataclass
class InvoiceTruth:
    invoice_id: int
    # Line number: what it is (LINE_*), billed hours and calls, proven seconds and calls.
    lines: dict[int, tuple[str, Decimal, int, int, int]] = field(default_factory=dict)


@dataclass
class MonthTruth:
    territory_id: int
    first_day: date
    last_day: date
    agent_ids: list[int]
    provider_agents: set[int]
    # Pattern: the agent days it was seeded on.
    seeded: dict[str, set[tuple[int, date]]]
    calls: int = 0
    attempts: int = 0
    agent_days: int = 0
    invoice: InvoiceTruth | None = None

    @property
    def cheaters(self) -> set[int]:
        return {agent for days in self.seeded.values() for agent, _day in days}

    @property
    def honest_agents(self) -> set[int]:
        return set(self.agent_ids) - self.cheaters

    @property
    def seeded_days(self) -> set[tuple[int, date]]:
        return {key for days in self.seeded.values() for key in days}


def _db(value):
    """A value as the bulk loader writes it: SQLite stores naive UTC text, PostgreSQL the value."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def carrier_events(
    call_id: str,
    dialled: datetime,
    ringing: datetime,
    answered_at: datetime | None,
    answered_by: str,
    ended_at: datetime,
    final: str,
    billed: int,
) -> list[tuple[str, str, datetime, dict]]:
    """The events a carrier reports for one call, as (event id, type, time, payload): initiated,
    ringing, answered when it was, then completed (or failed, for a busy line) with its billing."""
    busy = final == CarrierCall.FinalStatus.BUSY
    steps: list[tuple[str, datetime, dict]] = [("initiated", dialled, {}), ("ringing", ringing, {})]
    if answered_at is not None:
        steps.append(("answered", answered_at, {"answered_by": answered_by}))
    steps.append(
        ("failed" if busy else "completed", ended_at, {"status": final, "billed_seconds": billed})
    )
    return [
        (
            f"{call_id}-{n}",
            kind,
            at,
            {"call_id": call_id, "type": kind, "at": at.isoformat(), **extra},
        )
        for n, (kind, at, extra) in enumerate(steps)
    ]


class _Writer:
    """The bulk tables of the month, with their next ids."""

    def __init__(self):
        self.ids = {}
        self.tables = {}
        specs = {
            Person: ["id", "territory_id", "first_name", "last_name", "language_id"],
            IndexCase: ["id", "person_id", "territory_id", "sampled_at", "source"],
            Exposure: ["id", "index_case_id", "person_id", "identified_at", "last_exposure_date"],
            CallTask: [
                "id", "person_id", "reason", "index_case_id", "exposure_id", "territory_id",
                "language_id", "deadline_at", "status", "attempts", "created_at",
                "first_attempt_at", "closed_at", "closed_reason",
            ],
            Assignment: [
                "id", "task_id", "agent_id", "claimed_at", "lease_expires_at", "phone",
                "dialled_at", "connected_at", "connected_source", "carrier", "carrier_call_id",
                "closed_at", "end_reason",
            ],
            CallAttempt: [
                "id", "task_id", "assignment_id", "agent_id", "channel", "phone", "started_at",
                "connected_at", "ended_at", "outcome", "telephony_ref", "carrier",
                "carrier_call_id", "connected_source", "accepted",
            ],
            CarrierCall: [
                "id", "carrier", "carrier_call_id", "assignment_id", "number", "state",
                "started_at", "ringing_at", "answered_at", "ended_at", "answered_by",
                "billed_seconds", "final_status", "updated_at",
            ],
            CarrierEvent: [
                "id", "carrier", "event_id", "call_id", "type", "occurred_at", "received_at",
                "source", "payload",
            ],
            AgentStatusPeriod: [
                "id", "agent_id", "status", "pause_reason_id", "started_at", "ended_at",
                "limit_seconds",
            ],
            AgentDay: [
                "id", "agent_id", "day", "calls", "reached", "talk_seconds", "short_calls",
                "ready_seconds", "on_call_seconds", "wrap_up_seconds", "wrap_up_over_seconds",
                "paused_seconds", "first_login_at", "last_call_at",
            ],
        }  # fmt: skip
        for model, columns in specs.items():
            self.tables[model] = Table(model, columns)
            self.ids[model] = next_id(model)

    def add(self, model, *values) -> int:
        pk = self.ids[model]
        self.ids[model] += 1
        self.tables[model].add(pk, *(_db(v) for v in values))
        return pk

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()

    def sync(self) -> None:
        for model in self.tables:
            sync_sequence(model)


@dataclass
class _Day:
    """One agent's day as it is lived, then counted."""

    agent_id: int
    day: date
    clock: datetime
    counters: dict = field(default_factory=lambda: defaultdict(int))
    first_login_at: datetime | None = None
    last_call_at: datetime | None = None


class _Month:
    def __init__(self, *, territory: Territory, seed: int, writer: _Writer):
        self.territory = territory
        self.zone = territory.zone
        self.rng = random.Random(f"integrity-month:{seed}")
        self.w = writer
        self.language_id = Language.objects.get(code="fr").pk
        self.pauses = {r.code: r for r in PauseReason.objects.all()}
        self.rules = {(r.outcome, r.reason): r for r in DurationRule.objects.all()}
        self.call_serial = 0
        self.index_case: tuple[int, int] | None = None  # (id, contacts left)
        self.calls = 0
        self.attempts = 0
        # Per agent and day, the carrier calls and the seconds a provider may bill.
        self.carrier_calls: dict[tuple[int, date], int] = defaultdict(int)
        self.proven: dict[tuple[int, date], int] = {}
        self.logged_in: dict[tuple[int, date], int] = {}
        self.paused: dict[tuple[int, date], int] = {}
        self.over: dict[tuple[int, date], int] = {}

    # --- periods ----------------------------------------------------------------------------

    def period(self, d: _Day, status: str, seconds: float, *, reason: str = "", limit=None):
        start = d.clock
        end = start + timedelta(seconds=round(seconds))
        self.w.add(
            AgentStatusPeriod,
            d.agent_id,
            status,
            self.pauses[reason].pk if reason else None,
            start,
            end,
            limit,
        )
        spent = int((end - start).total_seconds())
        d.counters[f"{status}_seconds"] += spent
        if status == Status.WRAP_UP and limit is not None:
            d.counters["wrap_up_over_seconds"] += max(0, spent - limit)
        d.first_login_at = d.first_login_at or start
        d.clock = end

    def pause(self, d: _Day, reason: str, minutes: float) -> None:
        self.period(d, Status.PAUSED, minutes * 60, reason=reason)

    # --- one call ----------------------------------------------------------------------------

    def _task(self, at: datetime) -> tuple[int, str, str]:
        """A person to call and their task: a contact mostly, a patient zéro's interview now and
        then; return (task id, reason, phone)."""
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        person = self.w.add(Person, self.territory.pk, first, last, self.language_id)
        phone = f"+336{rng.randrange(10**7, 10**8)}"
        identified = at - timedelta(hours=rng.uniform(1, 20))
        if self.index_case is None or rng.random() < 0.3:
            case = self.w.add(
                IndexCase, person, self.territory.pk, identified - timedelta(days=1), "lab"
            )
            self.index_case = (case, rng.randint(2, 6))
            task = self.w.add(
                CallTask, person, Reason.INDEX_INTERVIEW, case, None, self.territory.pk,
                self.language_id, identified + timedelta(hours=24), CallTask.Status.DONE, 1,
                identified, at, at, "",
            )  # fmt: skip
            return task, Reason.INDEX_INTERVIEW, phone
        case, left = self.index_case
        self.index_case = (case, left - 1) if left > 1 else None
        exposure = self.w.add(
            Exposure, case, person, identified, (identified - timedelta(days=2)).date()
        )
        task = self.w.add(
            CallTask, person, Reason.CONTACT_NOTIFICATION, None, exposure, self.territory.pk,
            self.language_id, identified + timedelta(hours=24), CallTask.Status.DONE, 1,
            identified, at, at, "",
        )  # fmt: skip
        return task, Reason.CONTACT_NOTIFICATION, phone

    def _rule(self, outcome: str, reason: str) -> DurationRule | None:
        return self.rules.get((outcome, reason)) or self.rules.get((outcome, ""))

    def call(
        self,
        d: _Day,
        *,
        outcome: str | None = None,
        talk: float | None = None,
        wrap_up: float | None = None,
        answered: bool | None = None,
    ) -> None:
        """Claim, dial and end one call from the agent's clock, with the carrier's record of
        it; then the wrap-up. Honest by default: the carrier's answer, the talk time and the
        outcome agree. A cheat passes `outcome` (and `answered=False`: nobody picked up)."""
        rng = self.rng
        claimed = d.clock
        task, reason, phone = self._task(claimed)
        dial = outcome or rng.choices([o for o, _w in _DIALS], [w for _o, w in _DIALS])[0]
        machine = dial == Outcome.VOICEMAIL and outcome is None
        if answered is None:
            answered = dial in CallAttempt.CONVERSATION_OUTCOMES or dial == Outcome.WRONG_NUMBER
        dialled = claimed + timedelta(seconds=rng.uniform(4, 15))
        ringing = dialled + timedelta(seconds=rng.uniform(1, 3))
        busy = dial == Outcome.BUSY
        if answered or machine:
            ring = rng.uniform(6, 20)
        else:
            ring = rng.uniform(2, 6) if busy else rng.uniform(25, 40)
        answered_at = ringing + timedelta(seconds=ring) if (answered or machine) else None
        if talk is None:
            low, high = _TALK.get((dial, reason)) or _TALK.get((dial, ""), (0, 0))
            talk = rng.uniform(low, high)
            if dial == Outcome.REACHED and rng.random() < _HURRIED_CONTACT:
                talk = rng.uniform(25, 55)  # an honest short call: a finding, not a flag
        if machine:
            talk = rng.uniform(18, 30)  # the carrier leaves the message
        # The line drops after the talk, or when the ringing stops.
        hung_up = (
            answered_at + timedelta(seconds=talk)
            if answered_at
            else ringing + timedelta(seconds=ring)
        )
        connected_at = answered_at if answered else None
        connected_source = Assignment.ConnectedSource.CARRIER if answered else ""
        ended_at = hung_up
        if outcome and answered is False and dial in CallAttempt.CONVERSATION_OUTCOMES:
            # The cheat: nobody answered, the agent clicks « Décroché » and records a talk.
            connected_at = hung_up + timedelta(seconds=rng.uniform(2, 5))
            connected_source = Assignment.ConnectedSource.AGENT
            ended_at = connected_at + timedelta(seconds=talk)
        self.call_serial += 1
        call_id = f"mi-{self.territory.code}-{self.call_serial:07d}"
        end_reason = Assignment.EndReason.MACHINE if machine else Assignment.EndReason.OUTCOME
        assignment = self.w.add(
            Assignment, task, d.agent_id, claimed, claimed + timedelta(minutes=30), phone,
            dialled, connected_at, connected_source, CARRIER, call_id, ended_at, end_reason,
        )  # fmt: skip
        self.w.add(
            CallAttempt, task, assignment, d.agent_id, CallAttempt.Channel.OUTBOUND, phone,
            claimed, connected_at, ended_at, dial, call_id, CARRIER, call_id, connected_source,
            True,
        )  # fmt: skip
        billed = int((hung_up - answered_at).total_seconds()) if answered_at else 0
        final = (
            CarrierCall.FinalStatus.BUSY
            if busy
            else CarrierCall.FinalStatus.ANSWERED
            if answered_at
            else CarrierCall.FinalStatus.NO_ANSWER
        )
        by = (
            CarrierCall.AnsweredBy.MACHINE
            if machine
            else CarrierCall.AnsweredBy.PERSON
            if answered_at
            else ""
        )
        carrier_call = self.w.add(
            CarrierCall, CARRIER, call_id, assignment, phone,
            CarrierCall.State.FAILED if busy else CarrierCall.State.COMPLETED,
            dialled, ringing, answered_at, hung_up, by, billed, final, hung_up,
        )  # fmt: skip
        for event_id, kind, at, payload in carrier_events(
            call_id, dialled, ringing, answered_at, by, hung_up, final, billed
        ):
            self.w.add(
                CarrierEvent, CARRIER, event_id, carrier_call, kind, at,
                at + timedelta(seconds=1), CarrierEvent.Source.WEBHOOK, json.dumps(payload),
            )  # fmt: skip
        self.carrier_calls[(d.agent_id, d.day)] += 1
        self.attempts += 1
        # The desk's status: on call from the claim to the outcome, then the wrap-up.
        self.period(d, Status.ON_CALL, (ended_at - claimed).total_seconds())
        d.counters["calls"] += 1
        d.counters["reached"] += dial == Outcome.REACHED
        if connected_at:
            spoken = int((ended_at - connected_at).total_seconds())
            d.counters["talk_seconds"] += spoken
            d.counters["short_calls"] += spoken < 10
            self.calls += 1
        d.last_call_at = ended_at
        rule = self._rule(dial, reason)
        limit = rule.wrap_up_limit_seconds if rule else None
        if wrap_up is None:
            wrap_up = rng.uniform(0.3, 0.9) * (limit or 120)
        self.period(d, Status.WRAP_UP, wrap_up, limit=limit)

    # --- days ----------------------------------------------------------------------------------

    def start(self, agent_id: int, day: date, *, at: time) -> _Day:
        minutes = self.rng.uniform(-20, 20)
        clock = datetime.combine(day, at, tzinfo=self.zone) + timedelta(minutes=minutes)
        return _Day(agent_id, day, clock)

    def honest_day(self, d: _Day, *, hours: float = 7.5, training: float = 0.0) -> None:
        """Calls one after another, a short break mid-morning and mid-afternoon, lunch."""
        rng = self.rng
        end = d.clock + timedelta(hours=hours)
        breaks = [
            (d.clock + timedelta(hours=after), reason, minutes)
            for after, reason, minutes in (
                (1.8, "pause", (5, 12)),
                (3.8, "dejeuner", (30, 45)),
                (5.8, "pause", (5, 12)),
            )
            if after < hours - 0.5
        ]
        if training:
            self.pause(d, "formation", training)
        while d.clock < end - timedelta(minutes=10):
            if breaks and d.clock >= breaks[0][0]:
                _at, reason, (low, high) = breaks.pop(0)
                self.pause(d, reason, rng.uniform(low, high))
                continue
            self.period(d, Status.READY, rng.uniform(20, 120))
            self.call(d)

    def phantom_login(self, d: _Day) -> None:
        """Logged in all day, ready, and no call: the « connected and absent » agent."""
        for _half in range(2):
            self.period(d, Status.READY, self.rng.uniform(3.3, 3.7) * 3600)
            self.pause(d, "dejeuner", self.rng.uniform(30, 45))

    def training_day(self, d: _Day) -> None:
        """A whole day in « training », confirmed by no one (working for another client)."""
        self.period(d, Status.READY, self.rng.uniform(60, 300))
        self.pause(d, "formation", self.rng.uniform(6.5, 7.2) * 60)

    def idle_while_ready(self, d: _Day) -> None:
        """A few real calls, with long idle stretches in « ready » between them (about eight
        calls in a day: the agents who made under ten calls a day unseen)."""
        end = d.clock + timedelta(hours=7.5)
        while d.clock < end - timedelta(minutes=30):
            self.period(d, Status.READY, self.rng.uniform(30, 60) * 60)
            self.call(d)

    def endless_wrap_up(self, d: _Day) -> None:
        """Ten unanswered calls in four hours, 25 minutes of wrap-up after each."""
        for _n in range(10):
            self.period(d, Status.READY, self.rng.uniform(5, 30))
            self.call(d, outcome=Outcome.NO_ANSWER, answered=False, wrap_up=25 * 60)

    def fast_hang_ups(self, d: _Day) -> None:
        """A normal day, except that most "reached" calls last 15 to 45 seconds."""
        end = d.clock + timedelta(hours=7.5)
        while d.clock < end - timedelta(minutes=10):
            self.period(d, Status.READY, self.rng.uniform(5, 40))
            if self.rng.random() < 0.45:
                self.call(d, outcome=Outcome.REACHED, talk=self.rng.uniform(15, 45), wrap_up=30)
            else:
                self.call(d)

    def unanswered_outcomes(self, d: _Day) -> None:
        """A normal day, with « reached » recorded on a few calls the carrier saw unanswered."""
        end = d.clock + timedelta(hours=7.5)
        cheats = self.rng.randint(3, 6)
        while d.clock < end - timedelta(minutes=10):
            self.period(d, Status.READY, self.rng.uniform(5, 60))
            if cheats and self.rng.random() < 0.3:
                cheats -= 1
                talk = self.rng.uniform(240, 600)
                self.call(d, outcome=Outcome.REACHED, answered=False, talk=talk)
            else:
                self.call(d)

    def close(self, d: _Day) -> None:
        c = d.counters
        self.w.add(
            AgentDay, d.agent_id, d.day, c["calls"], c["reached"], c["talk_seconds"],
            c["short_calls"], c["ready_seconds"], c["on_call_seconds"], c["wrap_up_seconds"],
            c["wrap_up_over_seconds"], c["paused_seconds"], d.first_login_at, d.last_call_at,
        )  # fmt: skip
        key = (d.agent_id, d.day)
        working = c["ready_seconds"] + c["on_call_seconds"] + c["wrap_up_seconds"]
        self.logged_in[key] = working
        self.paused[key] = c["paused_seconds"]
        self.over[key] = c["wrap_up_over_seconds"]
        self.proven[key] = working - c["wrap_up_over_seconds"]


def month_days(month: date) -> list[date]:
    first, last = invoices.month_bounds(month)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _floor(*, territory: Territory, agents: int, provider_share: float, seed: int) -> list[Agent]:
    """The plateau: its teams, a superviseur and a CPAM admin, and `agents` téléconseillers
    (a share employed by the provider), all with one password hashed once."""
    from demo.loader import DEMO_PASSWORD

    rng = random.Random(f"integrity-floor:{seed}")
    code = territory.code.lower()
    plateau = Plateau.objects.create(territory=territory, name=f"Plateau {territory.code}")
    teams = Team.objects.bulk_create(
        [Team(plateau=plateau, name=f"Équipe {n}") for n in range(1, agents // 25 + 2)]
    )
    password = make_password(DEMO_PASSWORD)
    groups = dict(Group.objects.values_list("name", "pk"))
    french = Language.objects.get(code="fr")
    staff = [
        (f"sup-{code}", "Superviseuse", territory.code, roles.SUPERVISEUR, "cnam", ""),
        (f"adm-{code}", "Admin", f"CPAM {territory.code}", roles.ADMIN_CPAM, "cnam", ""),
    ]
    providers = round(agents * provider_share)
    for n in range(agents):
        employer = "provider" if n < providers else ("fixed_term" if n % 3 == 0 else "cnam")
        staff.append(
            (
                f"{code}-{n + 1:04d}",
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                roles.TELECONSEILLER,
                employer,
                PROVIDER if employer == "provider" else "",
            )
        )
    users = User.objects.bulk_create(
        [
            User(username=u, first_name=f, last_name=la, password=password, email="")
            for u, f, la, _g, _e, _p in staff
        ]
    )
    if connection.vendor != "postgresql":  # SQLite returns no ids from a bulk insert before 3.35
        users = list(User.objects.filter(username__in=[s[0] for s in staff]).order_by("pk"))
    by_name = {u.username: u for u in users}
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=by_name[s[0]].pk, group_id=groups[s[3]]) for s in staff]
    )
    Agent.objects.bulk_create(
        [
            Agent(
                user=by_name[u],
                territory=territory,
                plateau=plateau,
                team=teams[n % len(teams)],
                employer=e,
                provider_name=p,
            )
            for n, (u, _f, _l, _g, e, p) in enumerate(staff)
        ]
    )
    made = list(
        Agent.objects.filter(territory=territory, user__groups__name=roles.TELECONSEILLER)
        .select_related("user")
        .order_by("user__username")
    )
    Agent.languages.through.objects.bulk_create(
        [Agent.languages.through(agent_id=a.pk, language_id=french.pk) for a in made]
    )
    return made


@transaction.atomic
def build_month(
    *,
    territory: Territory,
    month: date,
    seed: int,
    agents: int = 200,
    provider_share: float = 0.2,
    cheaters_per_pattern: int = 6,
    days: list[date] | None = None,
) -> MonthTruth:
    """Write one month (or `days` of it) of a plateau of `agents` in `territory`, with seeded
    cheaters, the carrier's record and the provider's invoice; return the seeded truth."""
    days = days or month_days(month)
    staff = _floor(territory=territory, agents=agents, provider_share=provider_share, seed=seed)
    rng = random.Random(f"integrity-cheaters:{seed}")
    shuffled = [a.pk for a in staff]
    rng.shuffle(shuffled)
    # The cheaters: `cheaters_per_pattern` agents per pattern, providers' agents among them.
    cheat_of = {
        agent: pattern
        for p, pattern in enumerate(PATTERNS)
        for agent in shuffled[p * cheaters_per_pattern : (p + 1) * cheaters_per_pattern]
    }
    code = territory.code.lower()
    return write_activity(
        territory=territory,
        staff=staff,
        days=days,
        cheat_of=cheat_of,
        seed=seed,
        supervisor=User.objects.get(username=f"sup-{code}"),
        invoice=(PROVIDER, month, User.objects.get(username=f"adm-{code}")),
    )


def write_activity(
    *,
    territory: Territory,
    staff: list[Agent],
    days: list[date],
    cheat_of: dict[int, str],
    seed: int,
    supervisor: User,
    invoice: tuple[str, date, User] | None,
) -> MonthTruth:
    """Write the `days` of work of `staff`: honest days, and the pattern of each cheater on a
    few of theirs; the confirmations of real training days by `supervisor`; then the invoice
    (provider, month, imported by) of the provider's agents. Return the seeded truth."""
    writer = _Writer()
    m = _Month(territory=territory, seed=seed, writer=writer)
    rng = m.rng
    ids = [a.pk for a in staff]
    provider_agents = {
        a.pk
        for a in staff
        if a.employer == Agent.Employer.PROVIDER and invoice and a.provider_name == invoice[0]
    }
    seeded: dict[str, set[tuple[int, date]]] = {pattern: set() for pattern in PATTERNS}
    confirmations: list[tuple[int, date]] = []
    for index, agent in enumerate(ids):
        # Five days out of seven, the rest off (the floor is open every day).
        off = {(index + k) % 7 for k in (0, 3)}
        pattern = cheat_of.get(agent)
        work_days = [day for day in days if day.toordinal() % 7 not in off]
        cheat_days = set(rng.sample(work_days, min(len(work_days), rng.randint(2, 5))))
        for day in work_days:
            d = m.start(agent, day, at=time(8, 45))
            if pattern and day in cheat_days:
                getattr(m, pattern)(d)
                seeded[pattern].add((agent, day))
            else:
                draw = rng.random()
                if draw < 0.04 and agent not in provider_agents:
                    # A whole day of real training: a supervisor confirms it.
                    m.training_day(d)
                    confirmations.append((agent, day))
                elif draw < 0.10:
                    m.honest_day(d, hours=7.5, training=rng.uniform(30, 90))  # under the cap
                elif draw < 0.18:
                    m.honest_day(d, hours=rng.uniform(3, 4))  # a half day
                else:
                    m.honest_day(d)
            m.close(d)
        writer.flush()
    writer.sync()
    formation = m.pauses["formation"]
    PauseCapDecision.objects.bulk_create(
        [
            PauseCapDecision(
                agent_id=agent,
                day=day,
                pause_reason=formation,
                confirmed=True,
                decided_by=supervisor,
                decided_at=datetime.combine(day, time(17, 0), tzinfo=m.zone),
                note="Formation « nouveaux protocoles » (planifiée).",
            )
            for agent, day in confirmations
        ]
    )
    truth = MonthTruth(
        territory_id=territory.pk,
        first_day=days[0],
        last_day=days[-1],
        agent_ids=ids,
        provider_agents=provider_agents,
        seeded=seeded,
        calls=m.calls,
        attempts=m.attempts,
        agent_days=len(m.proven),
    )
    if invoice is not None and provider_agents:
        provider, month, admin = invoice
        truth.invoice = _invoice(m, truth, provider=provider, month=month, days=days, admin=admin)
    return truth


def demo_week(*, territory: Territory, now: datetime, seed: int = 2020) -> MonthTruth:
    """The demo's last seven days in `territory` (today excluded: the morning simulation owns
    it): its téléconseillers' work, two of them cheating, the provider's invoice for the month
    of most of those days, and the detection run over them, as the beat would have."""
    from demo.loader import PROVIDERS

    today = timezone.localdate(now, timezone=territory.zone)
    days = [today - timedelta(days=n) for n in range(7, 0, -1)]
    staff = list(
        Agent.objects.filter(territory=territory, user__groups__name=roles.TELECONSEILLER)
        .select_related("user")
        .order_by("user__username")
    )
    # A provider's agent on a day in « training », another agent recording « reached » on calls
    # nobody answered.
    providers = [a for a in staff if a.employer == Agent.Employer.PROVIDER]
    others = [a for a in staff if a.employer != Agent.Employer.PROVIDER]
    cheat_of = {providers[0].pk: "training_day", others[-1].pk: "unanswered_outcomes"}
    month = max(
        {d.replace(day=1) for d in days}, key=lambda m: sum(d.month == m.month for d in days)
    )
    supervisor = User.objects.filter(
        agent__territory=territory, groups__name=roles.SUPERVISEUR
    ).first()
    admin = User.objects.filter(agent__territory=territory, groups__name=roles.ADMIN_CPAM).first()
    truth = write_activity(
        territory=territory,
        staff=staff,
        days=days,
        cheat_of=cheat_of,
        seed=seed,
        supervisor=supervisor,
        invoice=(PROVIDERS[territory.code], month, admin),
    )
    replay_detection(truth, zone=territory.zone, until=now)
    return truth


def _invoice(
    m: _Month, truth: MonthTruth, *, provider: str, month: date, days: list[date], admin: User
) -> InvoiceTruth:
    """The provider's invoice for the month: the hours and calls of each day its agents worked,
    padded on some days, plus days never worked; imported through the invoice import."""
    rng = m.rng
    first, _last = invoices.month_bounds(month)
    ProviderRate.objects.get_or_create(
        territory=m.territory,
        provider=provider,
        valid_from=first,
        defaults={"hourly_rate": HOURLY_RATE, "per_call_rate": PER_CALL_RATE},
    )
    rows = [list(invoices.COLUMNS)]
    lines: dict[int, tuple[str, Decimal, int, int, int]] = {}
    usernames = dict(
        Agent.objects.filter(pk__in=truth.provider_agents).values_list("pk", "user__username")
    )
    seeded = {key: pattern for pattern, keys in truth.seeded.items() for key in keys}
    for agent in sorted(truth.provider_agents):
        for day in days:
            if day.month != first.month:
                continue
            key = (agent, day)
            proven_s = m.proven.get(key)
            calls = m.carrier_calls.get(key, 0)
            if proven_s is None:
                if rng.random() < 0.06:  # a day billed that the agent never worked
                    hours, billed_calls, kind = Decimal("7.5"), rng.randint(25, 40), LINE_NOT_WORKED
                    proven_s = 0
                else:
                    continue
            elif seeded.get(key) == "training_day":
                # The « training » day billed as a day's work.
                hours, billed_calls, kind = (
                    _quarter(m.logged_in[key] + m.paused[key]),
                    calls,
                    LINE_PAUSE_BILLED,
                )
            elif m.over.get(key, 0) > 15 * 60:
                # The wrap-up past its limits billed as work (the evidence calls it idle).
                hours, billed_calls, kind = _quarter(m.logged_in[key]), calls, LINE_IDLE_BILLED
            elif rng.random() < 0.2:
                extra = rng.uniform(1.5, 3.0) * 3600
                hours = _quarter(m.logged_in[key] + int(extra))
                billed_calls, kind = calls + rng.randint(8, 20), LINE_PADDED
            else:
                hours, billed_calls, kind = _quarter(m.logged_in[key]), calls, LINE_HONEST
            rows.append([usernames[agent], day.isoformat(), str(hours), str(billed_calls)])
            lines[len(rows)] = (kind, hours, billed_calls, proven_s, calls)
    content = "\n".join(",".join(row) for row in rows).encode()
    invoice = invoices.import_invoice(
        territory=m.territory,
        provider=provider,
        month=first,
        content=content,
        file_name=f"facture-{provider.lower().replace(' ', '-')}-{first:%Y-%m}.csv",
        by=admin,
        now=datetime.combine(days[-1] + timedelta(days=1), time(9, 0), tzinfo=m.zone),
    )
    return InvoiceTruth(invoice_id=invoice.pk, lines=lines)


def record_carrier_calls(*, since: datetime) -> int:
    """Give the calls made through the services since `since` (the demo's morning, dialled
    before any carrier runs) the carrier's record they would have had: answered by a person
    when the agent marked them answered, by a machine for a voicemail, busy, or unanswered;
    billed from the answer to the end. Return the number of calls recorded."""
    attempts = list(
        CallAttempt.objects.filter(
            started_at__gte=since,
            channel=CallAttempt.Channel.OUTBOUND,
            carrier_call_id="",
            ended_at__isnull=False,
            assignment__isnull=False,
        ).select_related("assignment")
    )
    calls, events = [], []
    for a in attempts:
        call_id = f"demo-{a.pk}"
        dialled = a.assignment.dialled_at or a.started_at
        ringing = min(dialled + timedelta(seconds=2), a.ended_at)
        answered_at, by, final = None, "", CarrierCall.FinalStatus.NO_ANSWER
        if a.connected_at is not None:
            answered_at, by = a.connected_at, CarrierCall.AnsweredBy.PERSON
            final = CarrierCall.FinalStatus.ANSWERED
        elif a.outcome == Outcome.VOICEMAIL:
            answered_at = min(ringing + timedelta(seconds=15), a.ended_at)
            by, final = CarrierCall.AnsweredBy.MACHINE, CarrierCall.FinalStatus.ANSWERED
        elif a.outcome == Outcome.BUSY:
            final = CarrierCall.FinalStatus.BUSY
        billed = int((a.ended_at - answered_at).total_seconds()) if answered_at else 0
        busy = final == CarrierCall.FinalStatus.BUSY
        call = CarrierCall(
            carrier=CARRIER,
            carrier_call_id=call_id,
            assignment=a.assignment,
            number=a.phone,
            state=CarrierCall.State.FAILED if busy else CarrierCall.State.COMPLETED,
            started_at=dialled,
            ringing_at=ringing,
            answered_at=answered_at,
            ended_at=a.ended_at,
            answered_by=by,
            billed_seconds=billed,
            final_status=final,
            updated_at=a.ended_at,
        )
        calls.append(call)
        events.extend(
            CarrierEvent(
                carrier=CARRIER,
                event_id=event_id,
                call=call,
                type=kind,
                occurred_at=at,
                received_at=at + timedelta(seconds=1),
                payload=payload,
            )
            for event_id, kind, at, payload in carrier_events(
                call_id, dialled, ringing, answered_at, by, a.ended_at, final, billed
            )
        )
    CarrierCall.objects.bulk_create(calls)
    if connection.vendor != "postgresql":  # ids back for the events' foreign key
        ids = dict(
            CarrierCall.objects.filter(
                carrier_call_id__in=[c.carrier_call_id for c in calls]
            ).values_list("carrier_call_id", "pk")
        )
        for call in calls:
            call.pk = ids[call.carrier_call_id]
        for event in events:
            event.call_id = event.call.pk
    CarrierEvent.objects.bulk_create(events)
    for a in attempts:
        proven = Assignment.ConnectedSource.CARRIER if a.connected_at else ""
        CallAttempt.objects.filter(pk=a.pk).update(
            carrier=CARRIER, carrier_call_id=f"demo-{a.pk}", connected_source=proven
        )
        Assignment.objects.filter(pk=a.assignment_id).update(
            carrier=CARRIER, carrier_call_id=f"demo-{a.pk}", connected_source=proven
        )
    return len(calls)


def replay_detection(truth: MonthTruth, *, zone, until: datetime | None = None) -> int:
    """Run the detection jobs as the beat would have, once a day at 6:00 after each day (and
    on the day after the last twice, to show it idempotent), never past `until`; return the
    findings made."""
    made = 0
    day = truth.first_day
    while day <= truth.last_day + timedelta(days=1):
        now = datetime.combine(day + timedelta(days=1), time(6, 0), tzinfo=zone)
        if until is not None:
            now = min(now, until)
        made += detect_duration_findings(now=now)
        made += reconcile(now=now)
        made += detect_day_flags(now=now)
        day += timedelta(days=1)
    return made


# --- The score ---------------------------------------------------------------------------------


@dataclass
class PatternScore:
    pattern: str
    kind: str
    seeded_days: int
    flagged_days: int
    seeded_agents: int
    flagged_agents: int


@dataclass
class InvoiceScore:
    billed_hours: Decimal
    proven_hours: Decimal
    true_hours: Decimal
    billed_calls: int
    proven_calls: int
    true_calls: int
    billed_amount: Decimal
    proven_amount: Decimal
    disputed_amount: Decimal
    true_excess_amount: Decimal
    # Kind of line: (lines, disputed).
    lines: dict[str, tuple[int, int]]


@dataclass
class MonthScore:
    patterns: list[PatternScore]
    honest_agents: int
    honest_agents_flagged: int
    honest_days: int
    honest_days_flagged: int
    honest_call_findings: int
    invoice: InvoiceScore | None

    @property
    def perfect(self) -> bool:
        lines_ok = self.invoice is None or all(
            (disputed == n) if kind != LINE_HONEST else disputed == 0
            for kind, (n, disputed) in self.invoice.lines.items()
        )
        return (
            all(p.flagged_days == p.seeded_days for p in self.patterns)
            and self.honest_agents_flagged == 0
            and self.honest_days_flagged == 0
            and lines_ok
        )


def score(truth: MonthTruth) -> MonthScore:
    findings = list(
        Finding.objects.filter(
            territory_id=truth.territory_id,
            day__gte=truth.first_day,
            day__lte=truth.last_day,
            agent__isnull=False,
        ).values_list("agent_id", "day", "kind")
    )
    flags = {(a, d, k) for a, d, k in findings if k in Finding.FLAG_KINDS}
    patterns = []
    for pattern, kind in PATTERNS.items():
        keys = truth.seeded[pattern]
        hit = {key for key in keys if (*key, kind) in flags}
        patterns.append(
            PatternScore(
                pattern=pattern,
                kind=kind,
                seeded_days=len(keys),
                flagged_days=len(hit),
                seeded_agents=len({a for a, _d in keys}),
                flagged_agents=len({a for a, _d in hit}),
            )
        )
    seeded_days = truth.seeded_days
    honest = truth.honest_agents
    flagged_honest_days = {(a, d) for a, d, _k in flags if (a, d) not in seeded_days}
    honest_days = AgentDay.objects.filter(
        agent_id__in=truth.agent_ids, day__gte=truth.first_day, day__lte=truth.last_day
    ).count() - len(seeded_days)
    return MonthScore(
        patterns=patterns,
        honest_agents=len(honest),
        honest_agents_flagged=len({a for a, _d, _k in flags if a in honest}),
        honest_days=honest_days,
        honest_days_flagged=len(flagged_honest_days),
        honest_call_findings=sum(
            1 for a, _d, k in findings if a in honest and k not in Finding.FLAG_KINDS
        ),
        invoice=_invoice_score(truth.invoice) if truth.invoice else None,
    )


def _invoice_score(truth: InvoiceTruth) -> InvoiceScore:
    report = invoices.reconcile(ProviderInvoice.objects.get(pk=truth.invoice_id))
    disputed = {f.line.line_number for f in report.lines if f.disputed}
    lines: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    true_excess = Decimal(0)
    for number, (kind, hours, calls, proven_seconds, proven_calls) in truth.lines.items():
        lines[kind][0] += 1
        lines[kind][1] += number in disputed
        if kind != LINE_HONEST:
            true_excess += _amount(hours, calls) - _amount(
                Decimal(proven_seconds) / 3600, proven_calls
            )
    return InvoiceScore(
        billed_hours=report.billed_hours,
        proven_hours=report.proven_hours,
        true_hours=sum((_hours(line[3]) for line in truth.lines.values()), Decimal(0)),
        billed_calls=report.billed_calls,
        proven_calls=report.proven_calls,
        true_calls=sum(line[4] for line in truth.lines.values()),
        billed_amount=report.billed_amount,
        proven_amount=report.proven_amount,
        disputed_amount=report.disputed_amount,
        true_excess_amount=true_excess,
        lines={kind: (n, d) for kind, (n, d) in lines.items()},
    )


def render(truth: MonthTruth, result: MonthScore) -> list[str]:
    """The score as printed by the command and by `make bench`."""
    out = [
        f"Seeded-fraud month {truth.first_day:%Y-%m}: {len(truth.agent_ids)} agents "
        f"({len(truth.provider_agents)} of provider {PROVIDER}), {truth.agent_days:,} agent days, "
        f"{truth.attempts:,} calls ({truth.attempts / max(truth.agent_days, 1):.1f} a day), "
        f"{truth.calls:,} connected; {len(truth.cheaters)} cheaters",
        f"{'pattern':<22}{'flag':<22}{'seeded days':>12}{'flagged':>9}{'agents':>8}{'flagged':>9}",
    ]
    for p in result.patterns:
        out.append(
            f"{p.pattern:<22}{p.kind:<22}{p.seeded_days:>12}{p.flagged_days:>9}"
            f"{p.seeded_agents:>8}{p.flagged_agents:>9}"
        )
    out.append(
        f"honest agents flagged: {result.honest_agents_flagged} of {result.honest_agents}; "
        f"honest days flagged: {result.honest_days_flagged} of {result.honest_days} "
        f"(findings on honest calls, not flags: {result.honest_call_findings})"
    )
    inv = result.invoice
    if inv is not None:
        out.append(
            f"provider invoice: billed {inv.billed_hours} h / {inv.billed_calls} calls / "
            f"{inv.billed_amount} €; proven {inv.proven_hours} h / {inv.proven_calls} calls / "
            f"{inv.proven_amount} €; seeded truth {inv.true_hours} h / {inv.true_calls} calls"
        )
        out.append(
            f"  disputed {inv.disputed_amount} € beyond the evidence; seeded excess "
            f"{inv.true_excess_amount} €"
        )
        for kind, (n, disputed) in sorted(inv.lines.items()):
            out.append(f"  lines {kind:<14}{n:>6}  disputed {disputed:>6}")
    out.append("every seeded pattern flagged, 0 honest flagged" if result.perfect else "MISSED")
    return out
