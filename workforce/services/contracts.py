"""Contracts: additions, renewals (one or in bulk) within the legal limits of a CDD, conversions to
a CDI, early ends with the shifts they cancel, the alert before the end and the end carried out."""

import logging
import zoneinfo
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agents.models import Agent, Territory
from agents.services.sessions import end_sessions, revoke_tokens
from calls.services.presence import go_offline, release_owned_callbacks
from common.exceptions import DomainError
from workforce.exceptions import (
    AgentDeactivated,
    BulkRenewalRefused,
    ContractAlreadyRenewed,
    ContractClosed,
    ContractEndedEarly,
    ContractNotConvertible,
    ContractNotRenewable,
    ContractOverlap,
    FixedTermLimitExceeded,
    FixedTermTooLong,
    InvalidContractDates,
    RotaChangedSincePreview,
    TooManyRenewals,
)
from workforce.models.contracts import Contract, FixedTermRule, running_on
from workforce.models.rota import Shift

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


def _lock_agent(agent_id: int) -> None:
    list(
        Agent.objects.select_for_update()
        .filter(pk=agent_id)
        .order_by()
        .values_list("pk", flat=True)
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


@dataclass(frozen=True)
class FixedTermLimits:
    """The limits of a CDD in force on a day (FixedTermRule)."""

    max_renewals: int
    max_total_months: int


# When no rule is in force: the Code du travail's, art. L1243-13 and L1242-8 (FixedTermRule).
DEFAULT_FIXED_TERM_LIMITS = FixedTermLimits(max_renewals=2, max_total_months=18)


def fixed_term_rules() -> list[FixedTermRule]:
    """Return every rule of fixed-term contracts, the latest first (a handful of rows)."""
    return list(FixedTermRule.objects.order_by("-valid_from"))


def limits_on(rules: Sequence[FixedTermRule], day: date) -> FixedTermLimits:
    """Return the limits in force on a day among `rules` (the latest first)."""
    for rule in rules:
        if rule.valid_from <= day:
            return FixedTermLimits(
                max_renewals=rule.max_renewals, max_total_months=rule.max_total_months
            )
    return DEFAULT_FIXED_TERM_LIMITS


@dataclass(frozen=True)
class FixedTermChain:
    """A CDD and the CDDs it renews: how many renewals led to it, and the first one's first day."""

    renewals: int
    first_day: date


def fixed_term_chains(contracts: Collection[Contract]) -> dict[int, FixedTermChain]:
    """Return, for each contract, its chain of renewals (one query, whatever their number)."""
    rows = {
        pk: (renews_id, kind, start_on)
        for pk, renews_id, kind, start_on in Contract.objects.filter(
            agent_id__in={contract.agent_id for contract in contracts}
        ).values_list("pk", "renews_id", "kind", "start_on")
    }
    chains = {}
    for contract in contracts:
        renewals, first_day, seen = 0, contract.start_on, {contract.pk}
        previous = contract.renews_id
        while previous is not None and previous in rows and previous not in seen:
            renews_id, kind, start_on = rows[previous]
            if kind != Contract.Kind.CDD:
                break
            renewals, first_day = renewals + 1, start_on
            seen.add(previous)
            previous = renews_id
        chains[contract.pk] = FixedTermChain(renewals=renewals, first_day=first_day)
    return chains


def fixed_term_breach(
    *, chain: FixedTermChain, end_on: date, limits: FixedTermLimits, renewal: bool
) -> FixedTermLimitExceeded | None:
    """Return which legal limit a CDD ending on `end_on` breaks, or None.

    `chain` is the chain the CDD continues when it is a `renewal` (the renewed contract's), or the
    new CDD itself. One rule for an addition, a hire, a renewal, a bulk renewal and its preview.
    """
    if renewal and chain.renewals >= limits.max_renewals:
        return TooManyRenewals(
            ngettext(
                "This CDD was already renewed %(count)d time: legal maximum reached.",
                "This CDD was already renewed %(count)d times: legal maximum reached.",
                chain.renewals,
            )
            % {"count": chain.renewals}
        )
    last_day = fixed_term_end(start_on=chain.first_day, months=limits.max_total_months)
    if end_on > last_day:
        return FixedTermTooLong(
            _(
                "The total length would exceed %(months)d months: a CDD started on %(first)s "
                "may run until %(last)s at the latest."
            )
            % {
                "months": limits.max_total_months,
                "first": date_format(chain.first_day, "SHORT_DATE_FORMAT"),
                "last": date_format(last_day, "SHORT_DATE_FORMAT"),
            }
        )
    return None


def _override(
    contract: Contract,
    breach: FixedTermLimitExceeded | None,
    *,
    override_reason: str,
    by: User | None,
) -> None:
    # Beyond the limits only on purpose: the reason stays on the contract, in its history.
    if breach is None:
        return
    if not override_reason.strip():
        raise breach
    contract.limit_override_reason = override_reason.strip()
    contract.limit_overridden_by = by


def check_new_fixed_term(
    *, start_on: date, end_on: date, override_reason: str = "", by: User | None = None
) -> Contract:
    """Return an unsaved CDD from `start_on` to `end_on` within the legal limits, or overriding
    them with a reason; raise the limit it breaks otherwise."""
    contract = Contract(kind=Contract.Kind.CDD, start_on=start_on, end_on=end_on)
    breach = fixed_term_breach(
        chain=FixedTermChain(renewals=0, first_day=start_on),
        end_on=end_on,
        limits=limits_on(fixed_term_rules(), start_on),
        renewal=False,
    )
    _override(contract, breach, override_reason=override_reason, by=by)
    return contract


@transaction.atomic
def add_contract(
    *,
    agent: Agent,
    kind: str,
    start_on: date,
    end_on: date | None = None,
    override_reason: str = "",
    by: User | None = None,
) -> Contract:
    """Give an agent a new contract (a CDI, or a CDD with its end within the legal limits or
    overriding them with a reason), reactivating their account."""
    if kind == Contract.Kind.CDD and end_on is None:
        raise InvalidContractDates(_("A fixed-term contract needs an end."))
    if kind == Contract.Kind.CDI:
        end_on = None
    if end_on is not None and end_on < start_on:
        raise InvalidContractDates(_("A contract cannot end before it starts."))
    contract = Contract(agent=agent, kind=kind, start_on=start_on, end_on=end_on)
    if end_on is not None:
        checked = check_new_fixed_term(
            start_on=start_on, end_on=end_on, override_reason=override_reason, by=by
        )
        contract.limit_override_reason = checked.limit_override_reason
        contract.limit_overridden_by = checked.limit_overridden_by
    # Lock the agent: two additions at once must not both find no overlap, and the end sweep
    # (which locks the agent too) must see this contract or run before it.
    _lock_agent(agent.pk)
    overlapping = Contract.objects.filter(agent=agent).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=start_on)
    )
    if end_on is not None:
        overlapping = overlapping.filter(start_on__lte=end_on)
    if overlapping.exists():
        raise ContractOverlap(_("This agent already has a contract running on these dates."))
    contract.save()
    if start_on <= timezone.localdate(timezone=agent.territory.zone):
        # A departed agent hired again from today: the end of their last contract had closed the
        # account. A later start opens it on its first day (open_started_contracts).
        _open(contract=contract, now=timezone.now())
    return contract


