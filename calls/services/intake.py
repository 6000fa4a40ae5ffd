"""Queueing calls: one open task per person and reason; contacts recorded and queued together."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from agents.models import Language, Territory
from calls.models import (
    Assignment,
    CallAttempt,
    CallDraft,
    CallTask,
    CarrierCall,
    CarrierEvent,
    SmsMessage,
    TaskEvent,
)
from calls.services.channels import apply_channel_mode
from cases.models import Exposure, IndexCase, Person
from cases.services import ContactData, record_contacts
from common.admin_log import forget_admin_log

# Among equal deadlines, a patient zéro goes before a household contact, before other contacts.
PRIORITY_INDEX_INTERVIEW = 2
PRIORITY_HOUSEHOLD = 1
PRIORITY_CONTACT = 0


@dataclass
class RegisteredContact:
    exposure: Exposure
    task: CallTask


@dataclass(frozen=True)
class CallRequest:
    """A call to queue: who, why, by when."""

    person: Person
    reason: str
    territory: Territory
    language: Language
    deadline_at: datetime
    priority: int = 0
    index_case: IndexCase | None = None
    exposure: Exposure | None = None


@transaction.atomic
def enqueue_calls(*, requests: list[CallRequest], now: datetime) -> list[CallTask]:
    """Queue calls, one task per request, reusing (and tightening) an open task for the same call,
    and creating none for a person already reached for that reason."""
    # One open task per person and reason (a constraint): a contact named by two patients zéro
    # gets one call, due by the earlier deadline.
    # Invariant 7: a person reached for a reason is never called again for it; their reached
    # task stands for the new request.
    person_ids = sorted({r.person.pk for r in requests})
    open_tasks: dict[tuple[int, str], CallTask] = {}
    for i in range(0, len(person_ids), 500):
        chunk = person_ids[i : i + 500]
        for task in CallTask.objects.select_for_update().open().filter(person_id__in=chunk):
            open_tasks[(task.person_id, task.reason)] = task
        # Read after the lock: an outcome reaching one of these people may have committed while
        # we waited, turning its open task into a reached one.
        for task in CallTask.objects.filter(person_id__in=chunk, status=CallTask.Status.DONE):
            open_tasks[(task.person_id, task.reason)] = task
    created: list[CallTask] = []
    tightened: dict[int, CallTask] = {}
    result = []
    for r in requests:
        task = open_tasks.get((r.person.pk, r.reason))
        if task is None:
            task = CallTask(
                person=r.person,
                reason=r.reason,
                territory=r.territory,
                language=r.language,
                deadline_at=r.deadline_at,
                priority=r.priority,
                index_case=r.index_case,
                exposure=r.exposure,
                created_at=now,
            )
            open_tasks[(r.person.pk, r.reason)] = task
            created.append(task)
        elif task.status != CallTask.Status.DONE and r.deadline_at < task.deadline_at:
            task.deadline_at = r.deadline_at
            if task.pk:
                tightened[task.pk] = task
        result.append(task)
    CallTask.objects.bulk_create(created)
    CallTask.objects.bulk_update(list(tightened.values()), ["deadline_at"])
    return result


def enqueue_call(*, now: datetime, **request: Any) -> CallTask:
    """Queue one call (see enqueue_calls)."""
    return enqueue_calls(requests=[CallRequest(**request)], now=now)[0]


def forget_call_details(*, person_ids: list[int]) -> int:
    """Blank every copy of these persons' numbers and every free text about their calls (the
    dialled and to-dial numbers, notes, the SMS number and text, the admin log's names); counts,
    times, outcomes and reasons stay."""
    tasks = CallTask.objects.filter(person_id__in=person_ids)
    TaskEvent.objects.filter(task__in=tasks).exclude(note="").update(note="")
    # A draft left by an interrupted call is all free text about the person.
    CallDraft.objects.filter(assignment__task__in=tasks).delete()
    Assignment.objects.filter(task__in=tasks).exclude(phone="").update(phone="")
    # The carrier's record keeps its times and figures (the evidence behind the counts), not
    # the number; the events' payloads as received held it too.
    carrier_calls = CarrierCall.objects.filter(assignment__task__in=tasks)
    carrier_calls.exclude(number="").update(number="")
    CarrierEvent.objects.filter(call__in=carrier_calls).update(payload={})
    SmsMessage.objects.filter(task__in=tasks).exclude(phone="", body="", error="").update(
        phone="", body="", error=""
    )
    forget_admin_log(model=CallTask, object_ids=tasks.values_list("pk", flat=True))
    for related in (Assignment, CallAttempt, SmsMessage):
        rows = related._default_manager.filter(task__in=tasks)
        forget_admin_log(model=related, object_ids=rows.values_list("pk", flat=True))
    return (
        CallAttempt.objects.filter(task__in=tasks)
        .exclude(phone="", notes="")
        .update(phone="", notes="")
    )


def contact_priority(exposure: Exposure) -> int:
    """Return the priority of a contact's call: a household contact before other contacts."""
    return (
        PRIORITY_HOUSEHOLD
        if exposure.exposure_type == Exposure.Type.HOUSEHOLD
        else PRIORITY_CONTACT
    )


@transaction.atomic
def add_contacts(
    *, index_case: IndexCase, contacts: list[ContactData], now: datetime
) -> list[RegisteredContact]:
    """Record contacts of an index case and queue each one's call, due 24 h after identification."""
    exposures = record_contacts(index_case=index_case, contacts=contacts, now=now)
    deadline = timedelta(hours=settings.CONTACT_DEADLINE_HOURS)
    tasks = enqueue_calls(
        requests=[
            CallRequest(
                person=exposure.person,
                reason=CallTask.Reason.CONTACT_NOTIFICATION,
                territory=index_case.territory,
                language=exposure.person.language,
                deadline_at=exposure.identified_at + deadline,
                priority=contact_priority(exposure),
                exposure=exposure,
            )
            for exposure in exposures
        ],
        now=now,
    )
    # In the same transaction: a contact is never registered without its mode's first notice.
    apply_channel_mode(tasks=tasks, now=now)
    return [RegisteredContact(exposure=e, task=t) for e, t in zip(exposures, tasks, strict=True)]


def move_waiting_calls_to_language(*, person: Person, language: Language) -> int:
    """After a person's language is corrected, their calls still waiting in the queue go to agents
    who speak it (a call in progress keeps its agent); return how many moved."""
    return CallTask.objects.filter(person=person, status=CallTask.Status.QUEUED).update(
        language=language
    )
