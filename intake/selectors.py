"""Reads on people and cases for the pages, always scoped with for_user()."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from agents.access import RequestUser
from calls.models import CallTask
from cases.models import Exposure, IndexCase, Person, Phone


def index_cases_for_list(*, user: RequestUser, search: str = "") -> QuerySet[IndexCase]:
    """Return the index cases the user may see, newest first, with their number of contacts."""
    cases = (
        IndexCase.objects.for_user(user)
        .select_related("person", "territory")
        .annotate(contact_count=Count("exposures"))
        .order_by("-identified_at", "-pk")
    )
    # Each word must match a name or the reference, so "paul martin" finds Paul Martin.
    for word in search.split():
        cases = cases.filter(
            Q(person__first_name__icontains=word)
            | Q(person__last_name__icontains=word)
            | Q(external_ref__icontains=word)
        )
    return cases


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

    @property
    def persons(self) -> list[Person]:
        return [self.person] + [row.person for row in self.contacts]


def index_case_detail(*, index_case: IndexCase) -> IndexCaseDetail:
    """Gather what the detail page shows: the patient zéro, their phones and each contact's call."""
    phones = list(index_case.person.phones.order_by("position"))
    interview_task = (
        index_case.call_tasks.filter(reason=CallTask.Reason.INDEX_INTERVIEW)
        .order_by("-created_at", "-pk")
        .first()
    )
    exposures = list(
        index_case.exposures.select_related("person__language")
        .prefetch_related(Prefetch("person__phones", queryset=Phone.objects.order_by("position")))
        .order_by("identified_at", "pk")
    )
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
    )
