"""Retention of identifying data: who may be forgotten depends on whether a call is still owed."""

from datetime import datetime

from django.db import transaction

from calls.models import CallTask
from calls.services.intake import forget_call_details
from cases.services import erase_identities, persons_past_retention


@transaction.atomic
def purge_expired_personal_data(*, now: datetime, batch_size: int = 5000) -> int:
    """Erase the identity of persons past the retention period; aggregate figures survive."""
    # A person still to be called keeps their identity until their last task closes.
    ids = list(
        persons_past_retention(now=now)
        .exclude(call_tasks__status__in=CallTask.OPEN_STATUSES)
        .values_list("pk", flat=True)[:batch_size]
    )
    if not ids:
        return 0
    forget_call_details(person_ids=ids)
    return erase_identities(person_ids=ids, now=now)
