"""Reads of contracts for pages and API: the list, an agent's history, end alerts, the headcount,
the shifts an end cancels and the contracts a bulk renewal matches, always scoped with
for_user()."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agents import roles
from agents.access import RequestUser
from agents.models import Agent, Language, Plateau, Territory
from common.exceptions import DomainError
from workforce.exceptions import FixedTermLimitExceeded
from workforce.models.contracts import Contract
from workforce.models.rota import Shift
from workforce.services.contracts import (
    MAX_BULK_RENEWAL,
    FixedTermLimits,
    fixed_term_chains,
    fixed_term_end,
    fixed_term_rules,
    limits_on,
    per_zone,
    renewal_breach,
    renewal_period,
    renewal_refusal,
)

STATUS_ACTIVE = "active"
STATUS_ENDED = "ended"
HEADCOUNT_WEEKS = 4
# The end-alert box is a to-do list: past this length it is a crisis its first rows show.
ALERT_LIMIT = 200


def _with_renewal(contracts: QuerySet) -> QuerySet:
    renewals = Contract.objects.filter(renews=OuterRef("pk")).order_by()
    return contracts.annotate(
        renewed=Exists(renewals), renewal_id=Subquery(renewals.values("pk")[:1])
    )


def contracts_for_list(
    *,
    user: RequestUser,
    now: datetime,
    kind: str = "",
    ending_within_days: int | None = None,
    status: str = "",
    agent_id: int | None = None,
) -> QuerySet:
    """Return the contracts the user may see, filtered, the soonest end first (CDIs last)."""
    contracts = _with_renewal(
        Contract.objects.for_user(user).select_related(
            "agent__user", "agent__territory", "limit_overridden_by"
        )
    )
    if kind:
        contracts = contracts.filter(kind=kind)
    if agent_id is not None:
        contracts = contracts.filter(agent_id=agent_id)
    # "Today" turns at each territory's own midnight: La Réunion is three hours ahead of Paris.
    if ending_within_days is not None:
        window = timedelta(days=ending_within_days)
        contracts = contracts.filter(
            per_zone(
                now=now, condition=lambda today: Q(end_on__gte=today, end_on__lte=today + window)
            )
        )
    if status == STATUS_ACTIVE:
        contracts = contracts.filter(
            per_zone(
                now=now, condition=lambda today: Q(end_on__isnull=True) | Q(end_on__gte=today)
            ),
            closed_at__isnull=True,
        )
    elif status == STATUS_ENDED:
        contracts = contracts.filter(
            per_zone(now=now, condition=lambda today: Q(end_on__lt=today))
            | Q(closed_at__isnull=False)
        )
    return contracts.order_by(F("end_on").asc(nulls_last=True), "agent__user__last_name", "pk")


def with_days_left(contracts: Iterable[Any], *, now: datetime) -> list[Contract]:
    """Set on each contract the days left until its end, in its territory's time zone (None for a
    CDI)."""
    # Contracts, typed Any: days_left is no field of the model, only an attribute for the pages.
    contracts = list(contracts)
    for contract in contracts:
        today = timezone.localdate(now, timezone=contract.agent.territory.zone)
        contract.days_left = (contract.end_on - today).days if contract.end_on else None
    return contracts


def access_contract(*, user: RequestUser, pk: int) -> Contract:
    """Return a contract of the user's territory; 404 otherwise, so its existence stays secret."""
    return get_object_or_404(
        _with_renewal(
            Contract.objects.for_user(user).select_related(
                "agent__user", "agent__territory", "limit_overridden_by"
            )
        ),
        pk=pk,
    )


def agent_contracts(*, agent: Agent) -> list[Contract]:
    """Return an agent's contracts, the oldest first: renewals follow what they renew."""
    contracts = (
        _with_renewal(Contract.objects.filter(agent=agent))
        .select_related("limit_overridden_by")
        .order_by("start_on", "pk")
    )
    for contract in contracts:
        # The agent is already loaded: no query per row for the territory's zone.
        contract.agent = agent
    return list(contracts)


def contract_end_alerts(*, user: RequestUser) -> list[Contract]:
    """Return the contracts whose end alert is raised and still pending: not seen, renewed nor
    carried out."""
    return list(
        _with_renewal(Contract.objects.for_user(user))
        .filter(
            end_alerted_at__isnull=False,
            end_acknowledged_at__isnull=True,
            closed_at__isnull=True,
            renewed=False,
        )
        .select_related("agent__user", "agent__territory", "limit_overridden_by")
        .order_by("end_on", "pk")[:ALERT_LIMIT]
    )


