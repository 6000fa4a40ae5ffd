"""Writes on the queue."""

from datetime import datetime

from django.db import transaction

from agents.models import Language, Territory
from calls.models import CallAttempt, CallTask
from cases.models import Exposure, IndexCase, Person


@transaction.atomic
def enqueue_call(
    *,
    person: Person,
    reason: str,
    territory: Territory,
    language: Language,
    deadline_at: datetime,
    now: datetime,
    priority: int = 0,
    index_case: IndexCase | None = None,
    exposure: Exposure | None = None,
) -> CallTask:
    """Queue a call, or tighten the deadline of the open task already queued for it."""
    # One open task per person and reason (a constraint): a contact named by two patients zéro
    # gets one call, due by the earlier deadline.
    existing = CallTask.objects.select_for_update().open().filter(person=person, reason=reason).first()
    if existing is not None:
        if deadline_at < existing.deadline_at:
            existing.deadline_at = deadline_at
            existing.save(update_fields=["deadline_at"])
        return existing
    return CallTask.objects.create(
        person=person,
        reason=reason,
        territory=territory,
        language=language,
        deadline_at=deadline_at,
        priority=priority,
        index_case=index_case,
        exposure=exposure,
        created_at=now,
    )


def forget_call_details(*, person_ids: list[int]) -> int:
    """Blank the dialled numbers and notes of these persons' calls; counts and times stay."""
    return CallAttempt.objects.filter(task__person_id__in=person_ids).exclude(phone="", notes="").update(phone="", notes="")
