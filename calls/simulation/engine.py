"""The SimPy model of the queue: people arrive, agents claim, call, record an outcome and wrap
up; the retry rules, the fallback SMS, escalation and lease expiry move the tasks on.

Time is in minutes after the scenario's start. Every decision is calls.policy's (or the
production method it names): the claim's order (claim_sort_key), what a claim may take
(is_claimable, may_take), calling hours (Territory.is_calling_time), what an outcome does
(next_after, retry_delay_minutes, moves_to_next_phone, falls_back), the band of a late task
(band_for) and the wrap-up limit (wrap_up_limit). Only the people's answers and the handle times
are drawn at random, from a seeded generator: the same scenario gives the same result.
"""

import heapq
import math
import random
import time as wall
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

import simpy

from agents.models import Territory
from calls.models import CallTask
from calls.policy import (
    Next,
    claim_sort_key,
    falls_back,
    is_claimable,
    may_take,
    moves_to_next_phone,
    next_after,
    retry_delay_minutes,
    wrap_up_limit,
)
from calls.services.lifecycle import band_for
from calls.simulation.result import Figures, HourFigures, SimulationResult
from calls.simulation.scenario import POLICIES, Scenario

QUEUED, ASSIGNED = CallTask.Status.QUEUED, CallTask.Status.ASSIGNED
DONE, CLOSED, ESCALATED = CallTask.Status.DONE, CallTask.Status.CLOSED, CallTask.Status.ESCALATED
IN_TIME, LATE = CallTask.Band.IN_TIME, CallTask.Band.LATE
ANY_LANGUAGE = "*"
# A booked callback is not swept at the deadline until this many minutes after its time
# (calls.services.fallback.CALLBACK_GRACE).
CALLBACK_GRACE_MINUTES = 60

# Keep the claim order of runs this small (tests, pages).
KEEP_CLAIMS_UP_TO = 2000


class SimTask:
    """A CallTask in the simulator: the fields the policy reads, in minutes."""

    __slots__ = (
        "id",
        "territory",
        "language",
        "reason",
        "deadline_at",
        "priority",
        "created_at",
        "queue_band",
        "not_before",
        "reserved_for_id",
        "status",
        "attempts",
        "phones",
        "phone_position",
        "version",
        "entered_at",
        "callback_at",
        "callable_until",
        "reached_at",
        "notified_at",
        "sms_at",
        "sms_late",
        "escalated_at",
        "script",
        "no_number",
    )

    def __init__(
        self,
        id,
        territory,
        language,
        reason,
        created_at,
        deadline_at,
        priority,
        phones=1,
        script=None,
    ):
        self.id, self.territory, self.language, self.reason = id, territory, language, reason
        self.created_at, self.deadline_at, self.priority = created_at, deadline_at, priority
        self.queue_band, self.not_before, self.reserved_for_id = IN_TIME, None, None
        self.status, self.attempts, self.phones, self.phone_position = QUEUED, 0, phones, 0
        self.version, self.entered_at, self.callback_at, self.callable_until = (
            0,
            created_at,
            None,
            None,
        )
        self.reached_at = self.notified_at = self.sms_at = self.escalated_at = None
        self.sms_late = self.no_number = False
        self.script = list(script) if script else None


class SimAgent:
    __slots__ = ("id", "territory", "languages", "queues", "wake", "end", "speaks")

    def __init__(self, id, territory, languages, end):
        self.id, self.territory, self.languages, self.end = id, territory, languages, end
        self.speaks = frozenset(languages)
        self.queues: list[tuple[str, str]] = []
        self.wake = None