def _open(*, contract: Contract, now: datetime) -> None:
    User.objects.filter(pk=contract.agent.user_id, is_active=False).update(is_active=True)
    Contract.objects.filter(pk=contract.pk).update(opened_at=now)
    contract.opened_at = now


def renewal_refusal(
    *, contract: Contract, renewed: bool, followed: bool, in_bulk: bool = False
) -> DomainError | None:
    """Return why a contract cannot be renewed or converted, or None when it can.

    `renewed` and `followed` are ContractQuerySet.with_successors()'s annotations; the agent's user
    must be loaded. One rule for a renewal, a bulk renewal, its preview and a conversion. A bulk
    renewal also leaves out a contract an admin ended early: that agent is leaving, and renewing
    them is a decision to take on their own page.
    """
    if contract.kind != Contract.Kind.CDD:
        return ContractNotRenewable(_("Only a fixed-term contract (CDD) can be renewed."))
    if renewed:
        return ContractAlreadyRenewed(_("This contract was already renewed."))
    if followed:
        return ContractOverlap(_("A later contract already follows this one."))
    if contract.closed_at is not None:
        return ContractClosed(
            _("This contract's end was already carried out: add a new contract instead.")
        )
    if not contract.agent.user.is_active:
        return AgentDeactivated(
            _("This agent's account is deactivated: add a new contract instead.")
        )
    if in_bulk and contract.ended_early_at is not None:
        return ContractEndedEarly(
            _("This contract was ended early: renew it from the agent's page if you mean to.")
        )
    return None


