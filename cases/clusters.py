"""Clusters: several confirmed cases at one place (docs/clusters.md).

A case "is at" a place when one of its exposures names that place: the patient zéro was there
with the contact. A place's type has a rule (ClusterRule, data): at least `min_cases` cases
whose latest exposure at the place falls within `window_days` consecutive days make a cluster.
Detection is idempotent and set-based; one open cluster per place, which a new case joins.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.exceptions import InvalidClusterTransition
from cases.models import Cluster, ClusterCase, ClusterEvent, ClusterRule, Exposure, Place


def _first_window(days: list[tuple[date, int]], *, min_cases: int, window_days: int) -> date | None:
    """Return the first day of the earliest run of `min_cases` cases within `window_days`
    consecutive days (days sorted), or None."""
    for start in range(len(days)):
        end = start + min_cases - 1
        if end >= len(days):
            return None
        if (days[end][0] - days[start][0]).days <= window_days - 1:
            return days[start][0]
    return None


def _lock_places(place_ids: list[int]) -> None:
    # Two detections at once (an intake's task and the sweep) must not both open a cluster for
    # the same place: on PostgreSQL the places' rows serialize them (in id order: no deadlock).
    # SQLite runs one writer at a time already.
    if connection.vendor == "postgresql" and place_ids:
        list(
            Place.objects.select_for_update()
            .filter(pk__in=place_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


@transaction.atomic
def detect_clusters(*, now: datetime, place_ids: Iterable[int] | None = None) -> list[int]:
    """Open the clusters the rules call for and add new cases to open ones, at these places
    (every place with a recent exposure when None); return the clusters opened or grown."""
    since = timezone.localdate(now) - timedelta(days=settings.CLUSTER_DETECTION_DAYS)
    recent = Exposure.objects.filter(place__isnull=False, last_exposure_date__gte=since)
    if place_ids is not None:
        recent = recent.filter(place_id__in=list(place_ids))
    places = sorted(recent.order_by().values_list("place_id", flat=True).distinct())
    if not places:
        return []
    _lock_places(places)

    already = ClusterCase.objects.filter(
        cluster__place_id=OuterRef("place_id"), index_case_id=OuterRef("index_case_id")
    )
    candidates = (
        recent.filter(place_id__in=places)
        .exclude(Exists(already))
        .values("place_id", "place__type", "place__territory_id", "index_case_id")
        .annotate(day=Max("last_exposure_date"))
        .order_by()
    )
    by_place: dict[int, list[tuple[date, int]]] = defaultdict(list)
    place_info: dict[int, tuple[str, int]] = {}
    for row in candidates:
        by_place[row["place_id"]].append((row["day"], row["index_case_id"]))
        place_info[row["place_id"]] = (row["place__type"], row["place__territory_id"])
    if not by_place:
        return []
    rules = {rule.place_type: rule for rule in ClusterRule.objects.all()}
    open_clusters = {c.place_id: c for c in Cluster.objects.open().filter(place_id__in=by_place)}

    joining: dict[int, list[int]] = {}  # cluster id → new case ids
    opening: list[tuple[Cluster, list[int]]] = []
    for place_id, days in by_place.items():
        days.sort()
        cluster = open_clusters.get(place_id)
        if cluster is not None:
            joining[cluster.pk] = [case_id for _day, case_id in days]
            continue
        place_type, territory_id = place_info[place_id]
        rule = rules.get(place_type)
        if rule is None:
            continue
        start = _first_window(days, min_cases=rule.min_cases, window_days=rule.window_days)
        if start is None:
            continue
        # The cases of the first window and every later one: an older case stays out.
        members = [case_id for day, case_id in days if day >= start]
        opening.append(
            (Cluster(place_id=place_id, territory_id=territory_id, detected_at=now), members)
        )

    Cluster.objects.bulk_create([cluster for cluster, _members in opening])
    memberships = [
        ClusterCase(cluster_id=cluster.pk, index_case_id=case_id, added_at=now)
        for cluster, members in opening
        for case_id in members
    ] + [
        ClusterCase(cluster_id=cluster_id, index_case_id=case_id, added_at=now)
        for cluster_id, case_ids in joining.items()
        for case_id in case_ids
    ]
    ClusterCase.objects.bulk_create(memberships)
    events = [
        ClusterEvent(
            cluster_id=cluster.pk,
            at=now,
            kind=ClusterEvent.Kind.DETECTED,
            note=ngettext(
                "%(count)d case at the place.", "%(count)d cases at the place.", len(members)
            )
            % {"count": len(members)},
        )
        for cluster, members in opening
    ] + [
        ClusterEvent(
            cluster_id=cluster_id,
            at=now,
            kind=ClusterEvent.Kind.CASE_ADDED,
            note=_("Index case #%(id)d.") % {"id": case_id},
        )
        for cluster_id, case_ids in joining.items()
        for case_id in case_ids
    ]
    ClusterEvent.objects.bulk_create(events)
    return [cluster.pk for cluster, _members in opening] + list(joining)


def _move(
    *,
    cluster: Cluster,
    allowed: tuple[str, ...],
    to: str,
    changes: dict,
    event: str,
    by: User,
    now: datetime,
    note: str = "",
) -> Cluster:
    # A conditional update: two people acting on the same cluster at once, one of them wins and
    # the other is told, whatever the page they acted from showed.
    moved = Cluster.objects.filter(pk=cluster.pk, status__in=allowed).update(status=to, **changes)
    cluster.refresh_from_db()
    if not moved:
        raise InvalidClusterTransition(
            status=cluster.status, status_label=str(cluster.get_status_display())
        )
    ClusterEvent.objects.create(cluster=cluster, at=now, by=by, kind=event, note=note)
    return cluster


@transaction.atomic
def take_cluster(*, cluster: Cluster, by: User, now: datetime) -> Cluster:
    """Mark a handed-off cluster under investigation by the ARS (who took it is recorded)."""
    return _move(
        cluster=cluster,
        allowed=(Cluster.Status.HANDED_OFF,),
        to=Cluster.Status.UNDER_INVESTIGATION,
        changes={"taken_by": by, "taken_at": now},
        event=ClusterEvent.Kind.TAKEN,
        by=by,
        now=now,
    )


@transaction.atomic
def close_cluster(*, cluster: Cluster, by: User, reason: str, now: datetime) -> Cluster:
    """Close a cluster the ARS has handled, with the reason."""
    return _move(
        cluster=cluster,
        allowed=(Cluster.Status.HANDED_OFF, Cluster.Status.UNDER_INVESTIGATION),
        to=Cluster.Status.CLOSED,
        changes={"ended_at": now, "reason": reason},
        event=ClusterEvent.Kind.CLOSED,
        by=by,
        now=now,
        note=reason,
    )


@transaction.atomic
def return_cluster(*, cluster: Cluster, by: User, reason: str, now: datetime) -> Cluster:
    """Give a cluster back to its CPAM, with the reason its admins will read."""
    return _move(
        cluster=cluster,
        allowed=(Cluster.Status.HANDED_OFF, Cluster.Status.UNDER_INVESTIGATION),
        to=Cluster.Status.RETURNED,
        changes={"ended_at": now, "reason": reason},
        event=ClusterEvent.Kind.RETURNED,
        by=by,
        now=now,
        note=reason,
    )
