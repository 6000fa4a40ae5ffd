"""Reads for the supervisors' pages, always scoped with for_user()."""

from django.db.models import QuerySet

from agents.access import RequestUser
from calls.models import CallTask

# A list longer than this is a crisis the supervisor sees from its first rows; the page stays fast.
LIST_LIMIT = 200


def _tasks_for(user: RequestUser) -> QuerySet[CallTask]:
    return CallTask.objects.for_user(user).select_related(
        "person", "territory", "language", "exposure", "lease_holder__user"
    )


def escalated_tasks(*, user: RequestUser) -> list[CallTask]:
    """Return the escalated tasks the user may see, the longest waiting first."""
    return list(
        _tasks_for(user)
        .filter(status=CallTask.Status.ESCALATED)
        .order_by("escalated_at", "deadline_at", "pk")[:LIST_LIMIT]
    )


def at_risk_tasks(*, user: RequestUser) -> list[CallTask]:
    """Return the open tasks flagged at risk of missing their deadline, the soonest deadline
    first."""
    return list(
        _tasks_for(user)
        .filter(
            status__in=[CallTask.Status.QUEUED, CallTask.Status.ASSIGNED],
            at_risk_since__isnull=False,
        )
        .order_by("deadline_at", "-priority", "pk")[:LIST_LIMIT]
    )
