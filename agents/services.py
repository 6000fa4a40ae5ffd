"""Writes on the workforce."""

from datetime import date, time

from django.contrib.auth.models import Group, User
from django.db import transaction

from agents import roles
from agents.models import Agent, Contract, Language, Plateau, Team, Territory


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
    """Create a territory (a CPAM); calling hours default to the settings'."""
    territory = Territory(code=code, name=name, timezone=timezone, phone_region=phone_region)
    if calling_hours_start is not None:
        territory.calling_hours_start = calling_hours_start
    if calling_hours_end is not None:
        territory.calling_hours_end = calling_hours_end
    territory.full_clean()
    territory.save()
    return territory


@transaction.atomic
def create_agent(
    *,
    username: str,
    password: str,
    first_name: str,
    last_name: str,
    role: str,
    territory: Territory,
    languages: list[Language],
    today: date,
    email: str = "",
    plateau: Plateau | None = None,
    team: Team | None = None,
    employer: str = "",
    provider_name: str = "",
    contract_end: date | None = None,
) -> Agent:
    """Create a member of staff: account, role, agent profile and contract, all or nothing."""
    if role not in roles.STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")
    user = User.objects.create_user(username, email, password, first_name=first_name, last_name=last_name)
    user.groups.add(Group.objects.get(name=role))
    if role == roles.ADMIN_CPAM:
        # CPAM admins use the Django admin, scoped to their territory.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if not employer:
        employer = Agent.Employer.FIXED_TERM if contract_end else Agent.Employer.CNAM
    agent = Agent.objects.create(
        user=user, territory=territory, plateau=plateau, team=team, employer=employer, provider_name=provider_name
    )
    agent.languages.set(languages)
    if employer != Agent.Employer.PROVIDER:
        # An outsourced provider's staff have no contract with the CPAM.
        Contract.objects.create(
            agent=agent,
            kind=Contract.Kind.CDD if contract_end else Contract.Kind.CDI,
            start_on=today,
            end_on=contract_end,
        )
    return agent
