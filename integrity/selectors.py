"""Reads of the integrity page, always scoped with for_user()."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from agents.access import RequestUser
from integrity.forms import STATE_ACKNOWLEDGED, STATE_OPEN
from integrity.models import Finding

# A list longer than this is read from its CSV export.
LIST_LIMIT = 500


@dataclass(frozen=True)
class FindingFilters:
    kind: str = ""
    start: date | None = None
    end: date | None = None
    state: str = STATE_OPEN


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
    return findings.select_related(
        "agent__user", "agent__team", "territory", "acknowledged_by", "attempt__task"
    ).order_by("-day", "agent__user__last_name", "agent_id", "kind", "pk")


def findings_by_agent(*, user: RequestUser, filters: FindingFilters) -> list[dict]:
    """Return per agent the number of findings (all, and not acknowledged) under the filters,
    the most first: one grouped query."""
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
            calls=Count("pk", filter=Q(attempt__isnull=False)),
        )
        .order_by("-total", "agent__user__last_name", "agent_id")
    )


def access_finding(*, user: RequestUser, pk: int) -> Finding:
    """Return a finding of the user's territory; 404 otherwise, so its existence stays secret."""
    return get_object_or_404(Finding.objects.for_user(user).select_related("agent"), pk=pk)
