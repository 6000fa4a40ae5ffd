"""Contracts: additions, renewals, early ends, the alert before the end and the end carried out."""

import logging
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.models import Agent, Territory
from agents.services.sessions import end_sessions
from calls.services.presence import go_offline, release_owned_callbacks
from workforce.exceptions import (
    AgentDeactivated,
    ContractAlreadyRenewed,
    ContractClosed,
    ContractNotRenewable,
    ContractOverlap,
    InvalidContractDates,
)
from workforce.models.contracts import Contract, running_on

logger = logging.getLogger(__name__)

RENEWAL_MONTHS = (3, 6)


def local_todays(*, now: datetime) -> dict[str, date]:
    """Return "today" in each time zone that has a territory: the day turns at local midnight."""
    zones = Territory.objects.order_by().values_list("timezone", flat=True).distinct()
    return {zone: timezone.localdate(now, timezone=zoneinfo.ZoneInfo(zone)) for zone in zones}


def per_zone(
    *, now: datetime, condition: Callable[[date], Q], prefix: str = "agent__territory__"
) -> Q:
    """Combine, over the territories' time zones, a condition on the local day (one query for the
    zones)."""
    combined = Q(pk__in=[])
    for zone, today in local_todays(now=now).items():
        combined |= Q(**{f"{prefix}timezone": zone}) & condition(today)
    return combined


def _followed() -> Exists:
    # A contract is followed by a renewal, or by any later contract of the same agent: either way
    # the agent stays, and neither the alert nor the end applies.
    return Exists(
        Contract.objects.filter(agent_id=OuterRef("agent_id"), start_on__gt=OuterRef("start_on"))
    )


def _locked(contract: Contract) -> Contract:
    # Two admins renewing at once must not both find "not renewed yet".
    return (
        Contract.objects.select_for_update(of=("self",))
        .select_related("agent__user")
        .get(pk=contract.pk)
    )


def fixed_term_end(*, start_on: date, months: int) -> date:
    """Return the last day of a contract of `months` months starting on `start_on`."""
    shifted = start_on + relativedelta(months=months)
    if shifted.day != start_on.day:
        # No such day in that month (from 31 January): the contract runs to the month's end.
        return shifted
    return shifted - timedelta(days=1)


@transaction.atomic
def add_contract(
    *, agent: Agent, kind: str, start_on: date, end_on: date | None = None
) -> Contract:
    """Give an agent a new contract (a CDI, or a CDD with its end), reactivating their account."""
    if kind == Contract.Kind.CDD and end_on is None:
        raise InvalidContractDates(_("A fixed-term contract needs an end."))
    if kind == Contract.Kind.CDI:
        end_on = None
    if end_on is not None and end_on < start_on:
        raise InvalidContractDates(_("A contract cannot end before it starts."))
    # Lock the agent: two additions at once must not both find no overlap, and the end sweep
    # (which locks the agent too) must see this contract or run before it.
    list(
        Agent.objects.select_for_update()
        .filter(pk=agent.pk)
        .order_by()
        .values_list("pk", flat=True)
    )
    overlapping = Contract.objects.filter(agent=agent).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=start_on)
    )
    if end_on is not None:
        overlapping = overlapping.filter(start_on__lte=end_on)
    if overlapping.exists():
        raise ContractOverlap(_("This agent already has a contract running on these dates."))
    contract = Contract.objects.create(agent=agent, kind=kind, start_on=start_on, end_on=end_on)
    if start_on <= timezone.localdate(timezone=agent.territory.zone):
        # A departed agent hired again from today: the end of their last contract had closed the
        # account. A later start opens it on its first day (open_started_contracts).
        _open(contract=contract, now=timezone.now())
    return contract


def _open(*, contract: Contract, now: datetime) -> None:
    User.objects.filter(pk=contract.agent.user_id, is_active=False).update(is_active=True)
    Contract.objects.filter(pk=contract.pk).update(opened_at=now)
    contract.opened_at = now


@transaction.atomic
def renew_contract(*, contract: Contract, months: int) -> Contract:
    """Extend a fixed-term contract by 3 or 6 months: a new CDD starting the day after its end."""
    if months not in RENEWAL_MONTHS:
        raise ValueError(f"a renewal is of 3 or 6 months, not {months!r}")
    contract = _locked(contract)
    if contract.kind != Contract.Kind.CDD:
        raise ContractNotRenewable(_("Only a fixed-term contract (CDD) can be renewed."))
    if Contract.objects.filter(renews=contract).exists():
        raise ContractAlreadyRenewed(_("This contract was already renewed."))
    if Contract.objects.filter(agent_id=contract.agent_id, start_on__gt=contract.start_on).exists():
        raise ContractOverlap(_("A later contract already follows this one."))
    if contract.closed_at is not None or not contract.agent.user.is_active:
        raise AgentDeactivated(
            _("This agent's account is deactivated: add a new contract instead.")
        )
    assert contract.end_on is not None  # a constraint: a CDD has an end
    start_on = contract.end_on + timedelta(days=1)
    end_on = fixed_term_end(start_on=start_on, months=months)
    # The pending alert needs no write: the alert list leaves out renewed contracts.
    return Contract.objects.create(
        agent_id=contract.agent_id,
        kind=Contract.Kind.CDD,
        start_on=start_on,
        end_on=end_on,
        renews=contract,
    )


