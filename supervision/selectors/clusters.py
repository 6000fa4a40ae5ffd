"""Reads for the cluster pages and API, scoped with Cluster.objects.for_user(): CPAM admins their
territory, ARS officers their region, national admins everything. A fixed number of queries."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agents.access import RequestUser
from cases.handoffs import CaseAtPlace, cluster_cases
from cases.models import Cluster, ClusterEvent, ClusterHandoff, Person

LIST_LIMIT = 200


def clusters_for(*, user: RequestUser, status: str = "") -> QuerySet[Cluster]:
    """Return the clusters the user may see, newest first, with their place, territory and
    number of cases."""
    clusters = (
        Cluster.objects.for_user(user)
        .select_related("place", "territory")
        .annotate(case_count=Count("memberships"))
        .order_by("-detected_at", "-pk")
    )
    if status:
        clusters = clusters.filter(status=status)
    return clusters


def access_cluster(*, user: RequestUser, pk: int) -> Cluster:
    """Return a cluster the user may see (404 otherwise: another territory, another region)."""
    return get_object_or_404(
        Cluster.objects.for_user(user).select_related(
            "place", "territory__region", "handed_off_by", "taken_by"
        ),
        pk=pk,
    )


@dataclass
class ClusterSummary:
    cases: int
    contacts: int
    contacts_at_place: int
    contacts_notified: int
    first_sample_on: date | None
    last_sample_on: date | None


@dataclass
class ClusterDetail:
    cluster: Cluster
    cases: list[CaseAtPlace]
    summary: ClusterSummary
    events: list[ClusterEvent]
    handoff: ClusterHandoff | None

    def persons_shown(self) -> list[Person]:
        """The persons the page names: the cases and their contacts at the place."""
        shown = {c.case.person_id: c.case.person for c in self.cases}
        shown.update({e.person_id: e.person for c in self.cases for e in c.at_place})
        return list(shown.values())


def cluster_detail(*, cluster: Cluster) -> ClusterDetail:
    """Return what a cluster's page shows: its cases with their contacts at the place, the
    figures, the timeline and the hand-off e-mail's state."""
    cases = cluster_cases(cluster)
    zone = cluster.territory.zone
    days = [timezone.localdate(c.case.sampled_at, zone) for c in cases]
    summary = ClusterSummary(
        cases=len(cases),
        contacts=sum(c.contacts_total for c in cases),
        contacts_at_place=sum(len(c.at_place) for c in cases),
        contacts_notified=sum(c.contacts_notified for c in cases),
        first_sample_on=min(days) if days else None,
        last_sample_on=max(days) if days else None,
    )
    return ClusterDetail(
        cluster=cluster,
        cases=cases,
        summary=summary,
        events=list(cluster.events.select_related("by")),
        handoff=ClusterHandoff.objects.filter(cluster=cluster).first(),
    )
