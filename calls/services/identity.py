"""The calls' side of a merge of two persons (intake.services.merge_persons): the calls move to
the surviving person, never leaving two open calls for one reason; undone for MERGE_UNDO_DAYS."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from calls.exceptions import CallOfPersonInProgress
from calls.models import CallTask, TaskEvent
from cases.models import Person

Status = CallTask.Status


@dataclass
class MovedCalls:
    task_ids: list[int] = field(default_factory=list)
    closed: list[dict] = field(default_factory=list)


def _open_tasks(person_ids: list[int]) -> list[CallTask]:
    return list(
        CallTask.objects.select_for_update()
        .open()
        .filter(person_id__in=person_ids)
        .order_by("deadline_at", "pk")
    )


def _snapshot(task: CallTask) -> dict:
    return {
        "id": task.pk,
        "status": task.status,
        "escalation_reason": task.escalation_reason,
        "escalated_at": task.escalated_at.isoformat() if task.escalated_at else None,
        "callback_at": task.callback_at.isoformat() if task.callback_at else None,
        "callable_until": task.callable_until.isoformat() if task.callable_until else None,
        "reserved_for": task.reserved_for_id,
    }


def move_calls_to_survivor(
    *, survivor: Person, merged: Person, by: User, now: datetime
) -> MovedCalls:
    """Move every call of the merged person to the survivor: of two open calls for one reason
    the earliest deadline stays and the other is closed as a duplicate; an open call for a reason
    either person was already reached for is closed too. Refused while an agent holds a call of
    either person."""
    open_tasks = _open_tasks([survivor.pk, merged.pk])
    if any(t.status == Status.ASSIGNED for t in open_tasks):
        raise CallOfPersonInProgress()
    reached = set(
        CallTask.objects.filter(
            person_id__in=[survivor.pk, merged.pk], status=Status.DONE
        ).values_list("reason", flat=True)
    )
    kept: dict[str, CallTask] = {}
    to_close: list[CallTask] = []
    for task in open_tasks:  # earliest deadline first
        if task.reason in reached or task.reason in kept:
            to_close.append(task)
        else:
            kept[task.reason] = task
    moved = MovedCalls(closed=[_snapshot(t) for t in to_close])
    if to_close:
        CallTask.objects.filter(pk__in=[t.pk for t in to_close]).update(
            status=Status.CLOSED,
            closed_at=now,
            closed_reason=CallTask.ClosedReason.DUPLICATE,
            escalation_reason="",
            reserved_for=None,
            callback_at=None,
            callable_until=None,
        )
        TaskEvent.objects.bulk_create(
            TaskEvent(
                task=t,
                kind=TaskEvent.Kind.CLOSED,
                from_status=t.status,
                to_status=Status.CLOSED,
                by=by,
                reason=CallTask.ClosedReason.DUPLICATE,
                note=f"merge #{merged.pk} → #{survivor.pk}",
                at=now,
            )
            for t in to_close
        )
    moved.task_ids = list(
        CallTask.objects.filter(person=merged).order_by("pk").values_list("pk", flat=True)
    )
    CallTask.objects.filter(pk__in=moved.task_ids).update(person=survivor)
    return moved


def move_calls_back(
    *,
    task_ids: list[int],
    closed: list[dict],
    survivor: Person,
    merged: Person,
    by: User,
    now: datetime,
) -> list[str]:
    """Undo move_calls_to_survivor: these calls go back to the merged person, and each call the
    merge closed is reopened unless its person was reached for that reason since (or already has
    an open call for it). Return what could not be reopened, in words."""
    locked = list(
        CallTask.objects.select_for_update().filter(
            person_id__in=[survivor.pk, merged.pk], status=Status.ASSIGNED
        )
    )
    if any(t.pk in task_ids or t.pk in {c["id"] for c in closed} for t in locked):
        raise CallOfPersonInProgress()
    CallTask.objects.filter(pk__in=task_ids, person=survivor).update(person=merged)
    notes: list[str] = []
    tasks = CallTask.objects.in_bulk([c["id"] for c in closed])
    for entry in closed:
        task = tasks.get(entry["id"])
        if task is None or task.status != Status.CLOSED:
            continue
        busy = CallTask.objects.filter(person_id=task.person_id, reason=task.reason).filter(
            status__in=(Status.DONE, *CallTask.OPEN_STATUSES)
        )
        if busy.exists():
            notes.append(
                _(
                    "The call « %(reason)s » closed by the merge stays closed: the person was "
                    "reached for it since, or has another call for it."
                )
                % {"reason": task.get_reason_display()}
            )
            continue
        status = entry["status"]
        if status == Status.ASSIGNED:
            status = Status.QUEUED
        CallTask.objects.filter(pk=task.pk, status=Status.CLOSED).update(
            status=status,
            closed_at=None,
            closed_reason="",
            escalation_reason=entry["escalation_reason"] if status == Status.ESCALATED else "",
            escalated_at=parse_datetime(entry["escalated_at"]) if entry["escalated_at"] else None,
            callback_at=parse_datetime(entry["callback_at"]) if entry["callback_at"] else None,
            callable_until=(
                parse_datetime(entry["callable_until"]) if entry["callable_until"] else None
            ),
            reserved_for_id=entry["reserved_for"],
        )
        TaskEvent.objects.create(
            task=task,
            kind=TaskEvent.Kind.REQUEUED,
            from_status=Status.CLOSED,
            to_status=status,
            by=by,
            reason="unmerge",
            note=f"unmerge #{merged.pk} ← #{survivor.pk}",
            at=now,
        )
    return notes