@dataclass(frozen=True)
class FixedTermStanding:
    """Where a CDD's chain stands against the legal limits: renewals so far, the latest end."""

    renewals: int
    limits: FixedTermLimits
    first_day: date
    last_day: date

    @property
    def renewals_left(self) -> int:
        return max(self.limits.max_renewals - self.renewals, 0)


def fixed_term_standing(*, contract: Contract) -> FixedTermStanding:
    """Return where the chain of this CDD stands against the limits in force after it (two
    queries)."""
    assert contract.end_on is not None  # a constraint: a CDD has an end
    chain = fixed_term_chains([contract])[contract.pk]
    limits = limits_on(fixed_term_rules(), contract.end_on + timedelta(days=1))
    return FixedTermStanding(
        renewals=chain.renewals,
        limits=limits,
        first_day=chain.first_day,
        last_day=fixed_term_end(start_on=chain.first_day, months=limits.max_total_months),
    )


@dataclass
class HeadcountRow:
    """Agents speaking a language (or all of them): how many now, how many leave each week, how many
    stay."""

    language: Language | None
    total: int = 0
    leaving: list[int] = field(default_factory=lambda: [0] * HEADCOUNT_WEEKS)

    @property
    def remaining(self) -> int:
        return self.total - sum(self.leaving)


@dataclass
class Headcount:
    weeks: list[tuple[date, date]]
    rows: list[HeadcountRow]
    all_agents: HeadcountRow


def headcount(*, territory: Territory, today: date) -> Headcount:
    """Count a territory's active téléconseillers by language, and those whose last contract ends in
    each of the next four weeks (three queries, whatever the number of agents)."""
    weeks = [
        (today + timedelta(days=7 * k), today + timedelta(days=7 * k + 6))
        for k in range(HEADCOUNT_WEEKS)
    ]
    teleconseillers = User.groups.through.objects.filter(
        user_id=OuterRef("user_id"), group__name=roles.TELECONSEILLER
    )
    agents = Agent.objects.filter(territory=territory, user__is_active=True).filter(
        Exists(teleconseillers)
    )
    # An agent leaves when their last contract ends, unless a CDI keeps them; an agent without a
    # contract (an outsourced provider's) stays.
    ends = {
        pk: (None if permanent else last_end)
        for pk, permanent, last_end in agents.annotate(
            permanent=Exists(Contract.objects.filter(agent_id=OuterRef("pk"), end_on__isnull=True)),
            last_end=Max("contracts__end_on"),
        ).values_list("pk", "permanent", "last_end")
        # A contract already over: the account goes at the next sweep; not part of the headcount.
        if permanent or last_end is None or last_end >= today
    }
    links = (
        Agent.languages.through.objects.filter(agent__in=agents)
        .select_related("language")
        .order_by("language__name_fr")
    )
    by_language: dict[str, HeadcountRow] = {}
    all_agents = HeadcountRow(language=None)
    for end_on in ends.values():
        _count(all_agents, end_on, weeks)
    for link in links:
        if link.agent_id not in ends:
            continue
        row = by_language.setdefault(link.language_id, HeadcountRow(language=link.language))
        _count(row, ends[link.agent_id], weeks)
    rows = sorted(by_language.values(), key=lambda row: (-row.total, str(row.language)))
    return Headcount(weeks=weeks, rows=rows, all_agents=all_agents)


def _count(row: HeadcountRow, end_on: date | None, weeks: list[tuple[date, date]]) -> None:
    row.total += 1
    for index, (first, last) in enumerate(weeks):
        if end_on is not None and first <= end_on <= last:
            row.leaving[index] += 1


def shifts_cancelled_by_end(*, contract: Contract, end_on: date) -> list[Shift]:
    """Return the shifts an end of the contract on `end_on` would cancel: what the admin sees
    before confirming."""
    return list(
        Shift.objects.after_contract_end(contract=contract, end_on=end_on)
        .select_related("plateau")
        .order_by("starts_at", "pk")
    )


