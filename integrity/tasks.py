"""Background jobs of integrity: thin, idempotent, calling services."""

from celery import shared_task
from django.utils import timezone

from integrity import qa
from integrity.services import detection


@shared_task(name="integrity.tasks.detect_duration_findings")
def detect_duration_findings() -> int:
    """Turn calls outside their duration policy into findings."""
    return detection.detect_duration_findings(now=timezone.now())


@shared_task(name="integrity.tasks.detect_low_output")
def detect_low_output() -> int:
    """Flag full days with too few connected calls."""
    return detection.detect_low_output(now=timezone.now())


@shared_task(name="integrity.tasks.draw_qa_sample")
def draw_qa_sample() -> int:
    """Put last week's sample of each agent's connected calls in the QA review list."""
    return qa.draw_weekly_samples(now=timezone.now())
