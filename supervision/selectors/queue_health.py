"""Queue health: the open backlog against the agents able to work it, in a constant number of
queries whatever the size of the backlog or the workforce.

The projected misses are not computed here: a periodic job runs each territory's calls due
within 24 h and its agents working through the queue simulator (supervision.services.projection)
and keeps the result in a QueueProjection row; the page sums the rows of the territories it
shows, per language, and says when they were computed. The observed calls per active hour are
shown once the sample means something (QUEUE_HEALTH_MIN_CALLS, QUEUE_HEALTH_MIN_ACTIVE_MINUTES),
never extrapolated.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When
from django.db.models.functions import ExtractHour, TruncDate
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from agents.access import RequestUser
from agents.models import Agent, AgentDay, Language, Territory
from calls.models import CallAttempt, CallTask
from supervision.models import HourlyCalls, QueueProjection
from supervision.services import hourly_calls
from supervision.services.sla import local_day_bounds

Status = CallTask.Status
Reason = CallTask.Reason

BUCKETS = (
    ("overdue", _("Overdue")),
    ("lt_2h", _("< 2 h")),
    ("lt_6h", _("< 6 h")),
    ("lt_24h", _("< 24 h")),
    ("later", _("Later")),
)
BUCKET_KEYS = tuple(key for key, _label in BUCKETS)
# The horizons of the projection: each bucket's calls must be made before its upper bound.
HORIZONS = (("lt_2h", 2), ("lt_6h", 6), ("lt_24h", 24))
WORKING = (Agent.Status.READY, Agent.Status.ON_CALL, Agent.Status.WRAP_UP)
REASONS = (Reason.INDEX_INTERVIEW, Reason.CONTACT_NOTIFICATION, Reason.FOLLOW_UP)
# A projection older than this many of the job's periods is shown as late: the job is not running
# (or failing for the territory), and the figures are those of then.
PROJECTION_LATE_PERIODS = 5


def enough_sample(*, calls: int, active_seconds: int) -> bool:
    """Say whether today's calls and active time are enough to extrapolate a rate from."""
    return (
        calls >= settings.QUEUE_HEALTH_MIN_CALLS
        and active_seconds >= settings.QUEUE_HEALTH_MIN_ACTIVE_MINUTES * 60
    )


@dataclass
class ReasonBacklog:
    reason: str
    label: StrOrPromise
    buckets: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.buckets.values())

    @property
    def cells(self) -> list[int]:
        return [self.buckets[key] for key in BUCKET_KEYS]


@dataclass
class LanguageHealth:
    """One language's backlog, its agents and the projection."""

    code: str
    name: str
    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKET_KEYS, 0))
    escalated: int = 0
    ready: int = 0
    working: int = 0
    due_within_24h: int = 0
    calls: int = 0
    active_seconds: int = 0
    capacity_24h: int | None = 0
    projected_misses: int | None = 0

    @property
    def total(self) -> int:
        return sum(self.buckets.values())

    @property
    def cells(self) -> list[int]:
        return [self.buckets[key] for key in BUCKET_KEYS]

    @property
    def calls_per_hour(self) -> float | None:
        """Return the calls per active hour, None until the sample is large enough to mean it."""
        if not enough_sample(calls=self.calls, active_seconds=self.active_seconds):
            return None
        return round(self.calls * 3600 / self.active_seconds, 1)


@dataclass
class QueueHealth:
    now: datetime
    territory: Territory | None
    languages: list[LanguageHealth]
    by_reason: list[ReasonBacklog]
    callbacks_owned: int
    callbacks_open: int
    escalations: int
    # When the oldest projection shown was computed (None: none yet), and the territories with
    # calls due whose projection is not made yet.
    projection_at: datetime | None = None
    projection_pending: list[str] = field(default_factory=list)
    # Calls per local hour (0–23), today and yesterday; None across several territories.
    calls_today: list[int] | None = None
    calls_yesterday: list[int] | None = None
    buckets: tuple = BUCKETS

    @property
    def totals(self) -> list[int]:
        return [sum(lang.buckets[key] for lang in self.languages) for key in BUCKET_KEYS]

    @property
    def total(self) -> int:
        return sum(self.totals)

    @property
    def callbacks_due(self) -> int:
        return self.callbacks_owned + self.callbacks_open

    @property
    def projected_misses(self) -> int:
        """Return the misses projected in the languages where they are known."""
        return sum(lang.projected_misses or 0 for lang in self.languages)

    @property
    def projection_late(self) -> bool:
        """Whether the periodic job is late with the oldest projection shown."""
        if self.projection_at is None:
            return False
        periods = PROJECTION_LATE_PERIODS * settings.QUEUE_HEALTH_PROJECTION_SECONDS
        return self.now - self.projection_at > timedelta(seconds=periods)

    @property
    def zone(self) -> str:
        """The time zone its times are shown in: the territory's, else the default."""
        return self.territory.timezone if self.territory else settings.TIME_ZONE


