"""Background jobs of integrity: thin, idempotent, calling services."""

from celery import shared_task
from django.utils import timezone

from integrity import qa, reconciliation
from integrity.services import detection, findings


@shared_task(name="integrity.tasks.detect_duration_findings")
def detect_duration_findings() -> int:
    """Turn calls outside their duration policy into findings."""
    return detection.detect_duration_findings(now=timezone.now())


@shared_task(name="integrity.tasks.detect_day_flags")
def detect_day_flags() -> int:
    """Judge the agents' days that are over: low output, little time on calls, wrap-up past its
    limits, pauses past their cap, repeated findings on the day's calls."""
    return detection.detect_day_flags(now=timezone.now())


@shared_task(name="integrity.tasks.forget_purged_notes")
def forget_purged_notes() -> int:
    """Blank the notes of findings whose person was purged (integrity's step of the purge)."""
    return findings.forget_notes_of_purged_persons()


@shared_task(name="integrity.tasks.reconcile_carrier")
def reconcile_carrier() -> int:
    """Set the attempts against the carrier's record of their calls, and back."""
    return reconciliation.reconcile(now=timezone.now())


@shared_task(name="integrity.tasks.draw_qa_sample")
def draw_qa_sample() -> int:
    """Put last week's sample of each agent's connected calls in the QA review list."""
    return qa.draw_weekly_samples(now=timezone.now())
