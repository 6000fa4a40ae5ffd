"""Writes on the workforce."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.db.models import FilteredRelation, Q, QuerySet
from django.utils.translation import gettext as _

from agents import roles
from agents.exceptions import InvalidStatus
from agents.models import (
    Agent,
    AgentStatusPeriod,
    ArsOfficer,
    Language,
    OpeningHours,
    PauseReason,
    Plateau,
    Region,
    Team,
    Territory,
    parse_hour,
)
from agents.regions import region_code_for
from agents.services.counters import DayCounts
from common.compiled_query import CompiledQuery


def region_for_departement(code: str) -> Region | None:
    """Return the region a département code belongs to (by the static table), if it exists."""
    region_code = region_code_for(code)
    return Region.objects.filter(code=region_code).first() if region_code else None


@transaction.atomic
def create_territory(
    *,
    code: str,
    name: str,
    timezone: str,
    phone_region: str = "FR",
    calling_hours_start: time | None = None,
    calling_hours_end: time | None = None,
) -> Territory:
    """Create a territory (a CPAM) in the region of its département; calling hours default to
    the settings'."""
    territory = Territory(
        code=code,
        name=name,
        timezone=timezone,
        phone_region=phone_region,
        region=region_for_departement(code),
    )
    if calling_hours_start is not None:
        territory.calling_hours_start = calling_hours_start
    if calling_hours_end is not None:
        territory.calling_hours_end = calling_hours_end
    territory.full_clean()
    territory.save()
    opens, closes = (parse_hour(value) for value in settings.DEFAULT_OPENING_HOURS)
    # Open every day, public holidays included, until an admin says otherwise.
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(territory=territory, weekday=day, opens_at=opens, closes_at=closes)
            for day in range(8)
        ]
    )
    return territory


@transaction.atomic
def create_agent_account(
    *,
    username: str,
    password: str,
    first_name: str,
    last_name: str,
    role: str,
    territory: Territory,
    languages: list[Language],
    starts_later: bool,
    employer: str,
    email: str = "",
    plateau: Plateau | None = None,
    team: Team | None = None,
    provider_name: str = "",
    temporary_password: bool = False,
) -> Agent:
    """Create a member of staff's account, role and agent profile (the workforce adds the contract).

    Hired from a later date (`starts_later`), the account stays closed until the contract's first
    day.
    """
    if role not in roles.STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")
    user = User.objects.create_user(
        username,
        email,
        password,
        first_name=first_name,
        last_name=last_name,
        is_active=not starts_later,
    )
    user.groups.add(Group.objects.get(name=role))
    if role == roles.ADMIN_CPAM:
        # CPAM admins use the Django admin, scoped to their territory.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    agent = Agent.objects.create(
        user=user,
        territory=territory,
        plateau=plateau,
        team=team,
        employer=employer,
        provider_name=provider_name,
        password_change_required=temporary_password,
    )
    agent.languages.set(languages)
    return agent


@dataclass(frozen=True)
class CurrentStatus:
    """An agent's status as read under its lock, with its open status period (if any)."""

    status: str
    pause_reason_id: int | None
    period_id: int | None = None
    period_status: str = ""
    period_started_at: datetime | None = None
    period_limit_seconds: int | None = None


def period_matches(
    *,
    status: str,
    reason_id: int | None,
    since: datetime | None,
    period: tuple[int | None, str | None, datetime | None, int | None],
) -> bool:
    """Whether an open period joined to a locked agent row is the one its status opened: the
    same status and pause reason, started at the agent's status_since. A concurrent change
    committed while the lock was waited for leaves the old period in the statement's snapshot
    and the new status on the agent's row."""
    period_id, period_status, started_at, period_reason = period
    return (
        period_id is not None
        and period_status == status
        and period_reason == reason_id
        and started_at == since
    )


