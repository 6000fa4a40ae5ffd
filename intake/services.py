"""The one intake under the API, the form and the CSV import: the case (cases), then its calls
(calls), in one transaction."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from agents.models import Language, Territory
from calls.models import CallTask
from calls.services.identity import move_calls_back, move_calls_to_survivor
from calls.services.intake import (
    PRIORITY_INDEX_INTERVIEW,
    RegisteredContact,
    add_contacts,
    enqueue_call,
    move_waiting_calls_to_language,
)
from cases.identity import (
    MERGE_UNDO_DAYS,
    merge_undo_deadline,
    name_key,
    publish_duplicate_search,
)
from cases.models import IndexCase, Person, PersonMerge
from cases.services import (
    ContactData,
    PersonData,
    create_index_case,
    lock_territories,
    move_person_rows,
    move_person_rows_back,
    record_merge,
    record_unmerge,
)
from common.admin_log import log_admin_change
from intake.exceptions import MergeRefused


@dataclass
class IntakeResult:
    index_case: IndexCase
    created: bool
    task: CallTask | None = None
    contacts: list[RegisteredContact] = field(default_factory=list)


def register_index_case(
    *,
    territory: Territory,
    person: PersonData,
    sampled_at: datetime,
    source: str,
    now: datetime,
    contacts: Sequence[ContactData] = (),
    symptom_onset_on: date | None = None,
    external_ref: str = "",
    created_by: User | None = None,
) -> IntakeResult:
    """Register a patient zéro and their contacts in one transaction, queueing every call."""
    external_ref = external_ref.strip()
    for attempt in range(2):
        if external_ref:
            existing = IndexCase.objects.filter(
                territory=territory, external_ref=external_ref
            ).first()
            if existing is not None:
                return _existing_result(existing)
        try:
            with transaction.atomic():
                return _register(
                    territory=territory,
                    person=person,
                    sampled_at=sampled_at,
                    source=source,
                    now=now,
                    contacts=contacts,
                    symptom_onset_on=symptom_onset_on,
                    external_ref=external_ref,
                    created_by=created_by,
                )
        except IntegrityError:
            # A concurrent intake committed the same reference, or queued the same contact:
            # once more, the second pass finds what the first one lost to and reuses it.
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def _register(
    *,
    territory: Territory,
    person: PersonData,
    sampled_at: datetime,
    source: str,
    now: datetime,
    contacts: Sequence[ContactData],
    symptom_onset_on: date | None,
    external_ref: str,
    created_by: User | None,
) -> IntakeResult:
    index_case = create_index_case(
        territory=territory,
        person=person,
        sampled_at=sampled_at,
        source=source,
        now=now,
        symptom_onset_on=symptom_onset_on,
        external_ref=external_ref,
        created_by=created_by,
    )
    index_person = index_case.person
    task = enqueue_call(
        person=index_person,
        reason=CallTask.Reason.INDEX_INTERVIEW,
        territory=territory,
        language=index_person.language,
        deadline_at=now + timedelta(hours=settings.INDEX_CASE_DEADLINE_HOURS),
        priority=PRIORITY_INDEX_INTERVIEW,
        index_case=index_case,
        now=now,
    )
    registered = add_contacts(index_case=index_case, contacts=list(contacts), now=now)
    return IntakeResult(index_case=index_case, created=True, task=task, contacts=registered)


def _existing_result(index_case: IndexCase) -> IntakeResult:
    exposures = list(index_case.exposures.order_by("pk"))
    # A contact's task may belong to an earlier exposure of the same person (one call per person).
    task_by_person = {}
    for task in CallTask.objects.filter(
        person__in=[e.person_id for e in exposures], reason=CallTask.Reason.CONTACT_NOTIFICATION
    ).order_by("created_at"):
        task_by_person[task.person_id] = task
    contacts = [RegisteredContact(exposure=e, task=task_by_person[e.person_id]) for e in exposures]
    task = (
        index_case.call_tasks.filter(reason=CallTask.Reason.INDEX_INTERVIEW)
        .order_by("-created_at")
        .first()
    )
    return IntakeResult(index_case=index_case, created=False, task=task, contacts=contacts)


@transaction.atomic
def update_index_case(
    *,
    index_case: IndexCase,
    first_name: str,
    last_name: str,
    birth_date: date | None,
    language: Language,
    sampled_at: datetime,
    symptom_onset_on: date | None,
    external_ref: str,
) -> IndexCase:
    """Correct a patient zéro's identity and case. A new language also moves the person's calls
    still waiting in the queue to agents who speak it; deadlines do not move."""
    person = index_case.person
    Person.objects.filter(pk=person.pk).update(
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        language=language,
        name_key=name_key(first_name, last_name),
    )
    if language.pk != person.language_id:
        move_waiting_calls_to_language(person=person, language=language)
    publish_duplicate_search([person.pk])
    IndexCase.objects.filter(pk=index_case.pk).update(
        sampled_at=sampled_at, symptom_onset_on=symptom_onset_on, external_ref=external_ref
    )
    index_case.refresh_from_db()
    return index_case


def add_contacts_later(
    *, index_case: IndexCase, contacts: Sequence[ContactData], now: datetime
) -> list[RegisteredContact]:
    """Add contacts named after the intake to a case, and queue each one's call (due 24 h from
    now): all of them, or none."""
    with transaction.atomic():
        return add_contacts(index_case=index_case, contacts=list(contacts), now=now)


# A doctor's file number is theirs: namespaced by their RPPS number, so that two doctors' "2024-12"
# are two cases (and a laboratory's reference never answers a doctor's declaration).
DOCTOR_REF_SEPARATOR = "/"
FILE_NUMBER_MAX_LENGTH = 64 - 11 - len(DOCTOR_REF_SEPARATOR)


def doctor_external_ref(*, rpps: str, file_number: str) -> str:
    """Return the case's external reference for a doctor's file number ("" for none)."""
    file_number = file_number.strip()
    return f"{rpps}{DOCTOR_REF_SEPARATOR}{file_number}" if file_number else ""


def doctor_file_number(external_ref: str) -> str:
    """Return the doctor's own file number from a declared case's external reference."""
    return external_ref.partition(DOCTOR_REF_SEPARATOR)[2] or external_ref


@transaction.atomic
def merge_persons(*, survivor: Person, merged: Person, by: User, now: datetime) -> PersonMerge:
    """Merge one person into another: their phones, cases, exposures and calls move to the
    survivor (one open call per reason), the merged person stays as a tombstone; undoable for
    MERGE_UNDO_DAYS with unmerge_persons."""
    if survivor.pk == merged.pk:
        raise MergeRefused(_("A person cannot be merged with themselves."))
    # Intakes in flight first (they lock their territory shared), then both persons, in id
    # order, so that two merges of the same person wait on each other.
    lock_territories(territory_ids=[survivor.territory_id, merged.territory_id])
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update()
        .filter(pk__in=[survivor.pk, merged.pk])
        .order_by("pk")
    }
    for person in locked.values():
        if person.merged_into_id is not None:
            raise MergeRefused(
                _("%(person)s was already merged into another person.") % {"person": person}
            )
        if person.purged_at is not None:
            raise MergeRefused(_("A person whose identity was purged cannot be merged."))
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    calls = move_calls_to_survivor(survivor=survivor, merged=merged, by=by, now=now)
    moved = move_person_rows(survivor=survivor, merged=merged, now=now)
    moved["calls.CallTask"] = calls.task_ids
    merge = record_merge(
        survivor=survivor, merged=merged, by=by, now=now, moved=moved, closed_tasks=calls.closed
    )
    log_admin_change(
        user=by,
        objects=[survivor, merged],
        message=f"Merge #{merge.pk}: person #{merged.pk} merged into #{survivor.pk}",
    )
    return merge


@dataclass
class UnmergeResult:
    merge: PersonMerge
    notes: list[str]


@transaction.atomic
def unmerge_persons(*, merge: PersonMerge, by: User, now: datetime) -> UnmergeResult:
    """Undo a merge within MERGE_UNDO_DAYS: exactly the rows it moved go back, and the calls it
    closed reopen unless their person was reached for them since."""
    merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise MergeRefused(_("This merge was already undone."))
    if now > merge_undo_deadline(merge.at):
        raise MergeRefused(
            _("A merge can be undone for %(days)d days only: this one is older.")
            % {"days": MERGE_UNDO_DAYS}
        )
    survivor, merged = merge.survivor, merge.merged
    lock_territories(territory_ids=[survivor.territory_id, merged.territory_id])
    if PersonMerge.objects.filter(
        merged=survivor, undone_at__isnull=True, at__gt=merge.at
    ).exists():
        raise MergeRefused(
            _("The surviving person was merged into another one since: undo that merge first.")
        )
    notes = move_calls_back(
        task_ids=merge.moved.get("calls.CallTask", []),
        closed=merge.closed_tasks,
        survivor=survivor,
        merged=merged,
        by=by,
        now=now,
    )
    move_person_rows_back(survivor=survivor, merged=merged, moved=merge.moved)
    merge = record_unmerge(merge=merge, by=by, now=now)
    log_admin_change(
        user=by,
        objects=[survivor, merged],
        message=f"Merge #{merge.pk} undone: person #{merged.pk} separated from #{survivor.pk}",
    )
    return UnmergeResult(merge=merge, notes=notes)
