"""Fill a bench database with a national call-centre floor and its history, for the supervision
benchmark (bench/supervision.py, `make bench`).

    manage.py generate_national --agents 11000 --territories 100 --attempts 6000000 \\
        --peak-contacts 120000 --peak-attempts 300000 [--days 213] [--seed 42] --reset

It replaces the whole content of the database (territories, plateaux, teams, users, agents,
persons, cases, calls, supervision tables), so --reset is required when something is there, and
it is refused on a database whose name lacks "bench" unless --force is given. Reference data
(languages, pause reasons, retry rules, groups) stays. Deterministic for a given seed and a given
"now": every random draw comes from generators seeded by the seed and the day.

What it makes (DESIGN.md §5: 11,000 agents, 6 million attempts, a peak day above 100,000):
- territories: the départements (mainland then overseas, with their time zones), big ones first
  (75, 93, 13, 59, 69…), calling hours 00:00–23:59 so that the bench works at any hour;
- agents spread over them (Paris ≈ 8 %, at least 30 per territory), cut into plateaux of at
  most --plateau-size (300) agents and teams of 15, a superviseur per plateau (nat-sup-<id>),
  and a superuser nat-admin; téléconseillers nat-<code>-<n> speaking French and up to two other
  languages, of mixed employers; password "bench-password-1" for all;
- --days of history (213: seven months) ending today, on an epidemic wave whose crest is
  yesterday: the peak day has exactly --peak-contacts calls to make (tasks) and --peak-attempts
  planned attempts; the other days follow the wave, scaled so that the attempts add up to
  --attempts (today's count is what fits between nine hours ago and now);
- per group of six tasks one patient zéro (person, index case, interview task) and five contacts
  (persons, exposures, notification tasks), in one territory; each task's attempts are simulated
  (no answer, voicemail, busy, callback, then reached, refused…, up to five), by agents of the
  territory who work that day; the attempts that would fall after now are not made: those tasks
  make the current backlog (queued, some with a retry time, at risk near their deadline, or
  escalated when their deadline passed or their five attempts failed); persons older than the
  retention period are purged as the purge job would have done (no name, no phone);
- now: three quarters of the agents logged in (ready, on call with a held call, wrap-up, paused
  with a reason), a tenth who worked earlier today and left, with status_since spread so that
  some are idle, paused or on call beyond the thresholds; 3 % of the agents hang up short;
- AgentDay rows computed from the attempts (GROUP BY agent and local day of the territory), so
  that every board figure matches the rows it counts; an open status period per logged-in agent.

Rows go in with COPY, one transaction per day of history, foreign-key triggers skipped (rows are
consistent by construction; check constraints still hold), then VACUUM (ANALYZE).
"""

import bisect
import math
import random
import time as clock
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from agents import roles
from agents.models import (
    Agent,
    AgentDay,
    AgentStatusPeriod,
    Language,
    PauseReason,
    Plateau,
    Team,
    Territory,
)
from calls.models import Assignment, CallAttempt, CallTask, SmsMessage
from cases.models import Exposure, IndexCase, Interview, Notification, Person, PersonAccess, Phone
from demo.bulk import FIRST_NAMES, LANGUAGES, LAST_NAMES, Table, sync_sequence
from supervision.models import Alert, SlaDay, SupervisorAction
from workforce.models.contracts import Contract

PASSWORD = "bench-password-1"
PARIS = ZoneInfo("Europe/Paris")
OVERSEAS = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}
# The big CPAMs first, with their share of the agents in per cent; the others share the rest.
BIG = {
    "75": 8.2,
    "93": 4.5,
    "13": 4.5,
    "59": 4.0,
    "69": 3.8,
    "92": 3.5,
    "94": 3.0,
    "33": 2.5,
    "31": 2.5,
    "95": 2.2,
}
TEAM_SIZE = 15
MIN_AGENTS = 30
GROUP = 6  # one patient zéro, five contacts
MAX_ATTEMPTS = 5
SHORT_CALL_SECONDS = 10
# Of the agents of a territory, in their order: the first LOGGED_IN are logged in now, up to
# WORKED_TODAY worked today (the others left already).
LOGGED_IN, WORKED_TODAY = 0.75, 0.85
STATUS_MIX = [
    (Agent.Status.READY, 22),
    (Agent.Status.ON_CALL, 45),
    (Agent.Status.WRAP_UP, 15),
    (Agent.Status.PAUSED, 18),
]
EMPLOYERS = [("cnam", 45), ("fixed_term", 37), ("provider", 15), ("doctor", 3)]
PROVIDERS = ["Armatis", "Webhelp", "Teleperformance", "Intelcia", "Comdata"]
# Outcomes of an attempt that is not the last one, and of the last one when the task closes.
RETRY_OUTCOMES = [("no_answer", 55), ("voicemail", 20), ("busy", 15), ("callback", 10)]
FINAL_OUTCOMES = [("reached", 92), ("refused", 3), ("not_concerned", 3), ("language_barrier", 2)]
TODAY_WINDOW = timedelta(hours=9)
TODAY_MADE = 0.63
CONNECTED = {"reached", "refused", "not_concerned", "language_barrier", "callback"}


