"""Reads of the integrity page, always scoped with for_user()."""

from dataclasses import dataclass, field, replace
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from agents import roles
from agents.access import RequestUser
from agents.models import Agent
from integrity.forms import (
    EMPLOYER_IN_HOUSE,
    EMPLOYER_PROVIDERS,
    EMPLOYER_UNKNOWN,
    PROVIDER_PREFIX,
    STATE_ACKNOWLEDGED,
    STATE_ALL,
    STATE_OPEN,
)
from integrity.invoice_models import ProviderInvoice
from integrity.models import Finding

# A list longer than this is read from its CSV export.
LIST_LIMIT = 500


@dataclass(frozen=True)
class FindingFilters:
    kind: str = ""
    start: date | None = None
    end: date | None = None
    state: str = STATE_OPEN
    # "", EMPLOYER_IN_HOUSE, an Agent.Employer value, EMPLOYER_PROVIDERS, "provider:<name>" or
    # EMPLOYER_UNKNOWN.
    employer: str = ""


def _employer_filter(employer: str) -> Q:
    provider = Agent.Employer.PROVIDER
    if employer == EMPLOYER_IN_HOUSE:
        return Q(agent__isnull=False) & ~Q(agent__employer=provider)
    if employer == EMPLOYER_UNKNOWN:
        return Q(agent__isnull=True)
    if employer == EMPLOYER_PROVIDERS:
        return Q(agent__employer=provider)
    if employer.startswith(PROVIDER_PREFIX):
        return Q(agent__employer=provider, agent__provider_name=employer[len(PROVIDER_PREFIX) :])
    return Q(agent__employer=employer)


def filtered_findings(*, user: RequestUser, filters: FindingFilters) -> QuerySet[Finding]:
    """Return the findings the user may see, filtered; the newest day first, then by agent."""
    findings = Finding.objects.for_user(user)
    if filters.kind:
        findings = findings.filter(kind=filters.kind)
    if filters.start:
        findings = findings.filter(day__gte=filters.start)
    if filters.end:
        findings = findings.filter(day__lte=filters.end)
    if filters.state == STATE_OPEN:
        findings = findings.filter(acknowledged_at__isnull=True)
    elif filters.state == STATE_ACKNOWLEDGED:
        findings = findings.filter(acknowledged_at__isnull=False)
    if filters.employer:
        findings = findings.filter(_employer_filter(filters.employer))
    return findings.select_related(
        "agent__user", "agent__team", "territory", "acknowledged_by", "attempt__task"
    ).order_by("-day", "agent__user__last_name", "agent_id", "kind", "pk")


def findings_by_agent(*, user: RequestUser, filters: FindingFilters) -> list[dict]:
    """Return per agent the number of findings (all, not acknowledged, flags on days, about
    calls) under the filters, the most flagged first: one grouped query."""
    return list(
        filtered_findings(user=user, filters=filters)
        .select_related(None)
        .order_by()
        .values(
            "agent_id", "agent__user__username", "agent__user__first_name", "agent__user__last_name"
        )
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(acknowledged_at__isnull=True)),
            flags=Count("day", filter=Q(kind__in=Finding.FLAG_KINDS), distinct=True),
            calls=Count("pk", filter=Q(attempt__isnull=False)),
        )
        .order_by("-flags", "-total", "agent__user__last_name", "agent_id")
    )


def agents_by_employer(*, user: RequestUser) -> list[dict]:
    """Return the user's agents grouped by employer and provider: `employer`, `provider_name`
    and `active`, the number of active téléconseillers (a group of past agents only counts 0,
    so that their provider can still be chosen). One grouped query."""
    return list(
        Agent.objects.for_user(user)
        .order_by()
        .values("employer", "provider_name")
        .annotate(
            active=Count(
                "pk",
                distinct=True,
                filter=Q(user__is_active=True, user__groups__name=roles.TELECONSEILLER),
            )
        )
    )


