"""Reads on people and cases for the pages, always scoped with for_user()."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, TextChoices
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agents.access import RequestUser
from calls.models import CallAttempt, CallTask, SmsMessage
from cases.identity import MIN_ADDRESS_SIMILARITY
from cases.models import DuplicateCandidate, Exposure, IndexCase, Person, PersonMerge, Phone
from common.phones import to_e164
from intake.models import ContactImport
from intake.services import doctor_file_number

CONTACTS_PER_PAGE = 50
HISTORY_LIMIT = 200
# What a typed phone number looks like: digits with the usual separators, at least six digits.
PHONE_LIKE = re.compile(r"\+?[\d\s.()-]{6,}")


def searched_number(search: str, *, region: str) -> str | None:
    """The E.164 number a search is, when it reads as a phone number; None otherwise."""
    if not PHONE_LIKE.fullmatch(search.strip()):
        return None
    try:
        return to_e164(search, region=region)
    except ValidationError:
        return None


def matching_persons(*, search: str, region: str) -> QuerySet[Person]:
    """The persons a search names: by a phone number (any of theirs, retired ones included), or
    with every word in their first or last name."""
    number = searched_number(search, region=region)
    if number is not None:
        return Person.objects.live().filter(phones__number=number)
    persons = Person.objects.live()
    for word in search.split():
        persons = persons.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return persons


def index_cases_for_list(
    *, user: RequestUser, search: str = "", region: str = "FR"
) -> QuerySet[IndexCase]:
    """Return the index cases the user may see, newest first, with their number of contacts.

    A search finds a case by its patient zéro or by any of its contacts (a name, every word of
    it, or a phone number as people type it, read in `region`), or by the external reference.
    """
    cases = (
        IndexCase.objects.for_user(user)
        .select_related("person", "territory")
        .annotate(contact_count=Count("exposures"))
        .order_by("-identified_at", "-pk")
    )
    if not search.strip():
        return cases
    persons = matching_persons(search=search, region=region).values("pk")
    contact_named = Exists(Exposure.objects.filter(index_case=OuterRef("pk"), person__in=persons))
    return cases.filter(
        Q(person__in=persons) | contact_named | Q(external_ref__iexact=search.strip())
    )


def matched_contacts(
    *, cases: list[IndexCase], search: str, region: str
) -> dict[int, list[Person]]:
    """The contacts of these cases that a search names, by case: the list says why it matched."""
    if not search.strip():
        return {}
    matched: dict[int, list[Person]] = {}
    for exposure in (
        Exposure.objects.filter(
            index_case__in=[c.pk for c in cases],
            person__in=matching_persons(search=search, region=region).values("pk"),
        )
        .select_related("person")
        .order_by("pk")
    ):
        matched.setdefault(exposure.index_case_id, []).append(exposure.person)
    return matched


def get_index_case_for_user(*, user: RequestUser, pk: int) -> IndexCase:
    """Return the index case if the user may see it; 404 otherwise, so its existence stays
    secret."""
    return get_object_or_404(
        IndexCase.objects.for_user(user).select_related("person__language", "territory"), pk=pk
    )


@dataclass(frozen=True)
class ContactRow:
    exposure: Exposure
    person: Person
    task: CallTask | None


@dataclass(frozen=True)
class IndexCaseDetail:
    index_case: IndexCase
    person: Person
    phones: list[Phone]
    interview_task: CallTask | None
    contacts: list[ContactRow]
    contacts_page: Page
    history: list[CallAttempt]

    @property
    def persons(self) -> list[Person]:
        return [self.person] + [row.person for row in self.contacts]


def index_case_detail(*, index_case: IndexCase, page: str | None = None) -> IndexCaseDetail:
    """Gather what the detail page shows: the patient zéro, their phones, one page of contacts
    with each one's call, and the calls made to all of them (newest first)."""
    phones = list(index_case.person.phones.order_by("position"))
    interview_task = (
        index_case.call_tasks.filter(reason=CallTask.Reason.INDEX_INTERVIEW)
        .order_by("-created_at", "-pk")
        .first()
    )
    contacts_page = Paginator(
        index_case.exposures.select_related("person__language")
        .prefetch_related(Prefetch("person__phones", queryset=Phone.objects.order_by("position")))
        .order_by("identified_at", "pk"),
        CONTACTS_PER_PAGE,
    ).get_page(page)
    exposures = list(contacts_page.object_list)
    # A contact named by two patients zéro has one call, which may hang on the other exposure:
    # the task is looked up by person, the latest one winning.
    task_by_person: dict[int, CallTask] = {}
    for task in CallTask.objects.filter(
        person__in=[e.person_id for e in exposures], reason=CallTask.Reason.CONTACT_NOTIFICATION
    ).order_by("created_at", "pk"):
        task_by_person[task.person_id] = task
    contacts = [
        ContactRow(exposure=e, person=e.person, task=task_by_person.get(e.person_id))
        for e in exposures
    ]
    return IndexCaseDetail(
        index_case=index_case,
        person=index_case.person,
        phones=phones,
        interview_task=interview_task,
        contacts=contacts,
        contacts_page=contacts_page,
        history=call_history(person_ids=[index_case.person_id, *task_by_person]),
    )