@dataclass(frozen=True)
class RenewalPreview:
    """A contract a bulk renewal matched: its renewal's dates, or why it cannot be renewed."""

    contract: Contract
    refusal: DomainError | None
    start_on: date | None
    end_on: date | None

    @property
    def renewable(self) -> bool:
        return self.refusal is None

    @property
    def overridable(self) -> bool:
        """Only the legal limits of a CDD stand in the way: an admin may override them."""
        return isinstance(self.refusal, FixedTermLimitExceeded)


def renewal_preview(*, contract: Contract, months: int) -> RenewalPreview:
    """Return what renewing one contract by `months` months would do: its renewal's dates, or why
    it cannot be renewed (the legal limits of a CDD: an admin may override them). Three queries."""
    followed = Contract.objects.filter(
        agent_id=contract.agent_id, start_on__gt=contract.start_on
    ).exists()
    refusal: DomainError | None = renewal_refusal(
        contract=contract, renewed=bool(getattr(contract, "renewed", False)), followed=followed
    )
    if refusal is None:
        refusal = renewal_breach(
            contract, months, chains=fixed_term_chains([contract]), rules=fixed_term_rules()
        )
    start_on, end_on = (
        renewal_period(contract=contract, months=months)
        if refusal is None or isinstance(refusal, FixedTermLimitExceeded)
        else (None, None)
    )
    return RenewalPreview(contract=contract, refusal=refusal, start_on=start_on, end_on=end_on)


@dataclass(frozen=True)
class BulkRenewalMatch:
    rows: list[RenewalPreview]
    # More contracts matched than one renewal takes: the filters must narrow the list.
    truncated: bool

    @property
    def renewable(self) -> list[RenewalPreview]:
        return [row for row in self.rows if row.renewable]

    @property
    def overridable(self) -> list[RenewalPreview]:
        return [row for row in self.rows if row.overridable]


def bulk_renewal_candidates(
    *,
    user: RequestUser,
    ending_by: date,
    months: int,
    plateau: Plateau | None = None,
    language: Language | None = None,
) -> BulkRenewalMatch:
    """Return the fixed-term contracts of the user's territory that end on or before `ending_by`
    and are not renewed nor carried out yet (of a plateau, of agents speaking a language), each
    with its renewal or the reason it has none (a contract beyond the legal limits of a CDD shows
    both): four queries.

    The soonest end first; at most MAX_BULK_RENEWAL of them.
    """
    contracts = (
        Contract.objects.for_user(user)
        .filter(kind=Contract.Kind.CDD, closed_at__isnull=True, end_on__lte=ending_by)
        .with_successors()
        .filter(renewed=False)
        .select_related("agent__user", "agent__territory", "agent__plateau")
    )
    if plateau is not None:
        contracts = contracts.filter(agent__plateau=plateau)
    if language is not None:
        speakers = Agent.languages.through.objects.filter(
            agent_id=OuterRef("agent_id"), language_id=language.pk
        )
        contracts = contracts.filter(Exists(speakers))
    found = list(
        contracts.order_by("end_on", "agent__user__last_name", "agent__user__first_name", "pk")[
            : MAX_BULK_RENEWAL + 1
        ]
    )
    rows = []
    kept = found[:MAX_BULK_RENEWAL]
    chains, rules = fixed_term_chains(kept), fixed_term_rules()
    for contract in kept:
        refusal: DomainError | None = renewal_refusal(
            contract=contract, renewed=contract.renewed, followed=contract.followed, in_bulk=True
        )
        if refusal is None:
            refusal = renewal_breach(contract, months, chains=chains, rules=rules)
        start_on, end_on = (
            renewal_period(contract=contract, months=months)
            if refusal is None or isinstance(refusal, FixedTermLimitExceeded)
            else (None, None)
        )
        rows.append(
            RenewalPreview(contract=contract, refusal=refusal, start_on=start_on, end_on=end_on)
        )
    return BulkRenewalMatch(rows=rows, truncated=len(found) > MAX_BULK_RENEWAL)


def access_contracts(*, user: RequestUser, pks: Collection[int]) -> list[Contract]:
    """Return these contracts of the user's territory; 404 if one is not, so that none of another
    territory's contracts is ever confirmed to exist."""
    wanted = set(pks)
    contracts = list(
        _with_renewal(Contract.objects.for_user(user))
        .filter(pk__in=wanted)
        .select_related("agent__user", "agent__territory", "limit_overridden_by")
        .order_by("pk")
    )
    if len(contracts) != len(wanted):
        raise Http404("No such contract in your territory.")
    return contracts