def provider_names(agent_groups: list[dict]) -> list[str]:
    """Return the providers' names among groups from agents_by_employer(), sorted."""
    return sorted(
        {g["provider_name"] for g in agent_groups if g["employer"] == Agent.Employer.PROVIDER},
        key=str.casefold,
    )


@dataclass
class EmployerRow:
    """One line of the per-provider summary: a provider, the in-house staff, or the findings
    whose agent is unknown."""

    key: str  # the value of the employer filter that lists this row's findings
    provider: str = ""  # the provider's name; blank for the in-house staff and the unknown
    agents: int = 0
    agents_with_findings: int = 0
    open_by_kind: dict[str, int] = field(default_factory=dict)
    acknowledged: int = 0
    invoices: int = 0

    @property
    def open(self) -> int:
        return sum(self.open_by_kind.values())


def _row_key(employer: str | None, provider_name: str | None) -> str:
    if employer is None:
        return EMPLOYER_UNKNOWN
    if employer == Agent.Employer.PROVIDER:
        return f"{PROVIDER_PREFIX}{provider_name}"
    return EMPLOYER_IN_HOUSE


def findings_by_employer(
    *, user: RequestUser, filters: FindingFilters, agent_groups: list[dict], with_invoices: bool
) -> list[EmployerRow]:
    """Return per provider, and for the in-house staff as one row, the active agents, the agents
    with findings, the open findings per kind and the acknowledged ones under the filters' kind
    and days (whatever their acknowledgement or employer filter): the in-house staff first, then
    the providers by name. A fixed number of grouped queries, whatever the number of providers;
    one more for the invoices of each provider when `with_invoices`. `agent_groups` come from
    agents_by_employer(), read once for the filter form too."""
    rows: dict[str, EmployerRow] = {EMPLOYER_IN_HOUSE: EmployerRow(key=EMPLOYER_IN_HOUSE)}

    def row(key: str, provider: str = "") -> EmployerRow:
        if key not in rows:
            rows[key] = EmployerRow(key=key, provider=provider)
        return rows[key]

    for a in agent_groups:
        key = _row_key(a["employer"], a["provider_name"])
        row(key, a["provider_name"] if key != EMPLOYER_IN_HOUSE else "").agents += a["active"]

    findings = (
        filtered_findings(user=user, filters=replace(filters, state=STATE_ALL, employer=""))
        .select_related(None)
        .order_by()
    )
    per_kind = findings.values("agent__employer", "agent__provider_name", "kind").annotate(
        open=Count("pk", filter=Q(acknowledged_at__isnull=True)),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
    )
    for f in per_kind:
        key = _row_key(f["agent__employer"], f["agent__provider_name"])
        r = row(key, f["agent__provider_name"] if key.startswith(PROVIDER_PREFIX) else "")
        if f["open"]:
            r.open_by_kind[f["kind"]] = f["open"]
        r.acknowledged += f["acknowledged"]
    # Counted apart: an agent with findings of two kinds is one agent.
    per_group = findings.values("agent__employer", "agent__provider_name").annotate(
        agents=Count("agent_id", distinct=True)
    )
    for f in per_group:
        key = _row_key(f["agent__employer"], f["agent__provider_name"])
        if key in rows:
            rows[key].agents_with_findings += f["agents"]

    if with_invoices:
        invoices = (
            ProviderInvoice.objects.for_user(user)
            .order_by()
            .values("provider")
            .annotate(n=Count("pk"))
        )
        for i in invoices:
            row(f"{PROVIDER_PREFIX}{i['provider']}", i["provider"]).invoices = i["n"]

    in_house = rows.pop(EMPLOYER_IN_HOUSE)
    unknown = rows.pop(EMPLOYER_UNKNOWN, None)
    ordered = [in_house, *sorted(rows.values(), key=lambda r: r.provider.casefold())]
    return ordered + ([unknown] if unknown else [])


def access_finding(*, user: RequestUser, pk: int) -> Finding:
    """Return a finding of the user's territory; 404 otherwise, so its existence stays secret."""
    return get_object_or_404(Finding.objects.for_user(user).select_related("agent"), pk=pk)
