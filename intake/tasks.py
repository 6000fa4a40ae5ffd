"""Background jobs of the intake: thin, idempotent, taking ids."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from intake import import_jobs


# Longer limits than the default minute: 20,000 rows take about a minute on SQLite. The sweep's
# staleness (CONTACT_IMPORT_STALE_MINUTES) is longer than the hard limit, so a job it takes back
# has no live worker left.
@shared_task(
    name="intake.tasks.run_contact_import",
    soft_time_limit=settings.CONTACT_IMPORT_TIME_LIMIT - 30,
    time_limit=settings.CONTACT_IMPORT_TIME_LIMIT,
)
def run_contact_import(job_id: int) -> str:
    """Import the contacts file of a queued job, all rows or none."""
    return import_jobs.run_contact_import(job_id=job_id)


@shared_task(name="intake.tasks.sweep_contact_imports")
def sweep_contact_imports() -> int:
    """Take back the imports whose worker stopped; publish again those left queued."""
    return import_jobs.sweep_contact_imports(now=timezone.now())
