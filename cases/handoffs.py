"""Handing a cluster to the region's ARS: the export (a versioned JSON document, docs/api.md),
the outbox row, and the e-mail sent once from it (DESIGN.md invariant 12)."""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.exceptions import InvalidClusterTransition, NoArsAddress
from cases.models import (
    Cluster,
    ClusterCase,
    ClusterEvent,
    ClusterHandoff,
    ClusterRule,
    Exposure,
    IndexCase,
)

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "tracing-center/cluster"
EXPORT_VERSION = 1


def _user_name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class CaseAtPlace:
    """A case of a cluster: its exposures at the place and its contacts' counts."""

    case: IndexCase
    at_place: list[Exposure]
    contacts_total: int
    contacts_notified: int


def cluster_cases(cluster: Cluster) -> list[CaseAtPlace]:
    """Return a cluster's cases with, for each, its person and phones, its exposures at the
    place (with their persons) and its contacts' counts: four queries whatever the number of
    cases."""
    at_place = (
        Exposure.objects.filter(place_id=cluster.place_id)
        .select_related("person")
        .order_by("last_exposure_date", "pk")
    )
    cases = (
        IndexCase.objects.filter(cluster_memberships__cluster=cluster)
        .select_related("person")
        .prefetch_related(
            "person__phones", Prefetch("exposures", queryset=at_place, to_attr="at_place")
        )
        .annotate(
            contacts_total=Count("exposures", distinct=True),
            contacts_notified=Count(
                "exposures", filter=Q(exposures__notification__isnull=False), distinct=True
            ),
        )
        .order_by("sampled_at", "pk")
    )
    return [
        CaseAtPlace(
            case=case,
            at_place=case.at_place,
            contacts_total=case.contacts_total,
            contacts_notified=case.contacts_notified,
        )
        for case in cases
    ]


def export_cluster(*, cluster: Cluster, now: datetime) -> dict:
    """Return the cluster as the ARS receives it (by e-mail, the page's download, the API):
    the place, the cases with the minimum identifying data the ARS needs to call them, their
    contacts' counts, and the timeline. Version 1, documented in docs/api.md."""
    cluster = Cluster.objects.select_related(
        "place", "territory__region", "handed_off_by", "taken_by"
    ).get(pk=cluster.pk)
    cases = cluster_cases(cluster)
    events = list(cluster.events.select_related("by"))
    rule = ClusterRule.objects.filter(place_type=cluster.place.type).first()
    region = cluster.territory.region
    sample_days = [timezone.localdate(c.case.sampled_at, cluster.territory.zone) for c in cases]
    place = cluster.place
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": now.isoformat(),
        "cluster": {
            "id": cluster.pk,
            "status": cluster.status,
            "detected_at": cluster.detected_at.isoformat(),
            "handed_off_at": cluster.handed_off_at.isoformat() if cluster.handed_off_at else None,
            "handed_off_by": _user_name(cluster.handed_off_by),
            "taken_by": _user_name(cluster.taken_by),
            "reason": cluster.reason,
            "territory": {"code": cluster.territory.code, "name": cluster.territory.name},
            "region": {"code": region.code, "name": region.name} if region else None,
        },
        "place": {
            "id": place.pk,
            "name": place.name,
            "type": place.type,
            "address": place.address,
            "postcode": place.postcode,
        },
        "rule": {"min_cases": rule.min_cases, "window_days": rule.window_days} if rule else None,
        "summary": {
            "cases": len(cases),
            "contacts": sum(c.contacts_total for c in cases),
            "contacts_at_place": sum(len(c.at_place) for c in cases),
            "contacts_notified": sum(c.contacts_notified for c in cases),
            "first_sample_date": min(sample_days).isoformat() if sample_days else None,
            "last_sample_date": max(sample_days).isoformat() if sample_days else None,
        },
        "cases": [
            {
                "id": row.case.pk,
                "external_ref": row.case.external_ref,
                "first_name": row.case.person.first_name,
                "last_name": row.case.person.last_name,
                "phone": next(
                    (p.number for p in row.case.person.phones.all() if p.retired_at is None),
                    None,
                ),
                "sample_date": day.isoformat(),
                "symptom_onset_date": (
                    row.case.symptom_onset_on.isoformat() if row.case.symptom_onset_on else None
                ),
                "last_exposure_at_place": (
                    max(e.last_exposure_date for e in row.at_place).isoformat()
                    if row.at_place
                    else None
                ),
                "contacts": {
                    "total": row.contacts_total,
                    "at_place": len(row.at_place),
                    "notified": row.contacts_notified,
                },
            }
            for row, day in zip(cases, sample_days, strict=True)
        ],
        "timeline": [
            {"at": e.at.isoformat(), "kind": e.kind, "by": _user_name(e.by), "note": e.note}
            for e in events
        ],
    }


