"""Fill the database with a synthetic backlog for the claim benchmark (bench/, `make bench`).

    manage.py generate_backlog --tasks 1000000 --agents 64 [--seed 42] [--reset]

Adds N queued call tasks (with their persons, phones, index cases and exposures) and makes sure
M bench agents exist, all "ready". Deterministic for a given seed and starting state. On
PostgreSQL rows go in with COPY in chunks, then VACUUM ANALYZE; elsewhere with executemany.

What it makes (DESIGN.md §3: 34 languages, agents speaking 2–3):
- six territories (75, 92, 93, 94, 95, 974) with calling hours 00:00–23:59, so the bench works
  at any hour; 92 lends to 75, 94 and 95 lend to 93;
- per group of six tasks, one patient zéro (an index case, its interview task, priority 2) and
  five contacts (exposures, notification tasks, priority 1 for household, 0 otherwise);
- languages: French about 85 %, then Arabic, English, Portuguese, Turkish, Romanian, Mandarin,
  Soninké, Tamil… down to a tail of rare ones (34 in all);
- deadlines spread over the next 24 h; about 8 % retried later (not_before in the future), 4 %
  retried and due again (back in the fresh queue, as the rejoin sweep leaves them), 0.2 % owned
  callbacks;
- agents bench-agent-0001… (password "bench-password-1"), téléconseillers speaking French and one
  or two other languages, spread over the territories.

--reset empties the call, case and status tables first (TRUNCATE), and only on a database whose
name contains "bench" unless --force is given.
"""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from agents import roles
from agents.models import Agent, AgentDay, AgentStatusPeriod, Language, Territory
from calls.models import Assignment, CallAttempt, CallTask, SmsMessage
from cases.models import Exposure, IndexCase, Interview, Notification, Person, PersonAccess, Phone
from demo.bulk import FIRST_NAMES, LANGUAGES, LAST_NAMES, Table, next_id, sync_sequence

BENCH_PASSWORD = "bench-password-1"
USERNAME = "bench-agent-{:04d}"

# code, name, time zone, share of the backlog
TERRITORIES = [
    ("75", "Paris", "Europe/Paris", 30),
    ("92", "Hauts-de-Seine", "Europe/Paris", 15),
    ("93", "Seine-Saint-Denis", "Europe/Paris", 25),
    ("94", "Val-de-Marne", "Europe/Paris", 13),
    ("95", "Val-d'Oise", "Europe/Paris", 12),
    ("974", "La Réunion", "Indian/Reunion", 5),
]
# lender → borrower: the borrower's agents may also take the lender's calls.
LENDS_TO = [("92", "75"), ("94", "93"), ("95", "93")]

GROUP = 6  # one patient zéro and five contacts
CHUNK = 60_000  # tasks per COPY transaction