def department_codes() -> list[str]:
    mainland = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
    codes = list(BIG) + sorted(c for c in mainland if c not in BIG) + list(OVERSEAS)
    return codes


def _cum(weights) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _largest_remainder(total: int, shares: list[float]) -> list[int]:
    """Split total in proportion to shares, in integers that add up to total."""
    whole = sum(shares)
    exact = [total * s / whole for s in shares]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


class Command(BaseCommand):
    help = (
        "Generate a national floor (territories, plateaux, agents) and months of calls for the "
        "supervision benchmark."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agents", type=int, default=11_000)
        parser.add_argument("--territories", type=int, default=100)
        parser.add_argument(
            "--attempts", type=int, default=6_000_000, help="call attempts in the whole history"
        )
        parser.add_argument(
            "--peak-contacts",
            type=int,
            default=120_000,
            help="tasks (calls to make) of the peak day",
        )
        parser.add_argument(
            "--peak-attempts", type=int, default=300_000, help="attempts of the peak day"
        )
        parser.add_argument(
            "--days",
            type=int,
            default=213,
            help="days of history, today included (213: seven months)",
        )
        parser.add_argument(
            "--plateau-size", type=int, default=300, help="agents per plateau at most"
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--reset", action="store_true", help="empty the tables first")
        parser.add_argument(
            "--force", action="store_true", help="allow --reset on a database not named *bench*"
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_national loads with COPY: it needs PostgreSQL (DATABASE_URL)"
            )
        codes = department_codes()
        if not 1 <= options["territories"] <= len(codes):
            raise CommandError(f"--territories must be between 1 and {len(codes)}")
        if options["agents"] < MIN_AGENTS * options["territories"]:
            raise CommandError(f"--agents must be at least {MIN_AGENTS} per territory")
        if (
            options["days"] < 2
            or options["peak_attempts"] < options["peak_contacts"]
            or options["peak_contacts"] < 1
        ):
            raise CommandError("--days must be ≥ 2 and --peak-attempts ≥ --peak-contacts ≥ 1")
        self.seed = options["seed"]
        self.now = timezone.now().replace(microsecond=0)
        self.timings: dict[str, float] = {}
        name = str(connection.settings_dict["NAME"])
        if Territory.objects.exists() or Agent.objects.exists() or CallTask.objects.exists():
            if not options["reset"]:
                raise CommandError("the database has data: add --reset to replace it")
            if "bench" not in name and not options["force"]:
                raise CommandError(
                    f"--reset empties every table: refused on database {name!r} (not *bench*) "
                    "without --force"
                )
        started = clock.monotonic()
        with self._step("reset"):
            self._reset()
        with self._step("floor"):
            self._floor(codes[: options["territories"]], options["agents"], options["plateau_size"])
        with self._step("history"):
            self._history(
                options["days"],
                options["attempts"],
                options["peak_contacts"],
                options["peak_attempts"],
            )
        with self._step("day counters"):
            self._agent_days()
        with self._step("vacuum analyze"):
            self._analyze()
        counts = {
            "territories": Territory.objects.count(),
            "plateaux": Plateau.objects.count(),
            "agents": Agent.objects.filter(user__groups__name=roles.TELECONSEILLER).count(),
            "tasks": self.made["tasks"],
            "attempts": self.made["attempts"],
            "open tasks": CallTask.objects.filter(status__in=CallTask.OPEN_STATUSES).count(),
            "agent days": AgentDay.objects.count(),
        }
        self.stdout.write(
            "generate_national: "
            + ", ".join(f"{v:,} {k}" for k, v in counts.items())
            + f"; peak day {self.peak_day} ({self.made['peak_tasks']:,} tasks, "
            f"{self.made['peak_attempts']:,} attempts); "
            + f"{clock.monotonic() - started:.0f} s ("
            + ", ".join(f"{k} {v:.0f} s" for k, v in self.timings.items())
            + ")"
        )

    class _Timer:
        def __init__(self, owner, name):
            self.owner, self.name = owner, name

        def __enter__(self):
            self.started = clock.monotonic()

        def __exit__(self, *exc):
            self.owner.timings[self.name] = clock.monotonic() - self.started

    def _step(self, name: str) -> "_Timer":
        return self._Timer(self, name)

    # --- reset -----------------------------------------------------------------------------

    def _reset(self) -> None:
        models = [
            CallAttempt, Assignment, SmsMessage, CallTask, Notification, Interview, Exposure,
            IndexCase, PersonAccess, Phone, Person, AgentDay, Alert, SlaDay, SupervisorAction,
            AgentStatusPeriod, Contract, Agent.languages.through, Agent, Team, Plateau,
            Territory.lends_to.through, Territory, User.groups.through, User,
        ]  # fmt: skip
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            # CASCADE: tokens, sessions' owners, admin log… of the users go too (a bench database).
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")

    # --- territories, plateaux, teams, users, agents ----------------------------------------

    def _floor(self, codes: list[str], agent_count: int, plateau_size: int) -> None:
        rng = random.Random(f"floor:{self.seed}")
        territories = []
        for n, code in enumerate(codes, start=1):
            territories.append(
                Territory(
                    id=n,
                    code=code,
                    name=f"CPAM {code}",
                    timezone=OVERSEAS.get(code, "Europe/Paris"),
                    phone_region={
                        "971": "GP",
                        "972": "MQ",
                        "973": "GF",
                        "974": "RE",
                        "976": "YT",
                    }.get(code, "FR"),
                    calling_hours_start=time(0, 0),
                    calling_hours_end=time(23, 59),
                )
            )
        Territory.objects.bulk_create(territories)
        # Agents per territory: the big ones' share, the others lognormal; at least MIN_AGENTS.
        rest = [rng.lognormvariate(0, 0.5) for code in codes if code not in BIG]
        rest_share = 100 - sum(BIG[c] for c in codes if c in BIG)
        shares, r = [], iter(rest)
        rest_total = sum(rest) or 1
        for code in codes:
            shares.append(BIG[code] if code in BIG else rest_share * next(r) / rest_total)
        spare = agent_count - MIN_AGENTS * len(codes)
        extra = _largest_remainder(
            spare, [max(0.0, s * agent_count / 100 - MIN_AGENTS) + 1e-9 for s in shares]
        )
        per_territory = [MIN_AGENTS + e for e in extra]

        password = make_password(PASSWORD)  # hashed once: the same password for every account
        groups = dict(Group.objects.values_list("name", "pk"))
        language_codes = set(Language.objects.values_list("code", flat=True))
        others = [code for code, _w in LANGUAGES[1:] if code in language_codes]
        other_cum = _cum([w**0.5 for code, w in LANGUAGES[1:] if code in language_codes])
        pause_reasons = list(PauseReason.objects.filter(active=True).values_list("pk", flat=True))
        if not pause_reasons:
            raise CommandError("no pause reason: run the migrations")
        users = Table(
            User,
            ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
             "is_staff", "is_active", "date_joined"],
        )  # fmt: skip
        user_groups = Table(User.groups.through, ["id", "user_id", "group_id"])
        plateaux = Table(Plateau, ["id", "territory_id", "name", "address"])
        teams = Table(Team, ["id", "plateau_id", "name"])
        agents = Table(
            Agent,
            ["id", "user_id", "territory_id", "plateau_id", "team_id", "employer", "provider_name",
             "status", "status_since", "pause_reason_id"],
        )  # fmt: skip
        agent_languages = Table(Agent.languages.through, ["id", "agent_id", "language_id"])
        periods = Table(
            AgentStatusPeriod,
            ["id", "agent_id", "status", "pause_reason_id", "started_at", "ended_at"],
        )
        now = self.now
        joined = now - timedelta(days=240)
        ids = {
            "user": 0,
            "plateau": 0,
            "team": 0,
            "agent": 0,
            "language": 0,
            "period": 0,
            "group": 0,
        }

        def user(username, first, last, *, superuser=False, group=None):
            ids["user"] += 1
            users.add(
                ids["user"],
                password,
                superuser,
                username,
                first,
                last,
                f"{username}@bench.invalid",
                superuser,
                True,
                joined,
            )
            if group:
                ids["group"] += 1
                user_groups.add(ids["group"], ids["user"], groups[group])
            return ids["user"]

        user("nat-admin", "Admin", "National", superuser=True)
        status_values, status_cum = [s for s, _w in STATUS_MIX], _cum([w for _s, w in STATUS_MIX])
        employer_values, employer_cum = [e for e, _w in EMPLOYERS], _cum([w for _e, w in EMPLOYERS])
        # Per territory: its agents in order (seniority: the first ones work on quiet days too),
        # their languages, the on-call ones (who hold a call), and the "short call" agents.
        self.territories = []
        self.short_callers: set[int] = set()
        self.on_call: dict[int, list[tuple[int, datetime]]] = {}
        self.plateau_sizes: list[tuple[int, int, int]] = []  # (territory id, plateau id, agents)
        for territory, count in zip(territories, per_territory, strict=True):
            # Who is logged in now, in what status and since when: the agents in a random order
            # (rank), so that every plateau has its share; the first ranks also work on quiet days.
            rank = list(range(count))
            random.Random(f"status:{self.seed}:{territory.pk}").shuffle(rank)
            by_rank: list[int] = [0] * count
            n_plateaux = math.ceil(count / plateau_size)
            sizes = _largest_remainder(count, [1.0] * n_plateaux)
            agent_ids: list[int] = []
            speakers: dict[str, list[int]] = {}
            self.on_call[territory.pk] = []
            for p, size in enumerate(sizes, start=1):
                ids["plateau"] += 1
                plateau_id = ids["plateau"]
                plateaux.add(plateau_id, territory.pk, f"Plateau {territory.code}-{p}", "")
                self.plateau_sizes.append((territory.pk, plateau_id, size))
                team_ids = []
                for t in range(1, math.ceil(size / TEAM_SIZE) + 1):
                    ids["team"] += 1
                    teams.add(ids["team"], plateau_id, f"Équipe {t}")
                    team_ids.append(ids["team"])
                # The plateau's superviseur: an agent profile, offline (so not on the board).
                user_id = user(
                    f"nat-sup-{plateau_id}",
                    "Superviseur",
                    f"{territory.code}-{p}",
                    group=roles.SUPERVISEUR,
                )
                ids["agent"] += 1
                agents.add(ids["agent"], user_id, territory.pk, plateau_id, team_ids[0], "cnam", "",
                           "offline", now - timedelta(hours=1), None)  # fmt: skip
                for i in range(size):
                    index = len(agent_ids)
                    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    user_id = user(
                        f"nat-{territory.code.lower()}-{index + 1:04d}",
                        first,
                        last,
                        group=roles.TELECONSEILLER,
                    )
                    ids["agent"] += 1
                    agent_id = ids["agent"]
                    agent_ids.append(agent_id)
                    by_rank[rank[index]] = agent_id
                    employer = rng.choices(employer_values, cum_weights=employer_cum)[0]
                    spoken = {"fr"}
                    while len(spoken) < 1 + rng.choice((0, 1, 1, 2)):
                        spoken.add(rng.choices(others, cum_weights=other_cum)[0])
                    for code in sorted(spoken):
                        ids["language"] += 1
                        agent_languages.add(ids["language"], agent_id, code)
                        speakers.setdefault(code, []).append(agent_id)
                    if rng.random() < 0.03:
                        self.short_callers.add(agent_id)
                    pause = None
                    if rank[index] < LOGGED_IN * count:
                        status = rng.choices(status_values, cum_weights=status_cum)[0]
                        if status == Agent.Status.READY:
                            seconds = rng.expovariate(1 / 100)  # a few beyond 5 minutes: idle
                        elif status == Agent.Status.ON_CALL:
                            seconds = (
                                rng.uniform(5, 900)
                                if rng.random() > 0.02
                                else rng.uniform(2700, 4000)
                            )
                        elif status == Agent.Status.WRAP_UP:
                            seconds = rng.uniform(1, 150)
                        else:
                            seconds = rng.uniform(30, 2400)
                            pause = rng.choice(pause_reasons)
                        since = now - timedelta(seconds=int(seconds) + 1)
                        ids["period"] += 1
                        periods.add(ids["period"], agent_id, status, pause, since, None)
                        if status == Agent.Status.ON_CALL:
                            self.on_call[territory.pk].append((agent_id, since))
                    else:
                        status, since = (
                            Agent.Status.OFFLINE,
                            now - timedelta(seconds=int(rng.uniform(1800, 12 * 3600))),
                        )
                    agents.add(
                        agent_id,
                        user_id,
                        territory.pk,
                        plateau_id,
                        team_ids[i // TEAM_SIZE],
                        employer,
                        rng.choice(PROVIDERS) if employer == "provider" else "",
                        status,
                        since,
                        pause,
                    )
            self.territories.append(
                {
                    "id": territory.pk,
                    "code": territory.code,
                    "zone": territory.zone,
                    "by_rank": by_rank,
                    "speakers": speakers,
                    # Today: the logged-in ones and those who left already.
                    "today_agents": by_rank[: max(1, int(WORKED_TODAY * count))],
                    "share": float(count),
                }
            )
        with transaction.atomic():
            for table in (users, user_groups, plateaux, teams, agents, agent_languages, periods):
                table.flush()
        for model in (
            User,
            User.groups.through,
            Plateau,
            Team,
            Agent,
            Agent.languages.through,
            AgentStatusPeriod,
            Territory,
        ):
            sync_sequence(model)
        self.next_ids = {
            "person": 1,
            "case": 1,
            "exposure": 1,
            "task": 1,
            "attempt": 1,
            "phone": 1,
            "assignment": 1,
        }

    # --- history ------------------------------------------------------------------------------

    def _wave(self, days: int, attempts: int, peak_attempts: int) -> list[float]:
        """Attempts planned per day, today (the last) counted for the part of it that has passed:
        a plateau plus a Gaussian wave whose crest is yesterday, scaled to add up to `attempts`."""
        peak = days - 2
        today_share = min(1.0, TODAY_WINDOW / timedelta(hours=11))
        floor = min(0.05 * peak_attempts, 0.5 * attempts / days)

        def curve(sigma: float) -> list[float]:
            values = [
                floor + (peak_attempts - floor) * math.exp(-0.5 * ((d - peak) / sigma) ** 2)
                for d in range(days)
            ]
            values[-1] *= today_share
            return values

        def made(values: list[float]) -> float:
            # Of today's planned attempts, those after now are not made: about 63 % are.
            return sum(values) - (1 - TODAY_MADE) * values[-1]

        low, high = 0.3, 10.0 * days
        for _ in range(60):  # the width of the wave that gives the total
            mid = (low + high) / 2
            if made(curve(mid)) < attempts:
                low = mid
            else:
                high = mid
        values = curve(high)
        values[peak] = float(peak_attempts)
        return values

    def _history(self, days: int, attempts: int, peak_contacts: int, peak_attempts: int) -> None:
        per_task = peak_attempts / peak_contacts
        wave = self._wave(days, attempts, peak_attempts)
        today = timezone.localdate(self.now, timezone=PARIS)
        self.peak_day = today - timedelta(days=1)
        self.made = {"tasks": 0, "attempts": 0, "peak_tasks": 0, "peak_attempts": 0}
        shares = [t["share"] for t in self.territories]
        retention = timedelta(days=settings.RETENTION_DAYS)
        self.tables = {
            "persons": Table(
                Person,
                [
                    "id",
                    "territory_id",
                    "first_name",
                    "last_name",
                    "birth_date",
                    "language_id",
                    "created_at",
                    "purged_at",
                ],
            ),
            "phones": Table(Phone, ["id", "person_id", "number", "position"]),
            "cases": Table(
                IndexCase,
                ["id", "person_id", "territory_id", "sampled_at", "source", "identified_at"],
            ),
            "exposures": Table(
                Exposure,
                [
                    "id",
                    "index_case_id",
                    "person_id",
                    "exposure_type",
                    "last_exposure_date",
                    "identified_at",
                ],
            ),
            "tasks": Table(
                CallTask,
                [
                    "id",
                    "person_id",
                    "reason",
                    "index_case_id",
                    "exposure_id",
                    "territory_id",
                    "language_id",
                    "deadline_at",
                    "priority",
                    "not_before",
                    "attempts",
                    "phone_position",
                    "reserved_for_id",
                    "at_risk_since",
                    "escalated_at",
                    "escalation_reason",
                    "status",
                    "lease_holder_id",
                    "lease_expires_at",
                    "created_at",
                    "first_attempt_at",
                    "closed_at",
                ],
            ),  # fmt: skip
            "attempts": Table(
                CallAttempt,
                [
                    "id",
                    "task_id",
                    "assignment_id",
                    "agent_id",
                    "phone",
                    "started_at",
                    "connected_at",
                    "ended_at",
                    "outcome",
                    "notes",
                    "telephony_ref",
                    "accepted",
                ],
            ),  # fmt: skip
            "assignments": Table(
                Assignment,
                [
                    "id",
                    "task_id",
                    "agent_id",
                    "claimed_at",
                    "lease_expires_at",
                    "phone",
                    "dialled_at",
                    "connected_at",
                    "closed_at",
                ],
            ),  # fmt: skip
        }
        started = clock.monotonic()
        for d in range(days):
            day = today - timedelta(days=days - 1 - d)
            is_today, is_peak = d == days - 1, d == days - 2
            tasks = peak_contacts if is_peak else max(1, round(wave[d] / per_task))
            planned = peak_attempts if is_peak else max(tasks, round(wave[d]))
            # The day's workforce: the senior part of each territory, in proportion to the load.
            active = min(1.0, 0.15 + 0.85 * planned / peak_attempts)
            rng = random.Random(f"day:{self.seed}:{d}")
            made = self._day(
                rng=rng,
                day=day,
                is_today=is_today,
                per_territory=_largest_remainder(tasks, shares),
                planned=planned,
                active=active,
                purged=day < timezone.localdate(self.now - retention, timezone=PARIS),
            )
            self.made["tasks"] += tasks
            self.made["attempts"] += made
            if is_peak:
                self.made["peak_tasks"], self.made["peak_attempts"] = tasks, made
            if (d + 1) % 30 == 0 or d >= days - 2:
                rate = self.made["attempts"] / max(1e-6, clock.monotonic() - started)
                self.stdout.write(
                    f"  day {d + 1}/{days} ({day}): {tasks:,} tasks, {made:,} attempts; "
                    f"{self.made['attempts']:,} attempts in all, {rate:,.0f}/s"
                )
        for model in (Person, Phone, IndexCase, Exposure, CallTask, CallAttempt, Assignment):
            sync_sequence(model)

    def _day(
        self,
        *,
        rng,
        day: date,
        is_today: bool,
        per_territory: list[int],
        planned: int,
        active: float,
        purged: bool,
    ) -> int:
        """Generate one day's tasks and their attempts, territory by territory; COPY them."""
        now, ids, tables = self.now, self.next_ids, self.tables
        persons, phones, cases, exposures = (
            tables["persons"],
            tables["phones"],
            tables["cases"],
            tables["exposures"],
        )
        tasks_t, attempts_t, assignments = (
            tables["tasks"],
            tables["attempts"],
            tables["assignments"],
        )
        tasks_total = sum(per_territory)
        extra = min(max(0, planned - tasks_total), (MAX_ATTEMPTS - 1) * tasks_total)
        # Attempts per task: one each, then the extra ones spread at random (at most five).
        language_codes = [code for code, _w in LANGUAGES]
        language_cum = _cum([w for _c, w in LANGUAGES])
        retry_values, retry_cum = (
            [o for o, _w in RETRY_OUTCOMES],
            _cum([w for _o, w in RETRY_OUTCOMES]),
        )
        final_values, final_cum = (
            [o for o, _w in FINAL_OUTCOMES],
            _cum([w for _o, w in FINAL_OUTCOMES]),
        )
        lease = timedelta(minutes=settings.LEASE_MINUTES)
        at_risk = timedelta(hours=settings.AT_RISK_HOURS)
        deadline_after = timedelta(hours=settings.CONTACT_DEADLINE_HOURS)
        index_deadline_after = timedelta(hours=settings.INDEX_CASE_DEADLINE_HOURS)
        short_callers = self.short_callers
        random_ = rng.random
        uniform = rng.uniform
        randrange = rng.randrange
        lognorm = rng.lognormvariate
        td = timedelta
        made = 0
        counts = [1] * tasks_total
        placed = 0
        while placed < extra:
            i = randrange(tasks_total)
            if counts[i] < MAX_ATTEMPTS:
                counts[i] += 1
                placed += 1
        task_index = 0
        for territory, n_tasks in zip(self.territories, per_territory, strict=True):
            if not n_tasks:
                continue
            territory_id, zone = territory["id"], territory["zone"]
            if is_today:
                workforce = territory["today_agents"]
                window_start, window = (
                    now - TODAY_WINDOW,
                    (TODAY_WINDOW - td(minutes=2)).total_seconds(),
                )
            else:
                n = len(territory["by_rank"])
                workforce = territory["by_rank"][: max(1, min(n, math.ceil(active * n)))]
                window_start, window = datetime.combine(day, time(8, 0), tzinfo=zone), 11 * 3600.0
            workers = len(workforce)
            # The speakers of each language among the day's workforce.
            worker_set = set(workforce)
            speakers = {
                code: [a for a in found if a in worker_set]
                for code, found in territory["speakers"].items()
            }
            holders = list(self.on_call[territory_id]) if is_today else []
            group_at = window_start
            group_language = "fr"
            case_id = None
            for k in range(n_tasks):
                first_of_group = k % GROUP == 0
                if first_of_group:
                    group_at = window_start + td(seconds=uniform(0, window))
                    group_language = rng.choices(language_codes, cum_weights=language_cum)[0]
                    if group_language not in speakers or not speakers[group_language]:
                        group_language = "fr"
                    created = group_at
                else:
                    created = (
                        min(group_at + td(seconds=uniform(0, 7200)), now - td(minutes=1))
                        if is_today
                        else group_at + td(seconds=uniform(0, 7200))
                    )
                language = group_language if random_() < 0.85 else "fr"
                person_id, task_id = ids["person"], ids["task"]
                ids["person"] += 1
                ids["task"] += 1
                if purged:
                    persons.add(
                        person_id,
                        territory_id,
                        "",
                        "",
                        None,
                        language,
                        created,
                        created + td(days=90, minutes=30),
                    )
                    phone = ""
                else:
                    persons.add(
                        person_id,
                        territory_id,
                        FIRST_NAMES[person_id % len(FIRST_NAMES)],
                        LAST_NAMES[(person_id // 7) % len(LAST_NAMES)],
                        date(1940, 1, 1) + td(days=person_id * 7919 % (80 * 365)),
                        language,
                        created,
                        None,
                    )
                    phone = f"+336{person_id % 100_000_000:08d}"
                if first_of_group:
                    case_id = ids["case"]
                    ids["case"] += 1
                    cases.add(
                        case_id,
                        person_id,
                        territory_id,
                        created - td(hours=uniform(6, 48)),
                        "lab",
                        created,
                    )
                    reason, priority, index_case, exposure = "index_interview", 2, case_id, None
                    deadline = created + index_deadline_after
                else:
                    exposure = ids["exposure"]
                    ids["exposure"] += 1
                    household = random_() < 0.4
                    exposures.add(
                        exposure, case_id, person_id, "household" if household else "close",
                        (created - td(days=1 + k % 3)).date(), created
                    )  # fmt: skip
                    reason, priority, index_case = "contact_notification", int(household), None
                    deadline = created + deadline_after
                # The task's attempts, as the desk would have made them; none after now.
                planned_attempts = counts[task_index]
                task_index += 1
                fails = planned_attempts == MAX_ATTEMPTS and random_() < 0.5
                start = created + td(seconds=uniform(180, 5400))
                done = 0
                first_at = None
                last_end = None
                last_outcome = None
                next_at = start
                for j in range(planned_attempts):
                    if start >= now:
                        next_at = start
                        break
                    final = j == planned_attempts - 1 and not fails
                    if final:
                        outcome = final_values[bisect.bisect(final_cum, random_() * final_cum[-1])]
                    else:
                        outcome = retry_values[bisect.bisect(retry_cum, random_() * retry_cum[-1])]
                    if language != "fr" and speakers.get(language):
                        pool = speakers[language]
                        agent_id = pool[randrange(len(pool))]
                    else:
                        agent_id = workforce[randrange(workers)]
                    if outcome in CONNECTED:
                        connected = start + td(seconds=uniform(4, 20))
                        if random_() < (0.45 if agent_id in short_callers else 0.02):
                            talk = uniform(1, SHORT_CALL_SECONDS - 1)
                        elif outcome == "reached":
                            talk = lognorm(5.3, 0.6)
                        else:
                            talk = uniform(15, 120)
                        end = connected + td(seconds=talk)
                    else:
                        connected = None
                        end = start + td(
                            seconds=uniform(3, 8) if outcome == "busy" else uniform(20, 50)
                        )
                    if end > now:
                        end = now
                        if connected is not None and connected > end:
                            connected = end
                    attempts_t.add(
                        ids["attempt"],
                        task_id,
                        None,
                        agent_id,
                        phone,
                        start,
                        connected,
                        end,
                        outcome,
                        "",
                        "",
                        True,
                    )
                    ids["attempt"] += 1
                    done += 1
                    first_at = first_at or start
                    last_end, last_outcome = end, outcome
                    start = end + td(
                        seconds=uniform(1200, 3 * 3600)
                        if outcome != "callback"
                        else uniform(3600, 4 * 3600)
                    )
                    next_at = start
                made += done
                # Where the task stands now.
                not_before = at_risk_since = escalated_at = lease_holder = lease_expires = (
                    closed_at
                ) = None
                escalation = ""
                if done == planned_attempts and not fails:
                    status, closed_at = (
                        ("done" if last_outcome == "reached" else "closed"),
                        last_end,
                    )
                elif (
                    done == planned_attempts
                ):  # five failed attempts: escalated, closed once past the deadline
                    if deadline <= now - td(hours=12):
                        status, closed_at = "closed", max(deadline, last_end)
                    else:
                        status, escalated_at, escalation = "escalated", last_end, "max_attempts"
                elif deadline <= now:  # its deadline passed while it waited: escalated
                    status, escalated_at, escalation = "escalated", deadline, "deadline"
                else:
                    status = "queued"
                    not_before = next_at if done else None
                    if deadline - at_risk <= now:
                        at_risk_since, priority = deadline - at_risk, priority + 1
                    if holders and done == 0 and language == "fr":  # an agent on call holds it
                        agent_id, since = holders.pop()
                        status, lease_holder = "assigned", agent_id
                        lease_expires = max(since + lease, now + td(minutes=5))
                        assignments.add(
                            ids["assignment"], task_id, agent_id, since, lease_expires, phone,
                            since + td(seconds=3), since + td(seconds=15), None,
                        )  # fmt: skip
                        ids["assignment"] += 1
                if status in ("queued", "assigned", "escalated") and phone:
                    phones.add(ids["phone"], person_id, phone, 0)
                    ids["phone"] += 1
                tasks_t.add(
                    task_id, person_id, reason, index_case, exposure, territory_id, language,
                    deadline, priority, not_before, done, 0, None, at_risk_since, escalated_at,
                    escalation, status, lease_holder, lease_expires, created, first_at, closed_at,
                )  # fmt: skip
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Consistent by construction: skip the per-row foreign-key triggers (the check
                # constraints still hold), and do not wait for the WAL flush of a bulk load.
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("SET LOCAL synchronous_commit = off")
            for name in (
                "persons",
                "phones",
                "cases",
                "exposures",
                "tasks",
                "assignments",
                "attempts",
            ):
                tables[name].flush()
        return made

    # --- day counters -------------------------------------------------------------------------

    def _agent_days(self) -> None:
        """AgentDay from the attempts themselves, by local day of the agent's territory, as
        agents.services.counters.DayCounts counts them; the time in each status is
        derived from the calls (on call = their length, wrap-up 25 s each, pauses 12 % of the
        span between first login and last call, ready the rest)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(
                """
                INSERT INTO supervision_agentday (agent_id, day, calls, reached, talk_seconds,
                    short_calls, refused_outcomes, last_call_at, first_login_at, on_call_seconds,
                    wrap_up_seconds, paused_seconds, ready_seconds, talk_not_marked,
                    wrap_up_over_seconds)
                SELECT agent_id, day, calls, reached, talk, short, 0, last_end,
                    first_start - interval '7 minutes',
                    on_call, wrap_up, paused, GREATEST(0, span - on_call - wrap_up - paused),
                    not_marked, 0
                FROM (
                    SELECT a.agent_id, (a.ended_at AT TIME ZONE t.timezone)::date AS day,
                        count(*) AS calls,
                        count(*) FILTER (WHERE a.outcome = 'reached' AND a.accepted) AS reached,
                        COALESCE(sum(floor(extract(epoch FROM a.ended_at - a.connected_at)))
                            FILTER (WHERE a.connected_at IS NOT NULL), 0)::int AS talk,
                        count(*) FILTER (WHERE a.connected_at IS NOT NULL
                            AND a.ended_at - a.connected_at < interval '10 seconds') AS short,
                        count(*) FILTER (WHERE a.talk_not_marked) AS not_marked,
                        max(a.ended_at) AS last_end, min(a.started_at) AS first_start,
                        sum(floor(extract(epoch FROM a.ended_at - a.started_at)))::int AS on_call,
                        25 * count(*) AS wrap_up,
                        (0.12 * (extract(epoch FROM max(a.ended_at) - min(a.started_at))
                                 + 420))::int AS paused,
                        (extract(epoch FROM max(a.ended_at) - min(a.started_at)) + 420)::int AS span
                    FROM calls_callattempt a
                    JOIN agents_agent g ON g.id = a.agent_id
                    JOIN agents_territory t ON t.id = g.territory_id
                    GROUP BY 1, 2
                ) days
                """
            )
            sync_sequence(AgentDay)

    def _analyze(self) -> None:
        models = [Person, Phone, IndexCase, Exposure, CallTask, CallAttempt, Assignment, AgentDay,
                  Agent, AgentStatusPeriod, Territory, Plateau, Team, User, Agent.languages.through,
                  User.groups.through]  # fmt: skip
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            # Statistics for the planner, and the visibility map and hint bits a running server
            # would have: the first reads of a fresh load would otherwise write every page.
            cursor.execute(f"VACUUM (ANALYZE) {tables}")