@transaction.atomic
def hand_off_cluster(*, cluster: Cluster, by: User, now: datetime) -> ClusterHandoff:
    """Hand a detected cluster to its region's ARS: record who and when, and queue the e-mail
    (a row first, sent once after commit)."""
    region = cluster.territory.region
    if region is None or not region.ars_email:
        raise NoArsAddress
    moved = Cluster.objects.filter(pk=cluster.pk, status=Cluster.Status.DETECTED).update(
        status=Cluster.Status.HANDED_OFF, handed_off_at=now, handed_off_by=by
    )
    cluster.refresh_from_db()
    if not moved:
        raise InvalidClusterTransition(
            status=cluster.status, status_label=str(cluster.get_status_display())
        )
    ClusterEvent.objects.create(
        cluster=cluster, at=now, by=by, kind=ClusterEvent.Kind.HANDED_OFF, note=region.ars_email
    )
    handoff = ClusterHandoff.objects.create(
        cluster=cluster,
        to_email=region.ars_email,
        payload=export_cluster(cluster=cluster, now=now),
        created_at=now,
    )
    publish_handoff(handoff.pk)
    return handoff


# --- The outbox ----------------------------------------------------------------------------


def sendable(now: datetime) -> Q:
    """The hand-offs a worker may take: queued and due, or sending long after a worker took
    them (that worker was lost)."""
    stale = now - timedelta(seconds=settings.CLUSTER_HANDOFF_SENDING_TIMEOUT)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    lost = Q(claimed_at__isnull=True) | Q(claimed_at__lte=stale)
    return Q(due, status=ClusterHandoff.Status.QUEUED) | Q(
        lost, status=ClusterHandoff.Status.SENDING
    )


def publish_handoff(handoff_id: int) -> None:
    """Publish the sending once the transaction commits; never raise: with the broker down the
    row stays queued and the sweep publishes it."""
    transaction.on_commit(lambda: _publish(handoff_id))


def _publish(handoff_id: int) -> None:
    try:
        send_cluster_handoff.delay(handoff_id)
    except Exception:
        logger.exception("Could not publish cluster hand-off %s; the sweep will", handoff_id)


def handoff_email(handoff: ClusterHandoff) -> EmailMessage:
    """Return the e-mail to the ARS: a plain-text summary in French, the export attached."""
    payload = handoff.payload
    cluster_id = handoff.cluster_id
    with translation.override("fr"):
        summary = payload.get("summary", {})
        place = payload.get("place", {})
        territory = payload.get("cluster", {}).get("territory", {})
        subject = _("Cluster #%(id)d handed off: %(place)s (%(territory)s)") % {
            "id": cluster_id,
            "place": place.get("name", ""),
            "territory": territory.get("code", ""),
        }
        lines = [
            _("The CPAM %(territory)s hands off a cluster to your agency.")
            % {"territory": territory.get("name", "")},
            "",
            _("Place: %(name)s, %(address)s %(postcode)s")
            % {
                "name": place.get("name", ""),
                "address": place.get("address", ""),
                "postcode": place.get("postcode", ""),
            },
            _("Cases: %(cases)s; contacts: %(contacts)s, of whom %(notified)s notified.")
            % {
                "cases": summary.get("cases", 0),
                "contacts": summary.get("contacts", 0),
                "notified": summary.get("contacts_notified", 0),
            },
            _("First sample: %(first)s; last sample: %(last)s.")
            % {
                "first": summary.get("first_sample_date") or "—",
                "last": summary.get("last_sample_date") or "—",
            },
            "",
            _(
                "The attached file cluster-%(id)d.json holds the cases, their contacts' counts and "
                "the timeline (format described in the Tracing Center API documentation). It "
                "contains health data: keep it within your agency."
            )
            % {"id": cluster_id},
        ]
    message = EmailMessage(
        subject=subject,
        body="\n".join(lines) + "\n",
        to=[handoff.to_email],
        # The same id on every try: a message sent twice after a lost worker is one for the
        # receiving server.
        headers={"Message-ID": f"<cluster-handoff-{handoff.pk}@tracing-center>"},
    )
    message.attach(
        f"cluster-{cluster_id}.json",
        json.dumps(payload, ensure_ascii=False, indent=2),
        "application/json",
    )
    return message


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=settings.CLUSTER_HANDOFF_RETRY_BACKOFF * 2 ** max(attempts - 1, 0))