def _status_to_lock(agent_id: int) -> QuerySet:
    open_period = FilteredRelation("status_periods", condition=Q(status_periods__ended_at=None))
    return (
        Agent.objects.select_for_update(of=("self",))
        .annotate(open=open_period)
        .filter(pk=agent_id)
        .values_list(
            "status",
            "pause_reason_id",
            "status_since",
            "open__id",
            "open__status",
            "open__started_at",
            "open__limit_seconds",
            "open__pause_reason_id",
        )
    )


# Compiled once per process: every status change reads it (common/compiled_query.py).
_STATUS_TO_LOCK: CompiledQuery[tuple] = CompiledQuery(_status_to_lock, int)


def lock_status(agent: Agent) -> CurrentStatus:
    """Lock the agent and read its status and open period: two tabs changing one status must
    not leave two open periods.

    One statement in the usual case. The period is joined from the statement's snapshot, taken
    before the lock was waited for: when a concurrent change committed meanwhile, the agent's
    row is the new one but the joined period may be the old. The period opened with the status
    has the agent's status and pause reason and starts at its status_since (period_matches());
    when they differ, the period is read again, now under the lock (a new statement, a new
    snapshot).
    """
    for _read in range(2):
        row = _STATUS_TO_LOCK.get(agent.pk)
        status, reason_id, since, period_id, period_status, started_at, limit, period_reason = row
        if period_matches(
            status=status,
            reason_id=reason_id,
            since=since,
            period=(period_id, period_status, started_at, period_reason),
        ):
            break
    if period_id is None:
        return CurrentStatus(status, reason_id)
    return CurrentStatus(status, reason_id, period_id, period_status, started_at, limit)


def set_agent_status(
    *,
    agent: Agent,
    status: str,
    now: datetime,
    pause_reason: PauseReason | None = None,
    limit_seconds: int | None = None,
    current: CurrentStatus | None = None,
    counts: DayCounts | None = None,
) -> Agent:
    """Change an agent's live status and log the period it opens (time sheets add these up).

    `limit_seconds`: a wrap-up's limit; its time past the limit counts as idle, not active.
    `current`: the agent's status as the caller read it under the agent's lock in this
    transaction (lock_status(), or the claim's first statement), so as not to read it again.
    `counts`: what the caller's change adds to the day counters (an attempt), written with the
    closed period's time in the same statement.

    On PostgreSQL the change is one statement after the lock: the period closed and the next one
    opened, the agent updated, the day counters upserted.
    """
    if (status == Agent.Status.PAUSED) != (pause_reason is not None):
        raise InvalidStatus(_("A pause needs a reason, and only a pause has one."))
    counts = counts if counts is not None else DayCounts(agent)
    # No savepoint: nothing here is caught and retried; a failure fails the caller's transaction.
    with transaction.atomic(savepoint=False):
        if current is None:
            current = lock_status(agent)
        reason_id = pause_reason.pk if pause_reason else None
        if current.status == status and current.pause_reason_id == reason_id:
            counts.save()
            return agent
        if current.period_id is not None and current.period_started_at is not None:
            counts.add_status_period(
                status=current.period_status,
                started_at=current.period_started_at,
                ended_at=now,
                limit_seconds=current.period_limit_seconds,
            )
        _write_status_change(
            agent=agent,
            status=status,
            now=now,
            reason_id=reason_id,
            limit_seconds=limit_seconds if status == Agent.Status.WRAP_UP else None,
            closing_id=current.period_id,
            counts=counts,
        )
    agent.status, agent.status_since, agent.pause_reason = status, now, pause_reason
    return agent


