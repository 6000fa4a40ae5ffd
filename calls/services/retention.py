"""Retention of identifying data: who may be forgotten depends on whether a call is still owed."""

from datetime import datetime

from django.db import transaction

from calls.models import CallTask
from calls.services.intake import forget_call_details
from calls.services.lifecycle import close_for_retention
from calls.services.messages import forget_old_messages
from cases.handoffs import forget_cluster_details
from cases.services import erase_identities, persons_past_retention

# A call still owed (waiting in a queue, late or not, or on an agent's desk) keeps its person's
# identity: the purge waits. An escalated call past the retention period is closed by the purge.
BLOCKING_STATUSES = (CallTask.Status.QUEUED, CallTask.Status.ASSIGNED)


@transaction.atomic
def purge_expired_personal_data(*, now: datetime, batch_size: int = 5000) -> int:
    """Erase every copy of the identity of persons past the retention period; aggregate figures
    (tasks, attempts, outcomes, times, SLA rows) survive. Supervisors' messages to desks past the
    same period go too, whoever they name."""
    forget_old_messages(now=now)
    ids = list(
        persons_past_retention(now=now)
        .exclude(call_tasks__status__in=BLOCKING_STATUSES)
        .values_list("pk", flat=True)[:batch_size]
    )
    if not ids:
        return 0
    close_for_retention(person_ids=ids, now=now)
    forget_call_details(person_ids=ids)
    forget_cluster_details(person_ids=ids)
    return erase_identities(person_ids=ids, now=now)
