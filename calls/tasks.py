"""Background jobs of the queue: thin, idempotent, taking ids."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from calls.models import JobHeartbeat
from calls.services import sweeps
from calls.services.retention import purge_expired_personal_data as purge

logger = logging.getLogger(__name__)

# The sweeps (calls.services.sweeps), run by beat every 30-60 s; each returns how many rows it
# moved.


@shared_task(name="calls.tasks.expire_leases")
def expire_leases() -> int:
    """Give back to the queue the tasks whose lease has expired."""
    return sweeps.expire_leases(now=timezone.now())


@shared_task(name="calls.tasks.release_callbacks")
def release_callbacks() -> int:
    """Open to all agents the due callbacks whose owner is offline."""
    return sweeps.release_callbacks(now=timezone.now())


@shared_task(name="calls.tasks.rejoin_due_retries")
def rejoin_due_retries() -> int:
    """Put the retries open to all whose time has come back in the queue's deadline order."""
    return sweeps.rejoin_due_retries(now=timezone.now())


@shared_task(name="calls.tasks.flag_at_risk")
def flag_at_risk() -> int:
    """Flag the queued tasks close to their deadline."""
    return sweeps.flag_at_risk(now=timezone.now())


@shared_task(name="calls.tasks.fallback_at_deadline")
def fallback_at_deadline() -> int:
    """Move the queued tasks past their deadline behind those in time, and text them once."""
    return sweeps.fallback_at_deadline(now=timezone.now())


@shared_task(name="calls.tasks.escalate_overdue")
def escalate_overdue() -> int:
    """Escalate the queued tasks whose late period is over."""
    return sweeps.escalate_overdue(now=timezone.now())


@shared_task(name="calls.tasks.set_absent_agents_offline")
def set_absent_agents_offline() -> int:
    """Set offline the agents whose desk has stopped beating."""
    return sweeps.set_absent_agents_offline(now=timezone.now())


@shared_task(name="calls.tasks.close_reached_duplicates")
def close_reached_duplicates() -> int:
    """Cancel the waiting tasks of people already reached for the same reason."""
    return sweeps.close_reached_duplicates(now=timezone.now())


@shared_task(name="calls.tasks.republish_sms")
def republish_sms() -> int:
    """Publish again the SMS of the outbox that are due or were lost while sending."""
    return sweeps.republish_sms(now=timezone.now())


# The name of the one heartbeat row: beat published the task and a worker ran it.
BEAT_AND_WORKER = "beat-and-worker"
# Its copy in the cache, read by every supervisor's page without a query.
HEARTBEAT_KEY = "jobs:heartbeat:beat-and-worker"


@shared_task(name="calls.tasks.heartbeat")
def heartbeat() -> None:
    """Say that beat and a worker are alive: beat publishes this every 30 s, a worker runs it.
    The row is the truth; the cache holds a copy (never expiring: a stale copy is the alarm)."""
    now = timezone.now()
    JobHeartbeat.objects.update_or_create(name=BEAT_AND_WORKER, defaults={"beat_at": now})
    try:
        cache.set(HEARTBEAT_KEY, now, timeout=None)
    except Exception:
        logger.warning("Cache unavailable: the jobs' heartbeat is in the database only")


# Named after the app that first held it, so that beat schedules and queued messages still find it.
@shared_task(name="cases.tasks.purge_expired_personal_data")
def purge_expired_personal_data() -> int:
    """Purge identities past retention, one batch per run (beat runs it every 30 minutes)."""
    return purge(now=timezone.now())