def _successors(contract_ids: Collection[int]) -> dict[int, tuple[bool, bool]]:
    return {
        pk: (renewed, followed)
        for pk, renewed, followed in Contract.objects.filter(pk__in=contract_ids)
        .with_successors()
        .values_list("pk", "renewed", "followed")
    }


def _refusal_of(
    contract: Contract, successors: dict[int, tuple[bool, bool]], *, in_bulk: bool = False
) -> DomainError | None:
    renewed, followed = successors[contract.pk]
    return renewal_refusal(contract=contract, renewed=renewed, followed=followed, in_bulk=in_bulk)


def _renewal_of(contract: Contract, months: int) -> Contract:
    assert contract.end_on is not None  # a constraint: a CDD has an end
    start_on = contract.end_on + timedelta(days=1)
    return Contract(
        agent_id=contract.agent_id,
        kind=Contract.Kind.CDD,
        start_on=start_on,
        end_on=fixed_term_end(start_on=start_on, months=months),
        renews=contract,
    )


def renewal_breach(
    contract: Contract,
    months: int,
    *,
    chains: dict[int, FixedTermChain],
    rules: Sequence[FixedTermRule],
) -> FixedTermLimitExceeded | None:
    """Return which legal limit renewing this CDD by `months` months breaks, or None."""
    if contract.kind != Contract.Kind.CDD or contract.end_on is None:
        return None  # not renewable at all: renewal_refusal says why
    renewal = _renewal_of(contract, months)
    assert renewal.end_on is not None
    return fixed_term_breach(
        chain=chains[contract.pk],
        end_on=renewal.end_on,
        limits=limits_on(rules, renewal.start_on),
        renewal=True,
    )


def renewal_period(*, contract: Contract, months: int) -> tuple[date, date]:
    """Return the first and last day of the renewal of a CDD by `months` months."""
    renewal = _renewal_of(contract, months)
    assert renewal.end_on is not None
    return renewal.start_on, renewal.end_on


@transaction.atomic
def renew_contract(
    *, contract: Contract, months: int, override_reason: str = "", by: User | None = None
) -> Contract:
    """Extend a fixed-term contract by 3 or 6 months: a new CDD starting the day after its end,
    within the legal limits of a CDD, or beyond them with the admin's reason."""
    if months not in RENEWAL_MONTHS:
        raise ValueError(f"a renewal is of 3 or 6 months, not {months!r}")
    contract = _locked(contract)
    refusal = _refusal_of(contract, _successors([contract.pk]))
    if refusal is not None:
        raise refusal
    breach = renewal_breach(
        contract, months, chains=fixed_term_chains([contract]), rules=fixed_term_rules()
    )
    # The pending alert needs no write: the alert list leaves out renewed contracts.
    renewal = _renewal_of(contract, months)
    _override(renewal, breach, override_reason=override_reason, by=by)
    renewal.save()
    return renewal


# A bulk renewal is one transaction holding a lock on every row: beyond this, split it.
MAX_BULK_RENEWAL = 500


