"""Background jobs of cases: thin, idempotent, taking ids."""

from celery import shared_task
from django.utils import timezone

from cases import clusters, handoffs


@shared_task(name="cases.tasks.detect_clusters")
def detect_clusters(place_ids: list[int]) -> int:
    """Look for clusters at these places (run after an intake naming them commits)."""
    return len(clusters.detect_clusters(now=timezone.now(), place_ids=place_ids))


@shared_task(name="cases.tasks.sweep_clusters")
def sweep_clusters() -> int:
    """Look for clusters at every place of recent exposures (an intake's task may have been
    lost), and publish again the hand-offs still to send."""
    now = timezone.now()
    found = len(clusters.detect_clusters(now=now))
    handoffs.republish_handoffs(now=now)
    return found