def _bucket(now: datetime) -> Case:
    return Case(
        When(deadline_at__lte=now, then=Value("overdue")),
        When(deadline_at__lte=now + timedelta(hours=2), then=Value("lt_2h")),
        When(deadline_at__lte=now + timedelta(hours=6), then=Value("lt_6h")),
        When(deadline_at__lte=now + timedelta(hours=24), then=Value("lt_24h")),
        default=Value("later"),
        output_field=CharField(),
    )


def _language_name(code: str, name_fr: str, name_en: str) -> str:
    return str(Language(code=code, name_fr=name_fr or code, name_en=name_en or code))


def queue_health(*, user: RequestUser, territory: Territory | None, now: datetime) -> QueueHealth:
    """Return the queue health of the user's territory (a superuser: one territory, or all)."""
    territories_qs = Territory.objects.for_user(user)
    tasks = CallTask.objects.for_user(user).filter(status__in=CallTask.OPEN_STATUSES)
    agents = Agent.objects.for_user(user).filter(status__in=WORKING)
    days = AgentDay.objects.for_user(user).filter(agent__status__in=WORKING)
    if territory is not None:
        territories_qs = territories_qs.filter(pk=territory.pk)
        tasks = tasks.filter(territory=territory)
        agents = agents.filter(territory=territory)
        days = days.filter(agent__territory=territory)
    territories = {t.pk: t for t in territories_qs}
    today_of = {t.pk: now.astimezone(t.zone).date() for t in territories.values()}

    # 1. The open backlog by territory, language, reason, status and deadline bucket.
    callback_due = Q(status=Status.QUEUED, not_before__lte=now)
    task_rows = (
        tasks.annotate(bucket=_bucket(now))
        .values(
            "territory_id",
            "language_id",
            "language__name_fr",
            "language__name_en",
            "reason",
            "status",
            "bucket",
        )
        .annotate(
            n=Count("pk"),
            owned_callbacks=Count("pk", filter=callback_due & Q(reserved_for__isnull=False)),
            open_callbacks=Count("pk", filter=callback_due & Q(reserved_for__isnull=True)),
        )
        .order_by()
    )
    # 2. The agents working now, by territory, language and status.
    agent_rows = (
        agents.values(
            "territory_id", "status", "languages__code", "languages__name_fr", "languages__name_en"
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    # 3. Their calls and active time today (local days: the day is checked per territory below).
    day_rows = (
        days.filter(day__in=set(today_of.values()))
        .values("agent__territory_id", "day", "agent__languages__code")
        .annotate(calls=Sum("calls"), active=Sum(F("on_call_seconds") + F("wrap_up_seconds")))
        .order_by()
    )

    languages: dict[str, LanguageHealth] = {}

    def language(code: str, name_fr: str, name_en: str) -> LanguageHealth:
        if code not in languages:
            languages[code] = LanguageHealth(code=code, name=_language_name(code, name_fr, name_en))
        return languages[code]

    by_reason = {
        reason: ReasonBacklog(reason, Reason(reason).label, dict.fromkeys(BUCKET_KEYS, 0))
        for reason in REASONS
    }
    # Per (territory, language): demand by bucket, working agents, calls and active seconds.
    demand: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BUCKET_KEYS, 0))
    working: dict[tuple, int] = defaultdict(int)
    observed: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    owned = open_ = escalations = 0
    for row in task_rows:
        lang = language(row["language_id"], row["language__name_fr"], row["language__name_en"])
        lang.buckets[row["bucket"]] += row["n"]
        by_reason[row["reason"]].buckets[row["bucket"]] += row["n"]
        owned += row["owned_callbacks"]
        open_ += row["open_callbacks"]
        if row["status"] == Status.ESCALATED:
            escalations += row["n"]
            lang.escalated += row["n"]
        else:
            demand[(row["territory_id"], row["language_id"])][row["bucket"]] += row["n"]
    for row in agent_rows:
        if row["languages__code"] is None:
            continue  # An agent without languages takes no call.
        lang = language(
            row["languages__code"], row["languages__name_fr"], row["languages__name_en"]
        )
        lang.working += row["n"]
        working[(row["territory_id"], row["languages__code"])] += row["n"]
        if row["status"] == Agent.Status.READY:
            lang.ready += row["n"]
    for row in day_rows:
        territory_id = row["agent__territory_id"]
        if row["agent__languages__code"] is None or today_of.get(territory_id) != row["day"]:
            continue
        observed[(territory_id, row["agent__languages__code"])][0] += row["calls"] or 0
        observed[(territory_id, row["agent__languages__code"])][1] += row["active"] or 0

    for key in set(demand) | set(working):
        territory_id, code = key
        lang = languages[code]
        buckets = demand.get(key, dict.fromkeys(BUCKET_KEYS, 0))
        calls, active = observed.get(key, (0, 0))
        lang.calls += calls
        lang.active_seconds += active
        lang.due_within_24h += sum(buckets[bucket] for bucket, _hours in HORIZONS)
    # The projections the periodic job keeps, one row per territory with calls due within 24 h
    # (supervision.services.projection), summed per language. A language with calls due in a
    # territory not projected yet shows none rather than a partial sum.
    due_in = {key for key, buckets in demand.items() if any(buckets[b] for b, _h in HORIZONS)}
    projections = {
        p.territory_id: p
        for p in QueueProjection.objects.filter(territory_id__in={t for t, _c in due_in})
    }
    for territory_id, code in sorted(due_in):
        lang, found = languages[code], projections.get(territory_id)
        if found is None:
            lang.projected_misses = lang.capacity_24h = None
        elif lang.projected_misses is not None and lang.capacity_24h is not None:
            lang.projected_misses += found.misses.get(code, 0)
            lang.capacity_24h += found.within.get(code, 0)
    pending = sorted({territories[t].code for t, _c in due_in if t not in projections})
    ordered = sorted(
        languages.values(),
        key=lambda lang: (-lang.buckets["overdue"] - lang.buckets["lt_2h"], -lang.total, lang.code),
    )
    health = QueueHealth(
        now=now,
        territory=territory
        if territory is not None or len(territories) != 1
        else next(iter(territories.values())),
        languages=ordered,
        by_reason=list(by_reason.values()),
        callbacks_owned=owned,
        callbacks_open=open_,
        escalations=escalations,
        projection_at=min((p.computed_at for p in projections.values()), default=None),
        projection_pending=pending,
    )
    if len(territories) == 1:
        [only] = territories.values()
        health.calls_yesterday, health.calls_today = calls_by_hour(
            user=user, territory=only, today=today_of[only.pk], now=now
        )
    return health