def call_history(*, person_ids: list[int]) -> list[CallAttempt]:
    """Every call made to these persons, newest first: when, by whom, the outcome and the
    agent's notes (the last HISTORY_LIMIT)."""
    return list(
        CallAttempt.objects.filter(task__person__in=person_ids)
        .select_related("agent__user", "task__person")
        .order_by("-started_at", "-pk")[:HISTORY_LIMIT]
    )


# The contacts named under each index case of an import's result; the case page lists the rest.
IMPORT_NAMES_PER_CASE = 30
RECENT_IMPORTS = 10


def get_contact_import_for_user(*, user: RequestUser, pk: int) -> ContactImport:
    """Return the import if the user may see it (their territory's); 404 otherwise."""
    return get_object_or_404(
        ContactImport.objects.for_user(user).select_related("territory", "uploaded_by"), pk=pk
    )


def recent_contact_imports(*, user: RequestUser) -> list[ContactImport]:
    return list(
        ContactImport.objects.for_user(user)
        .select_related("territory", "uploaded_by")
        .defer("content", "result", "errors")[:RECENT_IMPORTS]
    )


@dataclass(frozen=True)
class ImportedCaseRow:
    index_case: IndexCase
    rows: int
    created: int
    contacts: list[Person]
    more: int


def contact_import_result(*, job: ContactImport) -> list[ImportedCaseRow]:
    """Name the patients zéro of a finished import and their contacts from the file (at most
    IMPORT_NAMES_PER_CASE each), in file order; cases no longer visible are left out."""
    entries = job.result or []
    cases = IndexCase.objects.filter(
        territory_id=job.territory_id, pk__in=[e["index_case"] for e in entries]
    ).select_related("person")
    by_id = {case.pk: case for case in cases}
    shown = [pid for e in entries for pid in e["persons"][:IMPORT_NAMES_PER_CASE]]
    persons = Person.objects.filter(territory_id=job.territory_id, pk__in=shown).in_bulk()
    rows = []
    for entry in entries:
        index_case = by_id.get(entry["index_case"])
        if index_case is None:
            continue
        named = [persons[p] for p in entry["persons"][:IMPORT_NAMES_PER_CASE] if p in persons]
        rows.append(
            ImportedCaseRow(
                index_case=index_case,
                rows=entry["rows"],
                created=entry["created"],
                contacts=named,
                more=max(0, len(entry["persons"]) - IMPORT_NAMES_PER_CASE),
            )
        )
    return rows


# --- Doctors' declarations (issue 16): a doctor sees the cases they declared, nothing else -------


# The doctor's list, a page at a time (the page and the API).
DECLARATIONS_PER_PAGE = 20


def declarations_of(*, user: RequestUser) -> QuerySet[IndexCase]:
    """Return the cases this doctor declared, newest first: a doctor holds no territory, so this
    is all they may read (for_user() gives them nothing)."""
    if not user.is_authenticated:
        return IndexCase.objects.none()
    return (
        IndexCase.objects.filter(created_by=user, source=IndexCase.Source.DOCTOR)
        .select_related("person", "territory", "interview")
        .order_by("-identified_at", "-pk")
    )


def get_declaration_for_doctor(*, user: RequestUser, pk: int) -> IndexCase:
    """Return a case this doctor declared; 404 for anyone else's, so its existence stays secret."""
    return get_object_or_404(declarations_of(user=user), pk=pk)