def _write_status_change(
    *,
    agent: Agent,
    status: str,
    now: datetime,
    reason_id: int | None,
    limit_seconds: int | None,
    closing_id: int | None,
    counts: DayCounts,
) -> None:
    """Close the open period, open the next, move the agent (a status change is a sign of life
    of the desk, too) and add to the day counters: one statement on PostgreSQL, in that order."""
    quote = connection.ops.quote_name
    periods = quote(AgentStatusPeriod._meta.db_table)
    moment = AgentStatusPeriod._meta.get_field("started_at")
    at = moment.get_db_prep_value(now, connection)
    close = (f"UPDATE {periods} SET ended_at = %s WHERE id = %s", [at, closing_id])
    open_sql = (
        f"INSERT INTO {periods} (agent_id, status, pause_reason_id, started_at, ended_at,"
        " limit_seconds) SELECT %s, %s, %s, %s, NULL, %s"
    )
    open_params = [agent.pk, status, reason_id, at, limit_seconds]
    move = (
        f"UPDATE {quote(Agent._meta.db_table)} SET status = %s, status_since = %s,"
        " pause_reason_id = %s, last_seen_at = %s WHERE id = %s",
        [status, at, reason_id, at, agent.pk],
    )
    counted = counts.statement() if counts else None
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            if closing_id is not None:
                cursor.execute(*close)
            cursor.execute(open_sql, open_params)
            cursor.execute(*move)
            if counted:
                cursor.execute(*counted)
            return
        # The statements of a WITH run in no set order: the new period is inserted from the
        # closed one's CTE, so that the open-period unique index never sees two.
        parts, params = [], []
        if closing_id is not None:
            parts.append(f"closed AS ({close[0]} RETURNING 1)")
            params += close[1]
            open_sql += " WHERE (SELECT count(*) FROM closed) >= 0"
        parts.append(f"opened AS ({open_sql})")
        params += open_params
        parts.append(f"moved AS ({move[0]})")
        params += move[1]
        if counted:
            parts.append(f"counted AS ({counted[0]})")
            params += counted[1]
        cursor.execute(f"WITH {', '.join(parts)} SELECT 1", params)


@transaction.atomic
def record_password_changed(*, user: User) -> None:
    """Note that the user chose their own password: the first-login change is done."""
    Agent.objects.filter(user=user, password_change_required=True).update(
        password_change_required=False
    )


# A heartbeat is written at most this often: the desk beats every minute, and a claim or a
# status change counts too; the sweep's threshold is minutes.
HEARTBEAT_WRITE_EVERY = timedelta(seconds=30)


def record_heartbeat(*, agent: Agent, now: datetime) -> bool:
    """Note that the agent's desk is alive; return whether a write was needed."""
    stale = Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - HEARTBEAT_WRITE_EVERY)
    return bool(Agent.objects.filter(stale, pk=agent.pk).update(last_seen_at=now))


@transaction.atomic
def set_channel_mode(
    *,
    territory: Territory,
    mode: str,
    sms_only_exposure_types: list[str] | None = None,
    sms_daily_quota: int | None = None,
) -> Territory:
    """Switch a territory's channel mode (and, given, the exposure types it notifies by SMS
    only and its daily SMS quota); return it."""
    territory.channel_mode = mode
    fields = ["channel_mode"]
    if sms_daily_quota is not None:
        territory.sms_daily_quota = sms_daily_quota
        fields.append("sms_daily_quota")
    if sms_only_exposure_types is not None:
        territory.sms_only_exposure_types = sorted(set(sms_only_exposure_types))
        fields.append("sms_only_exposure_types")
    territory.full_clean()
    territory.save(update_fields=fields)
    return territory


@transaction.atomic
def create_ars_officer(
    *,
    username: str,
    password: str,
    first_name: str,
    last_name: str,
    region: Region,
    email: str = "",
) -> User:
    """Create the account of a regional health agency's officer: the ARS role, their region, no
    agent profile (they work on their region's clusters only)."""
    user = User.objects.create_user(
        username, email, password, first_name=first_name, last_name=last_name
    )
    user.groups.add(Group.objects.get(name=roles.ARS))
    ArsOfficer.objects.create(user=user, region=region)
    return user


@transaction.atomic
def set_ars_email(*, region: Region, email: str) -> Region:
    """Set where the clusters handed off to a region's ARS are sent."""
    Region.objects.filter(pk=region.pk).update(ars_email=email)
    region.ars_email = email
    return region