@transaction.atomic
def end_contract(*, contract: Contract, end_on: date) -> Contract:
    """End a contract early (resignation, dismissal, end of mission): its account goes the day
    after."""
    contract = _locked(contract)
    if contract.closed_at is not None:
        raise ContractClosed(_("This contract's end was already carried out."))
    if Contract.objects.filter(renews=contract).exists():
        raise ContractAlreadyRenewed(_("This contract was renewed: end its renewal instead."))
    if end_on < contract.start_on:
        raise InvalidContractDates(_("A contract cannot end before it starts."))
    if contract.end_on is not None and end_on > contract.end_on:
        raise InvalidContractDates(_("To end later than planned, renew the contract."))
    contract.end_on = end_on
    contract.save(update_fields=["end_on"])
    return contract


def acknowledge_contract_alert(*, contract: Contract, now: datetime) -> bool:
    """Mark a contract's end alert as seen; False if there was none pending."""
    acknowledged = Contract.objects.filter(
        pk=contract.pk, end_alerted_at__isnull=False, end_acknowledged_at__isnull=True
    ).update(end_acknowledged_at=now)
    if acknowledged:
        contract.end_acknowledged_at = now
    return bool(acknowledged)


@transaction.atomic
def alert_contract_ends(*, now: datetime) -> int:
    """Raise the alert on contracts ending within CONTRACT_END_ALERT_DAYS without a renewal."""
    window = timedelta(days=settings.CONTRACT_END_ALERT_DAYS)
    due = per_zone(
        now=now, condition=lambda today: Q(end_on__gte=today, end_on__lte=today + window)
    )
    return (
        Contract.objects.filter(
            due, end_alerted_at__isnull=True, closed_at__isnull=True, end_on__isnull=False
        )
        .exclude(_followed())
        .update(end_alerted_at=now)
    )


def end_expired_contracts(*, now: datetime) -> int:
    """Deactivate the accounts of agents whose last contract ended yesterday or before; return how
    many."""
    todays = local_todays(now=now)
    ended = per_zone(now=now, condition=lambda today: Q(end_on__lt=today))
    due = list(
        Contract.objects.filter(ended, closed_at__isnull=True, end_on__isnull=False)
        .exclude(renewed_by__isnull=False)
        .order_by("end_on", "pk")
        .values_list("pk", "agent__territory__timezone")
    )
    deactivated = 0
    for contract_id, zone in due:
        # One transaction per agent: a failure leaves this one for the next run, not the others.
        try:
            deactivated += _carry_out_end(contract_id=contract_id, today=todays[zone], now=now)
        except Exception:
            logger.exception("could not carry out the end of contract %s", contract_id)
    return deactivated


@transaction.atomic
def _carry_out_end(*, contract_id: int, today: date, now: datetime) -> bool:
    agent_id = Contract.objects.filter(pk=contract_id).values_list("agent_id", flat=True).first()
    if agent_id is None:
        return False
    # Lock the agent before the contracts: add_contract does the same, so a contract added while
    # this end is carried out is either seen here or added after the account is closed.
    agent = Agent.objects.select_for_update(of=("self",)).select_related("user").get(pk=agent_id)
    contract = (
        Contract.objects.select_for_update()
        .filter(pk=contract_id, closed_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if contract is None or Contract.objects.filter(renews=contract).exists():
        return False
    # Only a contract running today keeps the account open: an agent re-hired from a later date
    # has no account in between, and open_started_contracts opens it on that date.
    staying = Contract.objects.filter(agent=agent).exclude(pk=contract.pk).active_on(today).exists()
    if not staying:
        go_offline(agent=agent, now=now)
        release_owned_callbacks(agent=agent)
        User.objects.filter(pk=agent.user_id).update(is_active=False)
        end_sessions(user_id=agent.user_id, now=now)
    Contract.objects.filter(pk=contract.pk).update(closed_at=now)
    return not staying


def open_started_contracts(*, now: datetime) -> int:
    """Open the accounts of agents whose contract starts today (a re-hire or a hire from a later
    date)."""
    started = per_zone(now=now, condition=running_on)
    # Only contracts made ahead of their start: one made from a past or present day was opened
    # when it was made (or by hand), and an account closed since was closed on purpose.
    ahead = Q(start_on__gt=TruncDate("created_at"))
    due = list(
        Contract.objects.filter(
            started, ahead, opened_at__isnull=True, closed_at__isnull=True
        ).values_list("pk", flat=True)
    )
    opened = 0
    for contract_id in due:
        with transaction.atomic():
            contract = (
                Contract.objects.select_for_update(of=("self",))
                .select_related("agent")
                .filter(pk=contract_id, opened_at__isnull=True)
                .first()
            )
            if contract is not None:
                _open(contract=contract, now=now)
                opened += 1
    return opened
