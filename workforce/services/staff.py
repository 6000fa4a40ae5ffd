"""Hiring: a member of staff's account with their contract, all or nothing."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from agents.models import Agent, Language, Plateau, Team, Territory
from agents.services.staff import create_agent_account
from workforce.models.contracts import Contract
from workforce.services.contracts import check_new_fixed_term


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
    temporary_password: bool = False,
) -> Agent:
    """Create a member of staff: account, role, agent profile and contract (a CDD within the legal
    limits), all or nothing."""
    if contract_end is not None and employer != Agent.Employer.PROVIDER:
        # Before the account: a refused contract leaves nothing to roll back.
        check_new_fixed_term(start_on=today, end_on=contract_end)
    # Hired from a later date: the account opens on the contract's first day
    # (open_started_contracts).
    starts_later = today > timezone.localdate(timezone=territory.zone)
    if not employer:
        employer = Agent.Employer.FIXED_TERM if contract_end else Agent.Employer.CNAM
    agent = create_agent_account(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        role=role,
        territory=territory,
        languages=languages,
        starts_later=starts_later,
        employer=employer,
        email=email,
        plateau=plateau,
        team=team,
        provider_name=provider_name,
        temporary_password=temporary_password,
    )
    if employer != Agent.Employer.PROVIDER:
        # An outsourced provider's staff have no contract with the CPAM.
        Contract.objects.create(
            agent=agent,
            kind=Contract.Kind.CDD if contract_end else Contract.Kind.CDI,
            start_on=today,
            end_on=contract_end,
            opened_at=None if starts_later else timezone.now(),
        )
    return agent
