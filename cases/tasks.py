"""Background jobs of the cases app: thin, idempotent, calling services."""

from celery import shared_task
from django.utils import timezone

from cases.services import purge_expired_personal_data as purge


@shared_task(name="cases.tasks.purge_expired_personal_data")
def purge_expired_personal_data() -> int:
    """Purge identities past retention, one batch per run (beat runs it every 30 minutes)."""
    return purge(now=timezone.now())