# The task lives next to the outbox it drives (hand_off_cluster publishes it without importing
# cases.tasks); its name is the contract with queued messages.
@shared_task(name="cases.tasks.send_cluster_handoff")
def send_cluster_handoff(handoff_id: int) -> str:
    """Send one hand-off e-mail: claim it (a conditional update: two workers never both send),
    send it, then mark it sent, or queued again after a backoff, or failed after
    CLUSTER_HANDOFF_MAX_ATTEMPTS tries (shown on the cluster's page)."""
    now = timezone.now()
    with transaction.atomic():
        claimed = ClusterHandoff.objects.filter(sendable(now), pk=handoff_id).update(
            status=ClusterHandoff.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    if not claimed:
        return "skipped"
    handoff = ClusterHandoff.objects.get(pk=handoff_id)
    mine = ClusterHandoff.objects.filter(
        pk=handoff_id, status=ClusterHandoff.Status.SENDING, claimed_at=now
    )
    try:
        handoff_email(handoff).send(fail_silently=False)
    except Exception as exc:  # SMTP errors, a refused connection, a timeout…
        error = f"{type(exc).__name__}: {exc}"[:255]
        with transaction.atomic():
            if handoff.attempts >= settings.CLUSTER_HANDOFF_MAX_ATTEMPTS:
                mine.update(status=ClusterHandoff.Status.FAILED, last_error=error, claimed_at=None)
                ClusterEvent.objects.create(
                    cluster_id=handoff.cluster_id,
                    at=timezone.now(),
                    kind=ClusterEvent.Kind.SEND_FAILED,
                    note=error,
                )
                logger.error("Cluster hand-off %s failed: %s", handoff_id, error)
                return "failed"
            mine.update(
                status=ClusterHandoff.Status.QUEUED,
                last_error=error,
                claimed_at=None,
                next_attempt_at=timezone.now() + retry_delay(handoff.attempts),
            )
        logger.warning(
            "Cluster hand-off %s not sent (try %s): %s", handoff_id, handoff.attempts, exc
        )
        return "retry"
    sent_at = timezone.now()
    with transaction.atomic():
        mine.update(
            status=ClusterHandoff.Status.SENT,
            sent_at=sent_at,
            last_error="",
            claimed_at=None,
            next_attempt_at=None,
        )
        ClusterEvent.objects.create(
            cluster_id=handoff.cluster_id,
            at=sent_at,
            kind=ClusterEvent.Kind.SENT,
            note=handoff.to_email,
        )
    return "sent"


def republish_handoffs(*, now: datetime) -> int:
    """Publish again the hand-offs a worker may take (due after a failure, lost while sending, or
    never published because the broker was down); return how many."""
    ids = list(
        ClusterHandoff.objects.filter(sendable(now))
        .order_by("pk")
        .values_list("pk", flat=True)[:100]
    )
    for handoff_id in ids:
        _publish(handoff_id)
    return len(ids)


@transaction.atomic
def retry_failed_handoff(*, handoff: ClusterHandoff) -> bool:
    """Queue again a hand-off that failed after every try (once the address or the mail server is
    fixed)."""
    updated = ClusterHandoff.objects.filter(
        pk=handoff.pk, status=ClusterHandoff.Status.FAILED
    ).update(status=ClusterHandoff.Status.QUEUED, attempts=0, next_attempt_at=None)
    if updated:
        publish_handoff(handoff.pk)
    return bool(updated)


def forget_cluster_details(*, person_ids: list[int]) -> int:
    """Empty what clusters hold about these persons (the retention purge): the exports kept with
    their hand-offs, and the free texts of their timeline and outcome. The clusters, their
    places, statuses and times stay."""
    cluster_ids = ClusterCase.objects.filter(index_case__person_id__in=person_ids).values(
        "cluster_id"
    )
    ClusterEvent.objects.filter(cluster_id__in=cluster_ids).exclude(note="").update(note="")
    Cluster.objects.filter(pk__in=cluster_ids).exclude(reason="").update(reason="")
    return (
        ClusterHandoff.objects.filter(cluster_id__in=cluster_ids)
        .exclude(payload={})
        .update(payload={})
    )