class Command(BaseCommand):
    help = (
        "Generate a synthetic backlog of queued call tasks and ready agents "
        "for the claim benchmark."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tasks", type=int, default=10_000, help="queued tasks to add (default 10,000)"
        )
        parser.add_argument(
            "--agents", type=int, default=64, help="bench agents to have, all ready (default 64)"
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--reset", action="store_true", help="empty the call, case and status tables first"
        )
        parser.add_argument(
            "--force", action="store_true", help="allow --reset on a database not named *bench*"
        )

    def handle(
        self, *args, tasks: int, agents: int, seed: int, reset: bool, force: bool, **options
    ):
        if tasks < 0 or agents < 0:
            raise CommandError("--tasks and --agents must not be negative")
        started = timezone.now()
        if reset:
            name = str(connection.settings_dict["NAME"])
            if "bench" not in name and not force:
                raise CommandError(
                    f"--reset empties tables: refused on database {name!r} (not *bench*) "
                    "without --force"
                )
            self._reset()
        territories = self._territories()
        bench_agents = self._agents(agents, territories, seed, started)
        self._tasks(tasks, territories, bench_agents, seed, started)
        self._analyze()
        elapsed = (timezone.now() - started).total_seconds()
        queued = CallTask.objects.filter(status=CallTask.Status.QUEUED).count()
        self.stdout.write(
            f"generate_backlog: +{tasks:,} tasks, {len(bench_agents)} agents, {queued:,} queued, "
            f"{elapsed:.1f} s"
        )

    # --- steps -------------------------------------------------------------------------------

    def _reset(self) -> None:
        models = [CallAttempt, Assignment, SmsMessage, CallTask, Notification, Interview, Exposure,
                  IndexCase, PersonAccess, Phone, Person, AgentDay, AgentStatusPeriod]  # fmt: skip
        with transaction.atomic():
            if connection.vendor == "postgresql":
                tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
                with connection.cursor() as cursor:
                    cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            else:
                for model in models:
                    model.objects.all().delete()
            now = timezone.now()
            Agent.objects.update(status=Agent.Status.READY, status_since=now, pause_reason=None)
            AgentStatusPeriod.objects.bulk_create(
                AgentStatusPeriod(agent_id=pk, status=Agent.Status.READY, started_at=now)
                for pk in Agent.objects.values_list("pk", flat=True)
            )

    def _territories(self) -> dict[str, Territory]:
        territories = {}
        for code, name, tz, _share in TERRITORIES:
            territories[code], _ = Territory.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "timezone": tz,
                    "calling_hours_start": time(0, 0),
                    "calling_hours_end": time(23, 59),
                },
            )
        for lender, borrower in LENDS_TO:
            territories[lender].lends_to.add(territories[borrower])
        return territories

    def _agents(
        self, count: int, territories: dict[str, Territory], seed: int, now: datetime
    ) -> list[int]:
        rng = random.Random(f"agents:{seed}")
        existing = dict(
            Agent.objects.filter(user__username__startswith="bench-agent-").values_list(
                "user__username", "pk"
            )
        )
        wanted = [USERNAME.format(n) for n in range(1, count + 1)]
        missing = [u for u in wanted if u not in existing]
        if missing:
            password = make_password(BENCH_PASSWORD)  # hashed once: the same password for all
            group = Group.objects.get(name=roles.TELECONSEILLER)
            codes = [code for code, *_ in TERRITORIES]
            weights = [share for *_, share in TERRITORIES]
            others = [code for code, _ in LANGUAGES[1:]]
            # Second languages lean towards the common ones but cover the tail.
            other_weights = [w**0.5 for _, w in LANGUAGES[1:]]
            languages = set(Language.objects.values_list("code", flat=True))
            with transaction.atomic():
                users = User.objects.bulk_create(
                    User(
                        username=u,
                        password=password,
                        first_name="Bench",
                        last_name=u[-4:],
                        email=f"{u}@bench.invalid",
                    )
                    for u in missing
                )
                for user in users:
                    user.groups.add(group)
                created = Agent.objects.bulk_create(
                    Agent(
                        user=user,
                        territory=territories[rng.choices(codes, weights=weights)[0]],
                        status=Agent.Status.READY,
                        status_since=now,
                    )
                    for user in users
                )
                links = []
                for agent in created:
                    spoken = {"fr"}
                    while len(spoken) < 1 + rng.choice((1, 1, 2)):
                        spoken.add(rng.choices(others, weights=other_weights)[0])
                    links += [
                        Agent.languages.through(agent_id=agent.pk, language_id=code)
                        for code in sorted(spoken)
                        if code in languages
                    ]
                Agent.languages.through.objects.bulk_create(links)
                AgentStatusPeriod.objects.bulk_create(
                    AgentStatusPeriod(agent=agent, status=Agent.Status.READY, started_at=now)
                    for agent in created
                )
                existing.update({a.user.username: a.pk for a in created})
        return [existing[u] for u in wanted]

    def _tasks(
        self,
        count: int,
        territories: dict[str, Territory],
        agent_ids: list[int],
        seed: int,
        now: datetime,
    ) -> None:
        if count == 0:
            return
        person_id, phone_id, case_id, exposure_id, task_id = (
            next_id(m) for m in (Person, Phone, IndexCase, Exposure, CallTask)
        )
        # Seeded by the starting point too, so that a second run adds different rows.
        rng = random.Random(f"tasks:{seed}:{task_id}")
        persons = Table(
            Person,
            [
                "id",
                "territory_id",
                "first_name",
                "last_name",
                "birth_date",
                "language_id",
                "created_at",
            ],
        )
        phones = Table(Phone, ["id", "person_id", "number", "position"])
        cases = Table(
            IndexCase, ["id", "person_id", "territory_id", "sampled_at", "source", "identified_at"]
        )
        exposures = Table(
            Exposure,
            [
                "id",
                "index_case_id",
                "person_id",
                "exposure_type",
                "last_exposure_date",
                "identified_at",
            ],
        )
        call_tasks = Table(
            CallTask,
            ["id", "person_id", "reason", "index_case_id", "exposure_id", "territory_id",
             "language_id", "deadline_at", "priority", "not_before", "rejoined_at", "attempts",
             "phone_position", "reserved_for_id", "status", "created_at"],
        )  # fmt: skip
        territory_ids = [territories[code].pk for code, *_ in TERRITORIES]
        regions = {
            territories[code].pk: (("+262692", 6) if code == "974" else ("+336", 8))
            for code, *_ in TERRITORIES
        }
        territory_weights = [share for *_, share in TERRITORIES]
        language_codes = [code for code, _ in LANGUAGES]
        language_cum = []
        total = 0.0
        for _, weight in LANGUAGES:
            total += weight
            language_cum.append(total)
        day = timedelta(hours=24)
        use_replica_role = self._can_skip_triggers()

        made = 0
        while made < count:
            size = min(CHUNK, count - made)
            languages = rng.choices(language_codes, cum_weights=language_cum, k=size)
            case_pk = None
            case_at = None
            territory = None
            for i in range(size):
                position = (made + i) % GROUP
                if position == 0:
                    territory = rng.choices(territory_ids, weights=territory_weights)[0]
                    # Identified in the last 24 h, so deadlines fall in the next 24 h.
                    case_at = now - day + timedelta(seconds=rng.uniform(60, 22 * 3600))
                    identified = case_at
                else:
                    identified = min(case_at + timedelta(seconds=rng.uniform(0, 2 * 3600)), now)
                language = languages[i]
                persons.add(
                    person_id,
                    territory,
                    rng.choice(FIRST_NAMES),
                    rng.choice(LAST_NAMES),
                    date(1940, 1, 1) + timedelta(days=rng.randrange(80 * 365)),
                    language,
                    identified,
                )
                prefix, digits = regions[territory]
                first = rng.randrange(10**digits)
                numbers = (
                    [first]
                    if rng.random() >= 0.15
                    else [first, (first + 1 + rng.randrange(10**digits - 1)) % 10**digits]
                )
                for n, number in enumerate(numbers):
                    phones.add(phone_id, person_id, f"{prefix}{number:0{digits}d}", n)
                    phone_id += 1
                if position == 0:
                    case_pk = case_id
                    cases.add(
                        case_id,
                        person_id,
                        territory,
                        case_at - timedelta(hours=rng.uniform(6, 48)),
                        "lab",
                        case_at,
                    )
                    case_id += 1
                    reason, priority, index_case, exposure = (
                        CallTask.Reason.INDEX_INTERVIEW,
                        2,
                        case_pk,
                        None,
                    )
                else:
                    household = rng.random() < 0.4
                    exposures.add(
                        exposure_id,
                        case_pk,
                        person_id,
                        Exposure.Type.HOUSEHOLD if household else Exposure.Type.CLOSE,
                        (case_at - timedelta(days=rng.randrange(1, 4))).date(),
                        identified,
                    )
                    reason, priority, index_case, exposure = (
                        CallTask.Reason.CONTACT_NOTIFICATION,
                        int(household),
                        None,
                        exposure_id,
                    )
                    exposure_id += 1
                not_before, attempts, reserved_for, rejoined_at = None, 0, None, None
                draw = rng.random()
                if draw < 0.08:  # retried later: not eligible yet
                    not_before, attempts = (
                        now + timedelta(seconds=rng.uniform(300, 8 * 3600)),
                        rng.choice((1, 1, 2)),
                    )
                elif draw < 0.12:  # retried and due again
                    not_before, attempts = now - timedelta(seconds=rng.uniform(0, 3600)), 1
                    # Back in the fresh queue, as the rejoin-due-retries sweep (every 30 s)
                    # leaves the ones due before its last run.
                    rejoined_at = not_before
                elif draw < 0.122 and agent_ids:  # an owned callback, due now or later
                    not_before, attempts = now + timedelta(seconds=rng.uniform(-1800, 4 * 3600)), 1
                    reserved_for = rng.choice(agent_ids)
                call_tasks.add(
                    task_id,
                    person_id,
                    reason,
                    index_case,
                    exposure,
                    territory,
                    language,
                    identified + day,
                    priority,
                    not_before,
                    rejoined_at,
                    attempts,
                    0,
                    reserved_for,
                    CallTask.Status.QUEUED,
                    identified,
                )
                person_id += 1
                task_id += 1
            with transaction.atomic():
                if use_replica_role:
                    # The rows are consistent by construction: skip the per-row foreign-key
                    # triggers.
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL session_replication_role = replica")
                for table in (persons, phones, cases, exposures, call_tasks):
                    table.flush()
            made += size
            self.stdout.write(f"  {made:,}/{count:,} tasks", ending="\r" if made < count else "\n")
            self.stdout.flush()
        for model in (Person, Phone, IndexCase, Exposure, CallTask):
            sync_sequence(model)

    def _can_skip_triggers(self) -> bool:
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        return bool(row and row[0])

    def _analyze(self) -> None:
        tables = [
            m._meta.db_table
            for m in (Person, Phone, IndexCase, Exposure, CallTask, Agent, Territory)
        ]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Fresh statistics and visibility map: the planner must know the backlog's shape.
                cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
            else:
                cursor.execute("ANALYZE")