class Progress(TextChoices):
    """Where a declared person stands, as their doctor sees it."""

    QUEUED = "queued", _("Queued")
    REACHED = "reached", _("Reached")
    NOTIFIED_BY_SMS = "notified_by_sms", _("Notified by SMS")
    ESCALATED = "escalated", _("Escalated to a supervisor")
    MISSED = "missed", _("Not reached within 24 h")


@dataclass(frozen=True)
class PersonProgress:
    person: Person
    progress: Progress
    deadline_at: datetime | None
    isolation_until: date | None
    exposure: Exposure | None = None


@dataclass(frozen=True)
class Declaration:
    index_case: IndexCase
    patient: PersonProgress
    contacts: list[PersonProgress]

    @property
    def persons(self) -> list[Person]:
        return [self.patient.person] + [row.person for row in self.contacts]

    @property
    def file_number(self) -> str:
        return doctor_file_number(self.index_case.external_ref)


_REACHED_STATUSES = (CallTask.Status.DONE, CallTask.Status.CANCELLED)


def progress_of(task: CallTask | None, *, recorded: bool, now: datetime) -> Progress:
    """Say where a person stands from their call (annotated with `sms_sent`) and whether an
    interview or a notification was recorded for them."""
    if recorded:
        return Progress.REACHED
    if task is None:
        return Progress.QUEUED
    # A cancelled call is one of a person reached meanwhile for the same reason.
    if task.status in _REACHED_STATUSES or (
        task.status == CallTask.Status.CLOSED
        and task.closed_reason == CallTask.ClosedReason.REACHED_ELSEWHERE
    ):
        return Progress.REACHED
    sms_only = task.closed_reason == CallTask.ClosedReason.NOTIFIED_BY_SMS
    if getattr(task, "sms_sent", False) or sms_only:
        return Progress.NOTIFIED_BY_SMS
    if task.status == CallTask.Status.ESCALATED:
        return Progress.ESCALATED
    if task.status == CallTask.Status.CLOSED or task.deadline_at < now:
        return Progress.MISSED
    return Progress.QUEUED


def declarations_progress(*, cases: list[IndexCase], now: datetime) -> list[Declaration]:
    """Gather, for a page of declared cases, each patient's and each contact's progress and
    isolation dates: two queries whatever the page's size."""
    exposures = list(
        Exposure.objects.filter(index_case__in=[case.pk for case in cases])
        .select_related("person", "notification")
        .order_by("identified_at", "pk")
    )
    sent = SmsMessage.objects.filter(task=OuterRef("pk"), status=SmsMessage.Status.SENT)
    # A contact named by two cases has one call, which may hang on the other exposure: looked up
    # by person, the latest one winning (as on the staff's case page).
    tasks = CallTask.objects.filter(
        Q(index_case__in=[case.pk for case in cases], reason=CallTask.Reason.INDEX_INTERVIEW)
        | Q(
            person__in=[e.person_id for e in exposures],
            reason=CallTask.Reason.CONTACT_NOTIFICATION,
        )
    ).annotate(sms_sent=Exists(sent))
    interview_by_case: dict[int, CallTask] = {}
    contact_by_person: dict[int, CallTask] = {}
    for task in tasks.order_by("created_at", "pk"):
        if task.reason == CallTask.Reason.INDEX_INTERVIEW:
            assert task.index_case_id is not None
            interview_by_case[task.index_case_id] = task
        else:
            contact_by_person[task.person_id] = task
    contacts_by_case: dict[int, list[PersonProgress]] = {}
    for exposure in exposures:
        notification = getattr(exposure, "notification", None)
        task = contact_by_person.get(exposure.person_id)
        contacts_by_case.setdefault(exposure.index_case_id, []).append(
            PersonProgress(
                person=exposure.person,
                progress=progress_of(task, recorded=notification is not None, now=now),
                deadline_at=task.deadline_at if task else None,
                isolation_until=notification.isolation_until if notification else None,
                exposure=exposure,
            )
        )
    declarations = []
    for case in cases:
        interview = getattr(case, "interview", None)
        task = interview_by_case.get(case.pk)
        patient = PersonProgress(
            person=case.person,
            progress=progress_of(task, recorded=interview is not None, now=now),
            deadline_at=task.deadline_at if task else None,
            isolation_until=interview.isolation_until if interview else None,
        )
        declarations.append(
            Declaration(
                index_case=case, patient=patient, contacts=contacts_by_case.get(case.pk, [])
            )
        )
    return declarations


