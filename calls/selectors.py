"""Reads on the work for the desk: the call an agent holds and what its card shows."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from agents.access import RequestUser
from agents.models import Agent, PauseReason, staff_territory_id
from calls.models import Assignment, CallTask
from calls.services.lifecycle import may_transition, owns
from calls.telephony import tel_link
from cases.models import IsolationRuleSet, Person
from cases.services import (
    contact_isolation_until,
    contact_test_on,
    index_isolation_until,
    isolation_rules_on,
)
from common.phones import display

# Under this much time before its deadline, a call is shown as urgent (red).
URGENT = timedelta(hours=2)


def _assignments_of(agent: Agent) -> QuerySet[Assignment]:
    return Assignment.objects.filter(agent=agent).select_related(
        "task__person__language",
        "task__person__territory",
        "task__territory",
        "task__index_case__territory",
        "task__exposure__index_case__territory",
    )


def held_assignment(*, agent: Agent) -> Assignment | None:
    """Return the call the agent holds (its lease may have run out meanwhile), or None."""
    return _assignments_of(agent).filter(closed_at__isnull=True).first()


def get_assignment_for_agent(*, agent: Agent, pk: int) -> Assignment:
    """Return one of the agent's own assignments, open or closed; 404 for anyone else's."""
    # A closed one is still found: an outcome sent on it must be recorded and refused, not lost.
    return get_object_or_404(_assignments_of(agent), pk=pk)


def access_task_to_move(*, user: RequestUser, pk: int, transition: str) -> CallTask:
    """Return a call the user may move this way: 404 outside the user's territory (unless it is
    reserved for them), 403 for one they see but may not move."""
    task = (
        CallTask.objects.select_related("territory", "reserved_for", "person").filter(pk=pk).first()
    )
    if task is None or not (
        user.is_superuser
        or staff_territory_id(user) == task.territory_id
        or owns(user=user, task=task)
    ):
        raise Http404
    if not may_transition(user=user, task=task, transition=transition):
        raise PermissionDenied
    return task


# More handed calls than this is a supervisor's mistake, not a desk's list.
HANDED_LIMIT = 20


def handed_tasks(*, agent: Agent) -> list[CallTask]:
    """Return the calls a supervisor handed to the agent and still waiting, the earliest
    deadline first."""
    return list(
        CallTask.objects.filter(
            reserved_for=agent, status=CallTask.Status.QUEUED, queue_band=CallTask.Band.HANDED
        )
        .select_related("person", "territory")
        .order_by("deadline_at", "pk")[:HANDED_LIMIT]
    )


def active_pause_reasons() -> QuerySet[PauseReason]:
    return PauseReason.objects.filter(active=True)


@dataclass(frozen=True)
class PhoneChoice:
    number: str
    label: str
    tel_href: str
    suggested: bool


def phones_to_dial(*, person: Person, suggested: str) -> list[PhoneChoice]:
    """Return the person's numbers in service, in order, marking the one the queue suggests."""
    numbers = person.phones.in_service().order_by("position").values_list("number", flat=True)
    return [
        PhoneChoice(number=n, label=display(n), tel_href=tel_link(n), suggested=n == suggested)
        for n in numbers
    ]


@dataclass(frozen=True)
class DeskCard:
    """What the agent sees of the call they hold."""

    assignment: Assignment
    task: CallTask
    person: Person
    phones: list[PhoneChoice]
    urgency: str  # "", "urgent" or "overdue"
    lease_expired: bool
    rule_set: IsolationRuleSet | None
    today: date
    # The script's figures, computed with the rules in force today.
    isolation_until: date | None = None
    test_on: date | None = None

    @property
    def zone(self) -> str:
        return self.person.territory.timezone

    @property
    def is_interview(self) -> bool:
        return self.task.needs_interview

    @property
    def is_notification(self) -> bool:
        return self.task.reason == CallTask.Reason.CONTACT_NOTIFICATION


def urgency(*, deadline_at: datetime, now: datetime) -> str:
    if deadline_at <= now:
        return "overdue"
    if deadline_at - now < URGENT:
        return "urgent"
    return ""


def desk_card(*, assignment: Assignment, now: datetime) -> DeskCard:
    """Gather the card of a held call: person, phones, deadline, and the script's rules and
    dates."""
    task = assignment.task
    person = task.person
    today = now.astimezone(person.territory.zone).date()
    rule_set = isolation_rules_on(day=today)
    isolation_until = test_on = None
    if rule_set is not None and task.needs_interview:
        index_case = task.index_case
        assert index_case is not None  # a constraint: an interview has its index case
        isolation_until = index_isolation_until(
            rule_set=rule_set, index_case=index_case, symptom_onset_on=index_case.symptom_onset_on
        )
    elif rule_set is not None and task.reason == CallTask.Reason.CONTACT_NOTIFICATION:
        exposure = task.exposure
        assert exposure is not None  # a constraint: a notification has its exposure
        last = exposure.last_exposure_date
        isolation_until = contact_isolation_until(rule_set=rule_set, last_exposure_date=last)
        test_on = contact_test_on(rule_set=rule_set, last_exposure_date=last, today=today)
    return DeskCard(
        assignment=assignment,
        task=task,
        person=person,
        phones=phones_to_dial(person=person, suggested=assignment.phone),
        urgency=urgency(deadline_at=task.deadline_at, now=now),
        lease_expired=assignment.lease_expires_at <= now,
        rule_set=rule_set,
        today=today,
        isolation_until=isolation_until,
        test_on=test_on,
    )