class SimQueue:
    """The queued tasks, one heap per (territory, language) like the claim's index walk, and the
    idle agents waiting on each. pick() is the claim."""

    def __init__(
        self,
        *,
        policy: str,
        is_open: Callable[[str, float], bool],
        on_late: Callable[[SimTask, float], None] | None = None,
        on_overdue: Callable[[SimTask, float], None] | None = None,
        late_callable_minutes: float = 48 * 60,
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}")
        self.policy = policy
        self.is_open = is_open
        self.on_late = on_late or (lambda task, at: None)
        self.on_overdue = on_overdue or _escalate_alone
        self.late_callable_minutes = late_callable_minutes
        self.heaps: dict[tuple[str, str], list] = {}
        self.idle: dict[tuple[str, str], deque] = {}
        self.seq = 0
        if policy == "fifo":
            # First in, first out: by the time the task (re)entered the queue.
            self.sort_key: Callable[[SimTask], tuple] = lambda t: (t.entered_at,)
        else:
            self.sort_key = claim_sort_key

    def queue_of(self, task: SimTask) -> tuple[str, str]:
        language = ANY_LANGUAGE if self.policy == "no_language" else task.language
        return task.territory, language

    def push(self, task: SimTask, now: float) -> tuple[str, str]:
        task.version += 1
        task.entered_at = now
        self.sweep_deadline(task, now)
        key = self.queue_of(task)
        self.seq += 1
        heapq.heappush(
            self.heaps.setdefault(key, []), (self.sort_key(task), self.seq, task.version, task)
        )
        return key

    def sweep_deadline(self, task: SimTask, now: float) -> bool:
        """calls.services.sweeps.fallback_at_deadline for one task: past its deadline, it goes
        behind the tasks in time (band_for), texted once; True when it moved."""
        # band_for compares minutes as it compares moments.
        band = band_for(deadline_at=task.deadline_at, now=now)  # type: ignore[arg-type]
        if task.queue_band != IN_TIME or band != LATE:
            return False
        if task.callback_at is not None and task.callback_at > now - CALLBACK_GRACE_MINUTES:
            return False
        task.queue_band = LATE
        task.callback_at = None
        task.callable_until = task.deadline_at + self.late_callable_minutes
        self.on_late(task, max(task.deadline_at, 0.0))
        return True

    def pick(self, agent: SimAgent, now: float) -> SimTask | None:
        """Claim the most urgent task the agent may take now, or None."""
        best = None
        best_heap = None
        for key in agent.queues:
            heap = self.heaps.get(key)
            if not heap or not self.is_open(key[0], now):
                continue
            while heap:
                _key, _seq, version, task = heap[0]
                if version != task.version or task.status != QUEUED:
                    heapq.heappop(heap)
                    continue
                if self.sweep_deadline(task, now):
                    heapq.heappop(heap)
                    self.seq += 1
                    task.version += 1
                    heapq.heappush(heap, (self.sort_key(task), self.seq, task.version, task))
                    continue
                if task.callable_until is not None and task.callable_until <= now:
                    heapq.heappop(heap)  # escalate_overdue
                    self.on_overdue(task, task.callable_until)
                    continue
                break
            if heap and (best is None or heap[0][:2] < best[:2]):
                best, best_heap = heap[0], heap
        if best is None or best_heap is None:
            return None
        heapq.heappop(best_heap)
        task = best[3]
        assert is_claimable(
            status=task.status,
            not_before=task.not_before,
            reserved_for_id=task.reserved_for_id,
            agent_id=agent.id,
            now=now,
        )
        task.status = ASSIGNED
        return task

    def wait(self, agent: SimAgent) -> None:
        for key in agent.queues:
            self.idle.setdefault(key, deque()).append(agent)

    def wake_one(self, key: tuple[str, str], now: float) -> None:
        waiting = self.idle.get(key)
        if not waiting or not self.is_open(key[0], now):
            return
        while waiting:
            agent = waiting.popleft()
            if agent.wake is not None and not agent.wake.triggered:
                agent.wake.succeed()
                return

    def wake_all(self, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            waiting = self.idle.pop(key, None)
            while waiting:
                agent = waiting.popleft()
                if agent.wake is not None and not agent.wake.triggered:
                    agent.wake.succeed()


def _drop_event(function: Callable, *args: object) -> None:
    """A SimPy callback (it receives the event) calling `function(*args)`."""
    function(*args[:-1])


def _escalate_alone(task: SimTask, at: float) -> None:
    task.status, task.escalated_at = ESCALATED, at


class _Environment(simpy.Environment):
    """A SimPy environment that counts the events it processes."""

    def __init__(self) -> None:
        super().__init__()
        self.events = 0

    def step(self) -> None:
        self.events += 1
        super().step()


def _lognormal(mean: float, cv: float) -> tuple[float, float]:
    sigma2 = math.log(1 + cv * cv)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def _counts(total: int, weights: tuple[float, ...]) -> list[int]:
    """Split `total` over the weights, by largest remainder."""
    whole = sum(weights)
    if not whole or not total:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _arrivals(s: Scenario, rng: random.Random) -> list[tuple]:
    if s.arrivals is not None:
        return sorted(s.arrivals, key=lambda a: a[0])
    codes = [t.code for t in s.territories]
    territory_weights = [t.weight for t in s.territories]
    languages = list(s.languages)
    language_weights = [s.languages[code] for code in languages]
    rows = []
    profile = tuple(s.arrival_profile)
    # The days after the last one bring their own arrivals (a day like this one), so that the
    # rota there does not work only on the backlog; only the first `days` days are counted.
    for day in range(s.days + math.ceil(s.deadline_hours / 24)):
        for reason, total, priority in (
            ("index_interview", s.index_cases_per_day, 2),
            ("contact_notification", s.contacts_per_day, 0),
        ):
            for hour, n in enumerate(_counts(total, profile)):
                if not n:
                    continue
                terr = rng.choices(codes, territory_weights, k=n)
                lang = rng.choices(languages, language_weights, k=n)
                for i in range(n):
                    at = (day * 24 + hour + rng.random()) * 60
                    # A household contact goes before other contacts (calls.services.intake).
                    p = priority if reason == "index_interview" else int(rng.random() < 0.3)
                    phones = 1 + (rng.random() < s.second_phone_share)
                    rows.append((at, terr[i], lang[i], reason, p, phones))
    rows.sort(key=lambda a: a[0])
    return rows


def _calling_calendar(s: Scenario) -> tuple[dict, dict]:
    """Per territory, for each minute of the horizon: may its people be called
    (Territory.is_calling_time, production's own test), and their local hour."""
    minutes = int(s.horizon_minutes) + 1
    by_hours: dict[tuple, tuple[bytearray, bytearray]] = {}
    open_at, local_hour = {}, {}
    for spec in s.territories:
        signature = (spec.zone, spec.calling_start, spec.calling_end)
        if signature not in by_hours:
            territory = Territory(
                timezone=spec.zone,
                calling_hours_start=spec.calling_start,
                calling_hours_end=spec.calling_end,
            )
            zone = ZoneInfo(spec.zone)
            opened, hours = bytearray(minutes), bytearray(minutes)
            for m in range(minutes):
                moment = s.start + timedelta(minutes=m)
                opened[m] = territory.is_calling_time(moment)
                hours[m] = moment.astimezone(zone).hour
            by_hours[signature] = (opened, hours)
        open_at[spec.code], local_hour[spec.code] = by_hours[signature]
    return open_at, local_hour


def simulate(scenario: Scenario) -> SimulationResult:
    """Simulate the scenario's days and say, per language and per hour, how many people were
    reached or notified within 24 h."""
    started = wall.perf_counter()
    s = scenario
    rng = random.Random(s.seed)
    env = _Environment()
    open_at, local_hour = _calling_calendar(s)
    last_minute = int(s.horizon_minutes)
    hours = int(math.ceil(s.horizon_minutes / 60))
    languages = list(s.languages)
    for shift in s.shifts:
        languages += [code for code in shift.languages if code not in languages]

    def is_open(territory: str, now: float) -> bool:
        return bool(open_at[territory][min(int(now), last_minute)])

    sms_by_hour = {code: [0] * hours for code in languages}
    escalations_by_hour = {code: [0] * hours for code in languages}

    def hour_of(at: float) -> int:
        return min(int(at // 60), hours - 1)

    def send_sms(task: SimTask, at: float, late: bool) -> None:
        if task.sms_at is not None or task.phones <= 0:
            return
        task.sms_at, task.sms_late = at, late
        if not late:
            task.notified_at = at if task.notified_at is None else task.notified_at
        sms_by_hour[task.language][hour_of(at)] += 1

    def escalate(task: SimTask, at: float) -> None:
        task.status, task.escalated_at = ESCALATED, at
        escalations_by_hour[task.language][hour_of(at)] += 1
        waiting[task.language] -= 1

    queue = SimQueue(
        policy=s.policy,
        is_open=is_open,
        on_late=lambda task, at: send_sms(task, at, True),
        on_overdue=lambda task, at: escalate(task, at),
        late_callable_minutes=s.late_callable_hours * 60,
    )
    waiting = dict.fromkeys(languages, 0)
    tasks: list[SimTask] = []
    claims: list[int] = []

    def enqueue(task: SimTask) -> None:
        key = queue.push(task, env.now)
        queue.wake_one(key, env.now)

    def release(task: SimTask, at: float) -> None:
        """A task held back by not_before joins the queue then."""
        event = env.timeout(max(at - env.now, 0))
        version = task.version

        def go(_event, task=task, version=version):
            if task.status == QUEUED and task.version == version:
                task.not_before = None
                enqueue(task)

        event.callbacks.append(go)

    scripts = list(s.scripted_outcomes or ())

    def arrive(row: tuple, number: int) -> None:
        at, territory, language, reason, priority, phones = row[:6]
        deadline = row[6] if len(row) > 6 else at + s.deadline_hours * 60
        task = SimTask(
            number,
            territory,
            language,
            reason,
            at,
            deadline,
            priority,
            phones,
            scripts[number] if number < len(scripts) else None,
        )
        tasks.append(task)
        waiting[language] += 1
        if s.channel_mode == "sms_first" and reason == "contact_notification":
            # Notified at once by SMS (not reached), and still called; a patient zéro is always
            # called first (calls.services.channels).
            task.notified_at = at
            sms_by_hour[language][hour_of(at)] += 1
        enqueue(task)

    for number, row in enumerate(_arrivals(s, rng)):
        event = env.timeout(row[0])
        event.callbacks.append(partial(_drop_event, arrive, row, number))

    # The people's answers and the handle times.
    answered = (list(s.answered), list(_cumulative(s.answered.values())))
    unanswered = (list(s.unanswered), list(_cumulative(s.unanswered.values())))
    handle = {
        key: _lognormal(mean, cv) if cv > 0 else (math.log(mean), 0.0)
        for key, (mean, cv) in s.handle_minutes.items()
    }
    wrap_minutes = s.wrap_up_seconds / 60

    def outcome_of(task: SimTask, now: float) -> str:
        if task.script:
            return task.script.pop(0)
        hour = local_hour[task.territory][min(int(now), last_minute)]
        names, cumulative = answered if rng.random() < s.reachability[hour] else unanswered
        return rng.choices(names, cum_weights=cumulative)[0]

    def handle_minutes(task: SimTask, outcome: str, agent: SimAgent) -> float:
        mu, sigma = handle.get((task.reason, outcome)) or handle[("*", outcome)]
        minutes = rng.lognormvariate(mu, sigma) if sigma else math.exp(mu)
        if s.policy == "no_language" and task.language not in agent.speaks:
            minutes *= s.interpreter_penalty
        return minutes

    # Occupancy: minutes scheduled and busy, per language and hour.
    scheduled = {code: [0.0] * hours for code in languages}
    busy = {code: [0.0] * hours for code in languages}

    def add(table: dict, codes, start: float, end: float, count: int = 1) -> None:
        while start < end:
            h = int(start // 60)
            if h >= hours:
                return
            cut = min(end, (h + 1) * 60)
            for code in codes:
                table[code][h] += (cut - start) * count
            start = cut

    territory_codes = [t.code for t in s.territories]
    keys_of_territory: dict[str, list[tuple[str, str]]] = {code: [] for code in territory_codes}

    def agent_queues(agent: SimAgent) -> list[tuple[str, str]]:
        territories = [agent.territory] if agent.territory else territory_codes
        if s.policy == "no_language":
            return [(t, ANY_LANGUAGE) for t in territories]
        return [
            (t, code)
            for t in territories
            for code in languages
            if may_take(
                agent_languages=agent.languages,
                agent_territory_id=agent.territory or t,
                task_language=code,
                task_territory_id=t,
            )
        ]

    def work(agent: SimAgent, start: float):
        yield env.timeout(start)
        while env.now < agent.end:
            now = env.now
            task = queue.pick(agent, now)
            if task is None:
                agent.wake = env.event()
                queue.wait(agent)
                yield agent.wake
                agent.wake = None
                continue
            waiting[task.language] -= 1
            if len(claims) < KEEP_CLAIMS_UP_TO:
                claims.append(task.id)
            if s.lease_loss and rng.random() < s.lease_loss:
                # The agent vanishes: the task comes back when the lease expires (expire_leases).
                yield env.timeout(s.lease_minutes)
                add(busy, agent.languages, now, env.now)
                task.status = QUEUED
                waiting[task.language] += 1
                enqueue(task)
                continue
            outcome = outcome_of(task, now)
            yield env.timeout(handle_minutes(task, outcome, agent))
            record(task, outcome, agent)
            limit = wrap_up_limit(s.wrap_up_limits, outcome=outcome, reason=task.reason)
            wrap = wrap_minutes if limit is None else min(wrap_minutes, limit / 60)
            if wrap > 0:
                yield env.timeout(wrap)
            add(busy, agent.languages, now, env.now)

    def record(task: SimTask, outcome: str, agent: SimAgent) -> None:
        """apply_retry_policy() for one simulated attempt."""
        now = env.now
        rule = s.retry_rules[outcome]
        task.attempts += 1
        task.status = QUEUED
        task.callback_at = None
        task.not_before = None
        kind = next_after(outcome=outcome, rule=rule)
        if kind in (Next.DONE, Next.CLOSED):
            # Reached, or spoken with (refused, not concerned): the call was answered.
            task.status = DONE if kind == Next.DONE else CLOSED
            task.reached_at = now
            return
        waiting[task.language] += 1
        delay = retry_delay_minutes(rule=rule)
        if kind == Next.CALLBACK:
            # Booked before the deadline, as the desk requires, and open to all.
            at = min(now + s.callback_delay_minutes, max(now, task.deadline_at - 30))
            task.callback_at = task.not_before = at
        elif kind == Next.WRONG_NUMBER:
            task.phones -= 1
            if task.phones <= 0:
                task.no_number = True
                escalate(task, now)
                return
        elif kind == Next.LANGUAGE:
            escalate(task, now)
            return
        if moves_to_next_phone(outcome=outcome, rule=rule) and kind != Next.WRONG_NUMBER:
            task.phone_position += 1
        if kind != Next.CALLBACK and delay:
            task.not_before = now + delay
        if falls_back(outcome=outcome, rule=rule, attempts=task.attempts, still_queued=True):
            send_sms(task, now, now > task.deadline_at)
            escalate(task, now)
            return
        if task.not_before is not None:
            task.version += 1
            release(task, task.not_before)
        else:
            enqueue(task)

    agent_number = 0
    for day in range(s.days + math.ceil(s.deadline_hours / 24)):
        for shift in s.shifts:
            start, end = (day * 24 + shift.start) * 60, (day * 24 + shift.end) * 60
            if start >= s.horizon_minutes:
                continue
            add(scheduled, shift.languages, start, min(end, s.horizon_minutes), shift.count)
            for _ in range(shift.count):
                agent_number += 1
                agent = SimAgent(agent_number, shift.territory, shift.languages, end)
                agent.queues = agent_queues(agent)
                env.process(work(agent, start))

    # Agents idle at their shift's end leave; agents idle when calling hours open start again.
    ends = sorted({(d * 24 + sh.end) * 60 for d in range(s.days + 1) for sh in s.shifts})

    def at_shift_end(_event) -> None:
        queue.wake_all(list(queue.idle))

    for end in ends:
        if end < s.horizon_minutes:
            env.timeout(end).callbacks.append(at_shift_end)
    for spec in s.territories:
        keys_of_territory[spec.code] = [
            key for key in _all_keys(s, languages) if key[0] == spec.code
        ]
        opened = open_at[spec.code]
        for m in range(1, last_minute + 1):
            if opened[m] and not opened[m - 1]:
                env.timeout(m).callbacks.append(
                    partial(_drop_event, queue.wake_all, keys_of_territory[spec.code])
                )

    # Queue length at each hour's start.
    queue_length = {code: [0] * hours for code in languages}

    def sample(h: int) -> None:
        for code in languages:
            queue_length[code][h] = waiting[code]

    for h in range(hours):
        env.timeout(h * 60).callbacks.append(partial(_drop_event, sample, h))

    env.run(until=s.horizon_minutes)

    # What the sweeps would do to the tasks left waiting: the deadline's SMS, then escalation.
    for task in tasks:
        if task.status == QUEUED and task.deadline_at <= s.horizon_minutes:
            send_sms(task, task.deadline_at, True)
            limit = task.deadline_at + s.late_callable_hours * 60
            if limit <= s.horizon_minutes:
                escalate(task, limit)
    return _result(
        s,
        tasks,
        languages,
        hours,
        sms_by_hour,
        escalations_by_hour,
        queue_length,
        scheduled,
        busy,
        claims,
        env.events,
        wall.perf_counter() - started,
    )


def _all_keys(s: Scenario, languages: list[str]) -> list[tuple[str, str]]:
    if s.policy == "no_language":
        return [(t.code, ANY_LANGUAGE) for t in s.territories]
    return [(t.code, code) for t in s.territories for code in languages]


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _result(
    s,
    tasks,
    languages,
    hours,
    sms_by_hour,
    escalations_by_hour,
    queue_length,
    scheduled,
    busy,
    claims,
    events,
    seconds,
) -> SimulationResult:
    by_language_hour = {code: [HourFigures(hour=h) for h in range(hours)] for code in languages}
    counted_until = s.days * 24 * 60
    for task in tasks:
        if task.created_at >= counted_until and s.arrivals is None:
            continue
        f = by_language_hour[task.language][min(int(task.created_at // 60), hours - 1)]
        f.people += 1
        reached = task.reached_at is not None and task.reached_at <= task.deadline_at
        # An SMS to numbers that all turned out wrong notified nobody.
        notified = (
            task.notified_at is not None
            and task.notified_at <= task.deadline_at
            and not task.no_number
        )
        f.reached += reached
        f.notified_sms += notified and not reached
        if reached or notified:
            f.within_24h += 1
        else:
            f.misses += 1
            f.no_number += task.no_number
    for code in languages:
        for h, f in enumerate(by_language_hour[code]):
            f.sms_sent = sms_by_hour[code][h]
            f.escalations = escalations_by_hour[code][h]
            f.queue_length = queue_length[code][h]
            f.occupancy = busy[code][h] / scheduled[code][h] if scheduled[code][h] else 0.0
    late: dict[str, int] = {}
    for task in tasks:
        if task.sms_late and (task.created_at < counted_until or s.arrivals is not None):
            late[task.language] = late.get(task.language, 0) + 1
    by_language = {}
    for code in languages:
        total = _sum(by_language_hour[code], Figures())
        total.sms_at_deadline = late.get(code, 0)
        by_language[code] = total
    by_hour = []
    for h in range(hours):
        f = _sum([by_language_hour[code][h] for code in languages], HourFigures(hour=h))
        f.queue_length = sum(queue_length[code][h] for code in languages)
        all_scheduled = sum(scheduled[code][h] for code in languages)
        f.occupancy = (
            sum(busy[code][h] for code in languages) / all_scheduled if all_scheduled else 0.0
        )
        by_hour.append(f)
    totals = _sum(list(by_language.values()), Figures())
    totals.sms_at_deadline = sum(late.values())
    return SimulationResult(
        policy=s.policy,
        channel_mode=s.channel_mode,
        seed=s.seed,
        agents=s.agents(),
        totals=totals,
        by_language=by_language,
        by_hour=by_hour,
        by_language_hour=by_language_hour,
        calls=sum(t.attempts for t in tasks),
        events=events,
        wall_seconds=seconds,
        claims=claims,
    )


def _sum(parts, into):
    for f in parts:
        into.people += f.people
        into.reached += f.reached
        into.notified_sms += f.notified_sms
        into.within_24h += f.within_24h
        into.misses += f.misses
        into.sms_sent += f.sms_sent
        into.sms_at_deadline += f.sms_at_deadline
        into.escalations += f.escalations
        into.no_number += f.no_number
    return into


def compare_policies(scenario: Scenario) -> dict[str, SimulationResult]:
    """Simulate the same day (same arrivals, rota and seed) under each policy."""
    return {policy: simulate(scenario.but(policy=policy)) for policy in POLICIES}
