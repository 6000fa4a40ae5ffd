"""Reads for the escalations page, always scoped with for_user(): the escalated calls, the calls
followed up after an escalation or past their deadline, the calls at risk, with each one's
history, SMS and the agents who may take it. A fixed number of queries, whatever the lists."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from agents import roles
from agents.access import RequestUser
from agents.models import Agent, Territory
from calls.models import CallTask, SmsMessage, TaskEvent

Status, Band = CallTask.Status, CallTask.Band

# A list longer than this is a crisis the supervisor sees from its first rows; the page stays fast.
LIST_LIMIT = 200


def _tasks_for(user: RequestUser) -> QuerySet[CallTask]:
    return CallTask.objects.for_user(user).select_related(
        "person", "territory", "language", "exposure", "lease_holder__user", "reserved_for__user"
    )


def _age_filter(age: str, now: datetime) -> Q:
    """How late a call is, by its deadline."""
    day = timedelta(days=1)
    return {
        "due": Q(deadline_at__gt=now),
        "day": Q(deadline_at__lte=now, deadline_at__gt=now - day),
        "days": Q(deadline_at__lte=now - day, deadline_at__gt=now - 3 * day),
        "older": Q(deadline_at__lte=now - 3 * day),
    }.get(age, Q())


def _filtered(tasks: QuerySet[CallTask], filters: dict, now: datetime) -> QuerySet[CallTask]:
    if "language" in filters:
        tasks = tasks.filter(language=filters["language"])
    if "age" in filters:
        tasks = tasks.filter(_age_filter(filters["age"], now))
    return tasks


def escalated_tasks(*, user: RequestUser, filters: dict, now: datetime) -> list[CallTask]:
    """Return the escalated tasks the user may see, the longest waiting first."""
    tasks = _tasks_for(user).filter(status=Status.ESCALATED)
    if "reason" in filters:
        tasks = tasks.filter(escalation_reason=filters["reason"])
    tasks = _filtered(tasks, filters, now)
    return list(tasks.order_by("escalated_at", "deadline_at", "pk")[:LIST_LIMIT])


def _followed() -> Q:
    # Handed to an agent by a supervisor, or past its deadline and still in the queue (or being
    # called): out of the escalation list, still owed.
    return Q(status__in=[Status.QUEUED, Status.ASSIGNED], queue_band__in=[Band.HANDED, Band.LATE])


def followed_tasks(*, user: RequestUser, filters: dict, now: datetime) -> list[CallTask]:
    """Return the tasks handed to an agent or past their deadline, still open: the soonest end of
    their late period first."""
    tasks = _filtered(_tasks_for(user).filter(_followed()), filters, now)
    return list(tasks.order_by("callable_until", "deadline_at", "pk")[:LIST_LIMIT])


def at_risk_tasks(*, user: RequestUser) -> list[CallTask]:
    """Return the tasks in time flagged at risk of missing their deadline, the soonest deadline
    first (those handed to an agent or already late are followed up above)."""
    return list(
        _tasks_for(user)
        .filter(
            status__in=[CallTask.Status.QUEUED, CallTask.Status.ASSIGNED],
            at_risk_since__isnull=False,
            queue_band=Band.IN_TIME,
        )
        .order_by("deadline_at", "-priority", "pk")[:LIST_LIMIT]
    )


@dataclass
class EscalationCounts:
    escalated: int
    by_reason: list[tuple[str, str, int]]  # (code, label, count)
    handed: int
    late: int


def escalation_counts(*, user: RequestUser) -> EscalationCounts:
    """Count the user's escalated calls by reason, and the calls followed up (one query)."""
    escalated = Q(status=Status.ESCALATED)
    waiting = Q(status__in=[Status.QUEUED, Status.ASSIGNED])
    aggregates = {
        "escalated": Count("pk", filter=escalated),
        "handed": Count("pk", filter=waiting & Q(queue_band=Band.HANDED)),
        "late": Count("pk", filter=waiting & Q(queue_band=Band.LATE)),
        **{
            f"reason_{code}": Count("pk", filter=escalated & Q(escalation_reason=code))
            for code in CallTask.Escalation.values
        },
    }
    counts = (
        CallTask.objects.for_user(user)
        .filter(status__in=CallTask.OPEN_STATUSES)
        .aggregate(**aggregates)
    )
    return EscalationCounts(
        escalated=counts["escalated"],
        by_reason=[
            (code, str(label), counts[f"reason_{code}"])
            for code, label in CallTask.Escalation.choices
        ],
        handed=counts["handed"],
        late=counts["late"],
    )


@dataclass
class TaskRow:
    """One call on the page, with what a supervisor needs to act on it."""

    task: CallTask
    events: list[TaskEvent] = field(default_factory=list)
    sms: SmsMessage | None = None
    candidates: list[Agent] = field(default_factory=list)


def task_rows(*, tasks: list[CallTask]) -> list[TaskRow]:
    """Attach to each task its history, its latest SMS and the téléconseillers who may take it:
    of its territory or of one it lends its calls to, speaking its language (five queries)."""
    ids = [t.pk for t in tasks]
    events: dict[int, list[TaskEvent]] = defaultdict(list)
    for event in (
        TaskEvent.objects.filter(task_id__in=ids)
        .select_related("by", "agent__user")
        .order_by("at", "pk")
    ):
        events[event.task_id].append(event)
    latest_sms: dict[int, SmsMessage] = {}
    for sms in SmsMessage.objects.filter(task_id__in=ids).order_by("created_at", "pk"):
        latest_sms[sms.task_id] = sms
    territory_ids = {t.territory_id for t in tasks}
    # The territories each one lends its calls to.
    lends: dict[int, set[int]] = defaultdict(set)
    for from_id, to_id in Territory.lends_to.through.objects.filter(
        from_territory_id__in=territory_ids
    ).values_list("from_territory_id", "to_territory_id"):
        lends[from_id].add(to_id)
    agents = list(
        Agent.objects.filter(
            territory_id__in=territory_ids | {t for ts in lends.values() for t in ts},
            user__is_active=True,
            user__groups__name=roles.TELECONSEILLER,
        )
        .select_related("user")
        .prefetch_related("languages")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    speaks = {a.pk: {lang.pk for lang in a.languages.all()} for a in agents}
    return [
        TaskRow(
            task=t,
            events=events[t.pk],
            sms=latest_sms.get(t.pk),
            candidates=[
                a
                for a in agents
                if t.language_id in speaks[a.pk]
                and (a.territory_id == t.territory_id or a.territory_id in lends[t.territory_id])
            ],
        )
        for t in tasks
    ]


def undelivered_sms(*, user: RequestUser) -> list[SmsMessage]:
    """Return the SMS of the user's territory the gateway refused: failed after every try (the
    outbox gave up on them) or failing and waiting for their next try; the oldest first."""
    return list(
        SmsMessage.objects.undelivered()
        .filter(task__in=CallTask.objects.for_user(user))
        .select_related("task__person", "task__territory", "task__exposure")
        .order_by("created_at", "pk")[:LIST_LIMIT]
    )


def access_undelivered_sms(*, user: RequestUser, pk: int) -> SmsMessage:
    """Return a message of the user's territory, or 404."""
    return get_object_or_404(
        SmsMessage.objects.filter(task__in=CallTask.objects.for_user(user)), pk=pk
    )