@transaction.atomic
def renew_contracts(
    *,
    contracts: Sequence[Contract],
    months: int,
    override_reason: str = "",
    by: User | None = None,
) -> list[Contract]:
    """Renew several fixed-term contracts by the same 3 or 6 months: every one of them, or none
    and, for each one refused, why. Those beyond the legal limits of a CDD are refused unless the
    admin gives a reason to override them, which each of their renewals records."""
    if months not in RENEWAL_MONTHS:
        raise ValueError(f"a renewal is of 3 or 6 months, not {months!r}")
    ids = sorted({contract.pk for contract in contracts})
    if not ids or len(ids) > MAX_BULK_RENEWAL:
        raise ValueError(f"a bulk renewal takes 1 to {MAX_BULK_RENEWAL} contracts, not {len(ids)}")
    # Locked in the order of their ids, as every bulk renewal does: two of them cannot deadlock.
    locked = list(
        Contract.objects.select_for_update(of=("self",))
        .select_related("agent__user")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(locked) != len(ids):
        raise Contract.DoesNotExist(f"no contract {sorted(set(ids) - {c.pk for c in locked})}")
    successors = _successors(ids)
    chains, rules = fixed_term_chains(locked), fixed_term_rules()
    breaches = {
        contract.pk: renewal_breach(contract, months, chains=chains, rules=rules)
        for contract in locked
    }
    overriding = bool(override_reason.strip())
    refused = [
        (contract, refusal)
        for contract in locked
        if (refusal := _refusal_of(contract, successors, in_bulk=True)) is not None
        or (not overriding and (refusal := breaches[contract.pk]) is not None)
    ]
    if refused:
        raise BulkRenewalRefused(
            refused,
            _("Nothing was renewed. Contracts refused: %(refused)d of %(total)d.")
            % {"refused": len(refused), "total": len(locked)},
        )
    renewals = []
    for contract in locked:
        renewal = _renewal_of(contract, months)
        _override(renewal, breaches[contract.pk], override_reason=override_reason, by=by)
        renewals.append(renewal)
    for renewal in renewals:
        # One by one rather than bulk_create: each row gets its id on every database.
        renewal.save()
    return renewals


def conversion_window(*, contract: Contract) -> tuple[date, date]:
    """Return the first and last day a CDI converting this CDD may start on."""
    assert contract.end_on is not None  # a constraint: a CDD has an end
    return contract.start_on + timedelta(days=1), contract.end_on + timedelta(days=1)


@transaction.atomic
def convert_to_cdi(*, contract: Contract, start_on: date) -> Contract:
    """Turn a fixed-term contract into a permanent one from a day: the CDD ends the day before,
    and the CDI continues it (the chain keeps the history, as a renewal does)."""
    contract = _locked(contract)
    if contract.kind != Contract.Kind.CDD:
        raise ContractNotConvertible(
            _("Only a fixed-term contract (CDD) can become a permanent one (CDI).")
        )
    refusal = _refusal_of(contract, _successors([contract.pk]))
    if refusal is not None:
        raise refusal
    assert contract.end_on is not None  # a constraint: a CDD has an end
    first, last = conversion_window(contract=contract)
    if not first <= start_on <= last:
        raise InvalidContractDates(
            _(
                "The CDI must start from %(first)s to %(last)s: after the CDD's first day, and by "
                "the day after its last day."
            )
            % {
                "first": date_format(first, "SHORT_DATE_FORMAT"),
                "last": date_format(last, "SHORT_DATE_FORMAT"),
            },
            field="start_on",
        )
    contract.end_on = start_on - timedelta(days=1)
    contract.save(update_fields=["end_on"])
    # Every day the CDD no longer covers, the CDI does: no shift is cancelled.
    return Contract.objects.create(
        agent_id=contract.agent_id,
        kind=Contract.Kind.CDI,
        start_on=start_on,
        end_on=None,
        renews=contract,
    )


def check_end(*, contract: Contract, end_on: date, renewed: bool) -> None:
    """Raise why a contract cannot end on `end_on` (the end page checks it before the preview)."""
    if contract.closed_at is not None:
        raise ContractClosed(_("This contract's end was already carried out."))
    if renewed:
        raise ContractAlreadyRenewed(_("This contract was renewed: end its renewal instead."))
    if end_on < contract.start_on:
        raise InvalidContractDates(_("A contract cannot end before it starts."))
    if contract.end_on is not None and end_on > contract.end_on:
        raise InvalidContractDates(_("To end later than planned, renew the contract."))


@dataclass(frozen=True)
class ContractEnd:
    contract: Contract
    cancelled_shifts: list[Shift]


def _cancel_shifts_after_end(
    *, contract: Contract, end_on: date, by: User | None, now: datetime
) -> list[Shift]:
    shifts = list(
        Shift.objects.after_contract_end(contract=contract, end_on=end_on)
        .select_related("plateau")
        .order_by("starts_at", "pk")
    )
    if shifts:
        Shift.objects.filter(pk__in=[shift.pk for shift in shifts]).update(
            cancelled_at=now,
            cancellation_reason=Shift.CancellationReason.CONTRACT_END,
            cancelled_by=by,
        )
    for shift in shifts:
        shift.cancelled_at, shift.cancelled_by = now, by
        shift.cancellation_reason = Shift.CancellationReason.CONTRACT_END
    return shifts


@transaction.atomic
def end_contract(
    *,
    contract: Contract,
    end_on: date,
    by: User | None = None,
    expected_shift_ids: Collection[int] | None = None,
    now: datetime | None = None,
) -> ContractEnd:
    """End a contract early (resignation, dismissal, end of mission): the shifts after the new last
    day are cancelled, and the account goes the day after.

    `expected_shift_ids` are the shifts the admin saw before confirming: if the rota changed since,
    nothing is written.
    """
    now = now or timezone.now()
    # The agent first, then the contract, as add_contract and the end sweep do; assign_shift locks
    # the agent too, so no shift slips in after the end between the preview and the write.
    _lock_agent(contract.agent_id)
    contract = _locked(contract)
    check_end(
        contract=contract,
        end_on=end_on,
        renewed=Contract.objects.filter(renews=contract).exists(),
    )
    if expected_shift_ids is not None:
        due = set(
            Shift.objects.after_contract_end(contract=contract, end_on=end_on).values_list(
                "pk", flat=True
            )
        )
        if due != set(expected_shift_ids):
            raise RotaChangedSincePreview(
                _("The rota changed since you looked: check the shifts to cancel again.")
            )
    if contract.end_on is None or end_on < contract.end_on:
        contract.ended_early_at = now
    contract.end_on = end_on
    contract.save(update_fields=["end_on", "ended_early_at"])
    cancelled = _cancel_shifts_after_end(contract=contract, end_on=end_on, by=by, now=now)
    return ContractEnd(contract=contract, cancelled_shifts=cancelled)


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
    assert contract.end_on is not None  # only contracts with an end are swept
    # Ended early by the page, its shifts are already cancelled; ended by its date (or shortened
    # in the Django admin), this is where they go. Only shifts still scheduled: a second run has
    # nothing to do.
    _cancel_shifts_after_end(contract=contract, end_on=contract.end_on, by=None, now=now)
    # Only a contract running today keeps the account open: an agent re-hired from a later date
    # has no account in between, and open_started_contracts opens it on that date.
    staying = Contract.objects.filter(agent=agent).exclude(pk=contract.pk).active_on(today).exists()
    if not staying:
        go_offline(agent=agent, now=now)
        release_owned_callbacks(agent=agent)
        User.objects.filter(pk=agent.user_id).update(is_active=False)
        end_sessions(user_id=agent.user_id, now=now)
        # A re-hire logs in again and gets a new token, never the old one.
        revoke_tokens(user_id=agent.user_id)
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
