"""Background jobs of cases: thin, idempotent, taking ids."""

from celery import shared_task
from django.utils import timezone

from cases import clusters, handoffs, identity


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


@shared_task(name="cases.tasks.find_duplicate_candidates")
def find_duplicate_candidates(person_ids: list[int]) -> int:
    """Look for the persons these new ones may duplicate (run after an intake commits)."""
    return identity.find_duplicate_candidates(now=timezone.now(), person_ids=person_ids)


@shared_task(name="cases.tasks.sweep_duplicate_candidates")
def sweep_duplicate_candidates() -> int:
    """Look again at the persons of the last days: an intake's task may have been lost."""
    return identity.find_duplicate_candidates(now=timezone.now())