# --- Identity across cases: the pairs to review ----------------------------------------------

DUPLICATES_PER_PAGE = 25


@dataclass(frozen=True)
class PersonSide:
    """One person of a pair, as the review shows them: identity, phones, cases, open calls."""

    person: Person
    phones: list[Phone]
    index_cases: list[IndexCase]
    exposures: list[Exposure]
    open_tasks: list[CallTask]


def _with_sides(candidates: QuerySet[DuplicateCandidate]) -> QuerySet[DuplicateCandidate]:
    prefetches = []
    for side in ("person_a", "person_b"):
        prefetches += [
            Prefetch(f"{side}__phones", queryset=Phone.objects.order_by("position", "pk")),
            Prefetch(f"{side}__index_cases", queryset=IndexCase.objects.order_by("pk")),
            Prefetch(
                f"{side}__exposures",
                queryset=Exposure.objects.select_related("index_case__person").order_by("pk"),
            ),
            Prefetch(
                f"{side}__call_tasks",
                queryset=CallTask.objects.open().order_by("deadline_at"),
                to_attr="open_tasks",
            ),
        ]
    return candidates.select_related(
        "person_a__territory", "person_b__territory", "decided_by"
    ).prefetch_related(*prefetches)


def person_side(person: Person) -> PersonSide:
    """What the review shows of a person fetched through _with_sides."""
    return PersonSide(
        person=person,
        phones=list(person.phones.all()),
        index_cases=list(person.index_cases.all()),
        exposures=list(person.exposures.all()),
        open_tasks=list(person.open_tasks),  # type: ignore[attr-defined]
    )


def evidence_labels(evidence: dict) -> list[tuple[str, bool]]:
    """The signals of a pair in words, each with whether it speaks for (True) or against the
    pair being one person."""
    labels: list[tuple[str, bool]] = []
    if "name" in evidence:
        labels.append(
            (gettext("Names alike (%(percent)d %%)") % {"percent": round(evidence["name"])}, True)
        )
    if evidence.get("inverted"):
        labels.append((gettext("First and last names inverted"), True))
    birth = evidence.get("birth_date")
    if birth == "equal":
        labels.append((gettext("Same birth date"), True))
    elif birth == "swapped":
        labels.append((gettext("Birth dates with day and month swapped"), True))
    elif birth == "different":
        labels.append((gettext("Different birth dates"), False))
    for number in evidence.get("phones", []):
        labels.append((gettext("Shared phone %(number)s") % {"number": number}, True))
    if evidence.get("address") is not None:
        labels.append(
            (
                gettext("Addresses alike (%(percent)d %%)")
                % {"percent": round(evidence["address"])},
                evidence["address"] >= MIN_ADDRESS_SIMILARITY,
            )
        )
    return labels


def _annotate(pair: DuplicateCandidate) -> DuplicateCandidate:
    pair.sides = [person_side(pair.person_a), person_side(pair.person_b)]  # type: ignore[attr-defined]
    pair.evidence_labels = evidence_labels(pair.evidence)  # type: ignore[attr-defined]
    return pair


def duplicates_to_review(*, user: RequestUser, page: str | None = None) -> Page:
    """One page of the open pairs the user may review (either person in their territory), best
    score first, each with both persons' phones, cases and open calls."""
    pairs = _with_sides(DuplicateCandidate.objects.for_user(user).to_review())
    result = Paginator(pairs, DUPLICATES_PER_PAGE).get_page(page)
    for pair in result.object_list:
        _annotate(pair)
    return result


def get_duplicate_candidate_for_user(*, user: RequestUser, pk: int) -> DuplicateCandidate:
    """Return the pair with both persons' details if the user may review it; 404 otherwise."""
    pair = get_object_or_404(_with_sides(DuplicateCandidate.objects.for_user(user)), pk=pk)
    return _annotate(pair)


def latest_merge_of(candidate: DuplicateCandidate) -> PersonMerge | None:
    return (
        PersonMerge.objects.filter(candidate=candidate)
        .select_related("survivor", "merged", "by", "undone_by")
        .order_by("-at", "-pk")
        .first()
    )
