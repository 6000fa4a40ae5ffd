"""Writes on the workforce."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Q
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
from agents.services.counters import count_status_period


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


@transaction.atomic
def set_agent_status(
    *,
    agent: Agent,
    status: str,
    now: datetime,
    pause_reason: PauseReason | None = None,
    limit_seconds: int | None = None,
) -> Agent:
    """Change an agent's live status and log the period it opens (time sheets add these up).

    `limit_seconds`: a wrap-up's limit; its time past the limit counts as idle, not active.
    """
    if (status == Agent.Status.PAUSED) != (pause_reason is not None):
        raise InvalidStatus(_("A pause needs a reason, and only a pause has one."))
    # Lock the agent: two tabs changing one status must not leave two open periods.
    current = Agent.objects.select_for_update().only("status", "pause_reason_id").get(pk=agent.pk)
    reason_id = pause_reason.pk if pause_reason else None
    if current.status == status and current.pause_reason_id == reason_id:
        return agent
    closing = AgentStatusPeriod.objects.filter(agent=agent, ended_at__isnull=True).first()
    if closing is not None:
        AgentStatusPeriod.objects.filter(pk=closing.pk).update(ended_at=now)
        count_status_period(
            agent=agent,
            status=closing.status,
            started_at=closing.started_at,
            ended_at=now,
            limit_seconds=closing.limit_seconds,
        )
    AgentStatusPeriod.objects.create(
        agent=agent,
        status=status,
        pause_reason=pause_reason,
        started_at=now,
        limit_seconds=limit_seconds if status == Agent.Status.WRAP_UP else None,
    )
    # A status change is a sign of life of the desk, too.
    Agent.objects.filter(pk=agent.pk).update(
        status=status, status_since=now, pause_reason=pause_reason, last_seen_at=now
    )
    agent.status, agent.status_since, agent.pause_reason = status, now, pause_reason
    return agent


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
