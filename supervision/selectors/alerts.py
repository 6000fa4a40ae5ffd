"""Reads for the alert list and the supervisor actions page, always scoped with for_user()."""

from django.shortcuts import get_object_or_404

from agents import roles
from agents.access import RequestUser
from agents.models import Agent, PauseReason
from calls.models import Assignment, CallTask
from supervision.models import Alert, SupervisorAction

# A list longer than this is a crisis the supervisor sees from its first rows; the page stays fast.
LIST_LIMIT = 200


def open_alerts(*, user: RequestUser) -> list[Alert]:
    """Return the open alerts the user may see, the newest first."""
    return list(
        Alert.objects.for_user(user)
        .open()
        .select_related(
            "agent__user",
            "agent__territory",
            "agent__team",
            "agent__pause_reason",
            "acknowledged_by",
        )
        .order_by("-raised_at", "-pk")[:LIST_LIMIT]
    )


def access_alert(*, user: RequestUser, pk: int) -> Alert:
    """Return an alert of the user's territory; 404 otherwise, so its existence stays secret."""
    return get_object_or_404(Alert.objects.for_user(user).select_related("agent"), pk=pk)


def access_task(*, user: RequestUser, pk: int) -> CallTask:
    """Return a call of the user's territory, for an action; 404 otherwise."""
    return get_object_or_404(
        CallTask.objects.for_user(user).select_related("reserved_for__user"), pk=pk
    )


def access_pause_reason(*, code: str) -> PauseReason | None:
    return PauseReason.objects.filter(code=code, active=True).first()


def held_calls(*, user: RequestUser) -> list[Assignment]:
    """Return the calls held by agents of the user's territory, the longest held first."""
    return list(
        Assignment.objects.filter(closed_at__isnull=True, task__in=CallTask.objects.for_user(user))
        .select_related("agent__user", "task__territory")
        .order_by("claimed_at", "pk")[:LIST_LIMIT]
    )


def held_call(*, task: CallTask) -> Assignment | None:
    """Return the open assignment of a call (who holds it, since when), or None."""
    return (
        Assignment.objects.filter(task=task, closed_at__isnull=True)
        .select_related("agent__user")
        .first()
    )


def owned_callbacks(*, user: RequestUser) -> list[CallTask]:
    """Return the callbacks waiting for the agent who booked them, the soonest due first."""
    return list(
        CallTask.objects.for_user(user)
        .filter(status=CallTask.Status.QUEUED, reserved_for__isnull=False)
        # A call handed to an agent by a supervisor is followed on the escalations page.
        .exclude(queue_band=CallTask.Band.HANDED)
        .select_related("reserved_for__user", "territory", "language")
        .order_by("not_before", "deadline_at", "pk")[:LIST_LIMIT]
    )


def callback_agents(*, user: RequestUser) -> list[Agent]:
    """Return the téléconseillers of the user's territory, with their languages (two queries)."""
    return list(
        Agent.objects.for_user(user)
        .filter(user__groups__name=roles.TELECONSEILLER, user__is_active=True)
        .select_related("user")
        .prefetch_related("languages")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def recent_actions(*, user: RequestUser) -> list[SupervisorAction]:
    """Return the supervisors' actions the user may see, the latest first."""
    return list(
        SupervisorAction.objects.for_user(user)
        # Names and labels, not ids and codes, in one query: the agent, the owner a callback was
        # taken from, the pause's reason, the call's person and why they are called.
        .select_related(
            "actor",
            "agent__user",
            "territory",
            "pause_reason",
            "previous_agent__user",
            "task__person",
            "task__exposure",
            "message__team__plateau",
            "message__plateau",
            "message__territory",
        )
        .order_by("-at", "-pk")[:LIST_LIMIT]
    )