def calls_by_hour(
    *,
    user: RequestUser,
    territory: Territory,
    today: date,
    now: datetime,
) -> tuple[list[int], list[int]]:
    """Count the calls made by the territory's agents per local hour, yesterday and today: the
    hours the periodic job counted from their counters (HourlyCalls), the hours since from the
    attempts (the open hour, a short range of the started_at index)."""
    zone = territory.zone
    yesterday = today - timedelta(days=1)
    start, _end = local_day_bounds(yesterday, zone)
    series = {yesterday: [0] * 24, today: [0] * 24}
    live_from = start
    if hourly_calls.whole_hour_zone(zone, start, now):
        # A superviseur or CPAM admin is shown the calls on their territory's own tasks.
        field = "calls" if user.is_superuser else "own_calls"
        first = hourly_calls.hour_start(start)
        counters = dict(
            HourlyCalls.objects.filter(territory=territory, hour__gte=first, hour__lte=now)
            .order_by("hour")
            .values_list("hour", field)
        )
        # Only hours counted without a gap from the first: otherwise (the job never ran, or not
        # since the territory was made) every hour is counted from the attempts.
        if counters and len(counters) == (max(counters) - first) // hourly_calls.HOUR + 1:
            for hour, calls in counters.items():
                local = hour.astimezone(zone)
                if local.date() in series:
                    series[local.date()][local.hour] += calls
            live_from = max(counters) + hourly_calls.HOUR
    rows = (
        CallAttempt.objects.for_user(user)
        .filter(agent__territory=territory, started_at__gte=live_from, started_at__lte=now)
        .annotate(
            local_day=TruncDate("started_at", tzinfo=zone),
            hour=ExtractHour("started_at", tzinfo=zone),
        )
        .values("local_day", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        if row["local_day"] in series:
            series[row["local_day"]][row["hour"]] += row["n"]
    return series[yesterday], series[today]
