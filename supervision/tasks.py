"""Background jobs of supervision: thin, idempotent, calling services."""

from celery import shared_task
from django.utils import timezone

from supervision.services import actions, board, hourly_calls, projection, sla


@shared_task(name="supervision.tasks.refresh_boards")
def refresh_boards() -> int:
    """Recompute every territory's board snapshot into the cache and raise or clear alerts."""
    return board.refresh_boards(now=timezone.now())


@shared_task(name="supervision.tasks.roll_up_sla")
def roll_up_sla() -> int:
    """Recompute the SLA figures of every territory for the days still open to a late reach."""
    return sla.roll_up_sla(now=timezone.now())


@shared_task(name="supervision.tasks.count_hourly_calls")
def count_hourly_calls() -> int:
    """Count the calls per territory of the hours over (and recount the last few) for the
    queue-health chart."""
    return hourly_calls.count_hourly_calls(now=timezone.now())


@shared_task(name="supervision.tasks.forget_purged_notes")
def forget_purged_notes() -> int:
    """Blank the supervisors' notes about calls whose person the purge has forgotten."""
    return actions.forget_notes_of_purged_persons()


@shared_task(name="supervision.tasks.project_queues")
def project_queues() -> int:
    """Run the backlog of every territory with calls due within 24 h through the queue simulator
    again where its inputs changed, for the queue-health page."""
    return projection.refresh_projections(now=timezone.now())
