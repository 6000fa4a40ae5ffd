"""Reads on the work for the desk: the call an agent holds and what its card shows; the people
who call in, found by phone, name or case reference, and their file."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet, Window
from django.http import Http404
from django.shortcuts import get_object_or_404

from agents.access import RequestUser
from agents.models import Agent, Language, PauseReason, staff_territory_id
from calls.models import (
    Assignment,
    CallAttempt,
    CallDraft,
    CallTask,
    CarrierCall,
    DeskMessageReceipt,
    SmsMessage,
    VoicemailDrop,
)
from calls.services.lifecycle import may_transition, owns
from calls.telephony import tel_link
from cases.models import (
    Exposure,
    IndexCase,
    Interview,
    IsolationRuleSet,
    Person,
    Phone,
    RuleSetTranslation,
)
from cases.services import (
    contact_isolation_until,
    contact_test_on,
    index_isolation_until,
    isolation_rules_on,
)
from common.durations import clock
from common.phones import display_for, to_e164

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
    """Return the person's numbers in service, in order, marking the one the queue suggests:
    shown as a caller of the person's territory reads them, dialled in E.164."""
    numbers = person.phones.in_service().order_by("position").values_list("number", flat=True)
    region = person.territory.phone_region
    return [
        PhoneChoice(
            number=n, label=display_for(n, region), tel_href=tel_link(n), suggested=n == suggested
        )
        for n in numbers
    ]


@dataclass(frozen=True)
class Instructions:
    """The rules' instructions the agent reads out: in the person's language when there is a
    translation, in French otherwise; the French text stays at hand (the agent's own)."""

    text: str
    french: str
    # The language of `text` when it is not French; None when the person is read the French.
    language: Language | None
    # The person speaks another language than French and no translation exists yet.
    untranslated: bool


def instructions_for(
    *, rule_set: IsolationRuleSet | None, person: Person, reason: str
) -> Instructions | None:
    """The instructions of a call's script (a patient zéro's or a contact's) for this person."""
    if rule_set is None:
        return None
    field = (
        "index_instructions"
        if reason != CallTask.Reason.CONTACT_NOTIFICATION
        else "contact_instructions"
    )
    french = getattr(rule_set, field)
    if person.language_id == "fr":
        return Instructions(text=french, french=french, language=None, untranslated=False)
    translation = (
        RuleSetTranslation.objects.filter(rule_set=rule_set, language_id=person.language_id)
        .select_related("language")
        .first()
    )
    if translation is None:
        return Instructions(text=french, french=french, language=None, untranslated=True)
    return Instructions(
        text=getattr(translation, field),
        french=french,
        language=translation.language,
        untranslated=False,
    )


def age_in_months(birth_date: date, day: date) -> int:
    """Return the age in whole months on that day (born on the 31st: a month later is the last
    day of a shorter month)."""
    months = (day.year - birth_date.year) * 12 + day.month - birth_date.month
    if day.day < birth_date.day and not _last_day_of_month(day):
        months -= 1
    return months


def _last_day_of_month(day: date) -> bool:
    return (day + timedelta(days=1)).month != day.month


@dataclass(frozen=True)
class AttemptRow:
    """One call made to a person, as the desk tells it."""

    attempt: CallAttempt
    phone_label: str  # the number dialled, as a caller of the territory reads it; "" if none
    talk_time: str  # "m:ss" from answered to hung up, "" when not both are known

    @property
    def task(self) -> CallTask:
        return self.attempt.task


@dataclass(frozen=True)
class AttemptHistory:
    """A person's calls, the latest first, up to a limit; `more` were made before those."""

    rows: list[AttemptRow]
    more: int = 0

    @property
    def total(self) -> int:
        return len(self.rows) + self.more

    @property
    def named_cases(self) -> list[IndexCase]:
        """The cases whose patient zéro a row names (a call to a contact says whose)."""
        return [r.task.exposure.index_case for r in self.rows if r.task.exposure is not None]


def _persons_shown(person: Person, cases: Iterable[IndexCase]) -> list[Person]:
    """Return the person, then the patients zéro of these cases, each once: the persons whose
    names a page shows, for the access log."""
    shown = {person.pk: person}
    for case in cases:
        shown.setdefault(case.person_id, case.person)
    return list(shown.values())


# The card shows this many of a person's earlier calls; the person's file shows them all.
CARD_HISTORY_LIMIT = 10


def _attempts_of(person: Person) -> QuerySet[CallAttempt]:
    # The person's own territory only: a task of theirs is always there, and so must be what
    # the desk reads of it.
    return (
        CallAttempt.objects.filter(task__person=person, task__territory_id=person.territory_id)
        .select_related(
            "agent__user",
            "task__index_case__person",
            "task__exposure__index_case__person",
        )
        .order_by("-started_at", "-pk")
    )


def _attempt_row(attempt: CallAttempt, region: str) -> AttemptRow:
    talk_time = ""
    if attempt.connected_at is not None and attempt.ended_at is not None:
        talk_time = clock(int((attempt.ended_at - attempt.connected_at).total_seconds()))
    return AttemptRow(
        attempt=attempt,
        phone_label=display_for(attempt.phone, region) if attempt.phone else "",
        talk_time=talk_time,
    )


def attempt_history(*, person: Person, limit: int | None = None) -> AttemptHistory:
    """Return the calls made to a person on any of their tasks, the latest first (one query),
    with their agent, task and case: all of them, or the latest `limit` and how many more."""
    attempts = _attempts_of(person)
    if limit is None:
        found = list(attempts)
        more = 0
    else:
        # One query: the count over all of them rides along the first `limit` rows.
        found = list(attempts.annotate(total=Window(Count("pk")))[:limit])
        total = found[0].total if found else 0  # type: ignore[attr-defined]
        more = total - len(found)
    region = person.territory.phone_region
    return AttemptHistory(rows=[_attempt_row(a, region) for a in found], more=more)


@dataclass(frozen=True)
class OtherRole:
    """Another part the person plays in the territory's cases than the call's own: patient zéro
    of a case, or a contact of one (exposure set)."""

    index_case: IndexCase
    exposure: Exposure | None = None

    @property
    def without_consent_to_name(self) -> bool:
        """Say whether the patient zéro of a contact role asked, at their interview, not to be
        named to their contacts: the agent must not name them to this person either."""
        if self.exposure is None:
            return False
        try:
            return not self.index_case.interview.consent_to_name
        except Interview.DoesNotExist:
            return False


def other_roles(*, task: CallTask) -> list[OtherRole]:
    """Return the person's other roles in the cases of their territory than this call's own,
    the latest first (two queries)."""
    person = task.person
    territory_id = person.territory_id
    cases = IndexCase.objects.filter(person=person, territory_id=territory_id)
    exposures = Exposure.objects.filter(person=person, index_case__territory_id=territory_id)
    # The call's own role: its exposure for a contact, else its case for a patient zéro.
    if task.exposure_id is not None:
        exposures = exposures.exclude(pk=task.exposure_id)
    elif task.index_case_id is not None:
        cases = cases.exclude(pk=task.index_case_id)
    cases = cases.order_by("-identified_at", "-pk")
    exposures = exposures.select_related("index_case__person", "index_case__interview").order_by(
        "-identified_at", "-pk"
    )
    roles = [OtherRole(index_case=c) for c in cases]
    roles += [OtherRole(index_case=e.index_case, exposure=e) for e in exposures]
    return roles


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
    instructions: Instructions | None = None
    # The story so far: the calls made to this person, and their other roles.
    history: AttemptHistory = AttemptHistory(rows=[])
    roles: tuple[OtherRole, ...] = ()
    # The time the card was drawn (shown in the territory's zone beside it).
    now: datetime | None = None

    @property
    def zone(self) -> str:
        return self.person.territory.timezone

    @property
    def persons_shown(self) -> list[Person]:
        """The persons whose names the card shows: the person, and the patients zéro that their
        other roles and earlier calls name."""
        named = [r.index_case for r in self.roles if r.exposure is not None]
        return _persons_shown(self.person, named + self.history.named_cases)

    @property
    def age_months(self) -> int | None:
        """The person's age in months today in their territory, when their birth date is known
        (the card says years from 2 years on)."""
        birth_date = self.person.birth_date
        if birth_date is None or birth_date > self.today:
            return None
        return age_in_months(birth_date, self.today)

    @property
    def age_years(self) -> int | None:
        months = self.age_months
        return months // 12 if months is not None else None

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


@dataclass(frozen=True)
class ScriptFacts:
    """The rules in force today in the person's territory, and the dates the script tells."""

    rule_set: IsolationRuleSet | None
    today: date
    isolation_until: date | None = None
    test_on: date | None = None


def script_facts(*, task: CallTask, now: datetime) -> ScriptFacts:
    """Compute the script's rules and dates of a call: isolation end, and a contact's test day."""
    today = now.astimezone(task.person.territory.zone).date()
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
    return ScriptFacts(
        rule_set=rule_set, today=today, isolation_until=isolation_until, test_on=test_on
    )


def desk_card(*, assignment: Assignment, now: datetime) -> DeskCard:
    """Gather the card of a held call: person, phones, deadline, the earlier calls and the
    person's other roles, and the script's rules and dates."""
    task = assignment.task
    person = task.person
    facts = script_facts(task=task, now=now)
    return DeskCard(
        assignment=assignment,
        task=task,
        person=person,
        phones=phones_to_dial(person=person, suggested=assignment.phone),
        urgency=urgency(deadline_at=task.deadline_at, now=now),
        lease_expired=assignment.lease_expires_at <= now,
        rule_set=facts.rule_set,
        today=facts.today,
        isolation_until=facts.isolation_until,
        test_on=facts.test_on,
        instructions=instructions_for(rule_set=facts.rule_set, person=person, reason=task.reason),
        history=attempt_history(person=person, limit=CARD_HISTORY_LIMIT),
        roles=tuple(other_roles(task=task)),
        now=now,
    )


@dataclass(frozen=True)
class CardDrafts:
    """What was typed on a call's card before: the agent's own draft of this call (restored into
    the fields) and the draft of a call on the same task that was interrupted (shown apart)."""

    own: CallDraft | None
    interrupted: CallDraft | None


def card_drafts(*, assignment: Assignment) -> CardDrafts:
    """Return the drafts to show on the card of a held call (one query)."""
    found = list(
        CallDraft.objects.filter(assignment__task_id=assignment.task_id)
        .select_related("assignment__agent__user")
        .order_by("-updated_at")[:2]
    )
    own = next((d for d in found if d.assignment_id == assignment.pk), None)
    interrupted = next((d for d in found if d.assignment_id != assignment.pk), None)
    if interrupted is not None and interrupted.assignment.agent_id == assignment.agent_id:
        # Her own interrupted call, taken again: what she typed goes straight back in the fields.
        return CardDrafts(own=own or interrupted, interrupted=None)
    return CardDrafts(own=own, interrupted=interrupted)


@dataclass(frozen=True)
class DeskState:
    """What the desk's poll learns: the agent's status, the call she holds, and, for the call
    her page shows, whether and why it ended."""

    held_id: int | None
    # None while the call shown is still open (or none is shown); else why it ended.
    shown_end_reason: str | None
    # The carrier's id of the call held, when a carrier placed it (its state is then read).
    held_carrier_call_id: str = ""


def desk_state(*, agent: Agent, shown: int | None) -> DeskState:
    """Return the agent's desk as the server sees it (one or two queries; one more while a
    carrier's call is held)."""
    held = (
        Assignment.objects.filter(agent=agent, closed_at__isnull=True)
        .values_list("pk", "carrier_call_id")
        .first()
    )
    held_id, carrier_call_id = held if held is not None else (None, "")
    end_reason = None
    if shown is not None and shown != held_id:
        end_reason = (
            Assignment.objects.filter(pk=shown, agent=agent, closed_at__isnull=False)
            .values_list("end_reason", flat=True)
            .first()
        )
    return DeskState(
        held_id=held_id, shown_end_reason=end_reason, held_carrier_call_id=carrier_call_id
    )


# --- Messages from supervisors on the desk -------------------------------------------------

# The desk shows at most this many unread messages at once, the oldest first: the next ones
# appear as these are read.
DESK_MESSAGES_SHOWN = 20


def unread_desk_messages(*, agent: Agent) -> list[DeskMessageReceipt]:
    """Return the agent's unread messages, oldest first, with their authors (one query, however
    many there are)."""
    return list(
        DeskMessageReceipt.objects.filter(agent=agent, read_at__isnull=True)
        .select_related("message__author")
        .order_by("message__sent_at", "message_id")[:DESK_MESSAGES_SHOWN]
    )


def get_receipt_for_agent(*, agent: Agent, message_id: int) -> DeskMessageReceipt:
    """Return the agent's receipt of a message sent to her; 404 for anyone else's."""
    return get_object_or_404(DeskMessageReceipt, agent=agent, message_id=message_id)


# --- Inbound calls: finding the person who calls, and their file --------------------------

# A search lists at most this many people: past it, the agent adds a word or a digit.
SEARCH_LIMIT = 30
# Fewer digits than this are not looked up as the end of a number: too many people would match.
MIN_SUFFIX_DIGITS = 6
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")


@dataclass(frozen=True)
class PersonPhone:
    number: str
    label: str
    retired: bool


def _phones_of(phones: Iterable[Phone], region: str) -> list[PersonPhone]:
    return [
        PersonPhone(
            number=p.number, label=display_for(p.number, region), retired=p.retired_at is not None
        )
        for p in phones
    ]


@dataclass(frozen=True)
class FoundPerson:
    person: Person
    phones: list[PersonPhone]
    tasks: list[CallTask]


@dataclass(frozen=True)
class PeopleSearch:
    """The people a search found, in their territory, and how the query was read."""

    rows: list[FoundPerson]
    truncated: bool
    phone: str = ""  # the query read as a whole number (E.164), if it was one

    @property
    def persons(self) -> list[Person]:
        return [row.person for row in self.rows]


def search_people(*, agent: Agent, query: str) -> PeopleSearch:
    """Find people of the agent's territory by phone (national or E.164, spaces and dots allowed;
    or the last digits of a number, 6 or more), by name (each word matches the first or the last
    name) or by the reference of their case."""
    query = " ".join(query.split())
    if not query:
        return PeopleSearch(rows=[], truncated=False)
    # Each way of reading the query looks its people up by an index first (a number, a case
    # reference); one OR across them would scan every person of the territory.
    ids = list(
        IndexCase.objects.filter(
            territory_id=agent.territory_id, external_ref__iexact=query
        ).values_list("person_id", flat=True)
    )
    phone = ""
    if _PHONE_LIKE.match(query):
        # Retired numbers too: a number retired as wrong may still be the person's.
        phones = Phone.objects.filter(person__territory_id=agent.territory_id)
        try:
            phone = to_e164(query, region=agent.territory.phone_region)
        except ValidationError:
            pass
        else:
            ids += phones.filter(number=phone).values_list("person_id", flat=True)
        # Nobody by the whole number: the end of one, then. "34 56 78" is no whole number here
        # (though it reads as one of Saint-Pierre-et-Miquelon's). No index serves this one.
        digits = re.sub(r"\D", "", query)
        if not ids and len(digits) >= MIN_SUFFIX_DIGITS:
            ids += phones.filter(number__endswith=digits).values_list("person_id", flat=True)
        found = Q(pk__in=ids)
    else:
        found = Q()
        for word in query.split():
            found &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        found |= Q(pk__in=ids)
    rows = list(
        Person.objects.for_desk(agent)
        .filter(found)
        .select_related("language")
        .prefetch_related(
            Prefetch("phones", queryset=Phone.objects.order_by("position")),
            Prefetch("call_tasks", queryset=CallTask.objects.order_by("deadline_at", "pk")),
        )
        .order_by("last_name", "first_name", "pk")[: SEARCH_LIMIT + 1]
    )
    return PeopleSearch(
        rows=[
            FoundPerson(
                person=p,
                phones=_phones_of(p.phones.all(), agent.territory.phone_region),
                tasks=list(p.call_tasks.all()),
            )
            for p in rows[:SEARCH_LIMIT]
        ],
        truncated=len(rows) > SEARCH_LIMIT,
        phone=phone,
    )


def get_person_for_desk(*, agent: Agent, pk: int) -> Person:
    """Return a person of the agent's territory (not purged); 404 otherwise."""
    return get_object_or_404(
        Person.objects.for_desk(agent).select_related("language", "territory"), pk=pk
    )


@dataclass(frozen=True)
class SentSms:
    message: SmsMessage
    phone_label: str


@dataclass(frozen=True)
class PersonFile:
    """What the desk shows of a person who calls: identity, numbers, calls owed, calls made, SMS."""

    person: Person
    phones: list[PersonPhone]
    tasks: list[CallTask]
    attempts: list[AttemptRow]
    sms: list[SentSms]

    @property
    def open_tasks(self) -> list[CallTask]:
        return [t for t in self.tasks if t.status in CallTask.OPEN_STATUSES]

    @property
    def persons_shown(self) -> list[Person]:
        """The persons whose names the file shows: the person, and the patients zéro that their
        calls as a contact name."""
        return _persons_shown(self.person, AttemptHistory(rows=self.attempts).named_cases)


def person_file(*, person: Person) -> PersonFile:
    """Gather a person's file for the desk: open tasks first (earliest deadline first), then the
    others, the latest first; the calls made, the latest first; the SMS sent."""
    tasks = list(
        person.call_tasks.select_related(
            "index_case__territory", "exposure__index_case__territory", "lease_holder__user"
        )
    )
    open_tasks = sorted(
        (t for t in tasks if t.status in CallTask.OPEN_STATUSES),
        key=lambda t: (t.deadline_at, t.pk),
    )
    others = sorted(
        (t for t in tasks if t.status not in CallTask.OPEN_STATUSES),
        key=lambda t: (t.closed_at or t.created_at, t.pk),
        reverse=True,
    )
    region = person.territory.phone_region
    sms = [
        SentSms(message=m, phone_label=display_for(m.phone, region))
        for m in SmsMessage.objects.filter(task__person=person).order_by("-created_at", "-pk")
    ]
    return PersonFile(
        person=person,
        phones=_phones_of(person.phones.order_by("position"), region),
        tasks=open_tasks + others,
        attempts=attempt_history(person=person).rows,
        sms=sms,
    )


@dataclass(frozen=True)
class InboundCard:
    """The script of an inbound call on one open task (the templates of the desk's card read
    the same names)."""

    task: CallTask
    person: Person
    facts: ScriptFacts
    urgency: str

    @property
    def zone(self) -> str:
        return self.person.territory.timezone

    @property
    def rule_set(self) -> IsolationRuleSet | None:
        return self.facts.rule_set

    @property
    def isolation_until(self) -> date | None:
        return self.facts.isolation_until

    @property
    def test_on(self) -> date | None:
        return self.facts.test_on

    @property
    def is_interview(self) -> bool:
        return self.task.reason == CallTask.Reason.INDEX_INTERVIEW

    @property
    def is_notification(self) -> bool:
        return self.task.reason == CallTask.Reason.CONTACT_NOTIFICATION


def inbound_card(*, task: CallTask, now: datetime) -> InboundCard:
    """Gather the script of an inbound call on this task."""
    return InboundCard(
        task=task,
        person=task.person,
        facts=script_facts(task=task, now=now),
        urgency=urgency(deadline_at=task.deadline_at, now=now),
    )


def get_task_of_person(*, person: Person, pk: int) -> CallTask:
    """Return one of the person's call tasks (of any status); 404 for anyone else's."""
    return get_object_or_404(
        person.call_tasks.select_related(
            "index_case__territory", "exposure__index_case__territory"
        ),
        pk=pk,
    )


# --- Carrier evidence ----------------------------------------------------------------------


def voicemail_drop_for(*, task: CallTask) -> dict | None:
    """Return the recorded message to leave on an answering machine for this call (by its
    territory and reason), as the carrier's dial request carries it; None when there is none."""
    drop = VoicemailDrop.objects.filter(
        territory_id=task.territory_id, reason=task.reason, active=True
    ).first()
    if drop is None:
        return None
    return {"message_id": drop.message_id, "audio_url": drop.audio_url}


def carrier_call_of(*, assignment_id: int, carrier_call_id: str) -> CarrierCall | None:
    """Return the carrier's record of the call last dialled on this assignment (its carrier
    call id); None, without a query, when no carrier placed it."""
    if not carrier_call_id:
        return None
    return CarrierCall.objects.filter(
        assignment_id=assignment_id, carrier_call_id=carrier_call_id
    ).first()


def carrier_evidence(*, attempts: Iterable[CallAttempt]) -> dict[int, CarrierCall]:
    """Return the carrier's record of each of these attempts, by attempt id (one query): the
    evidence an outcome is checked against (integrity reconciliation)."""
    keys = {(a.carrier, a.carrier_call_id): a.pk for a in attempts if a.carrier_call_id}
    if not keys:
        return {}
    calls = CarrierCall.objects.filter(carrier_call_id__in=[call_id for _carrier, call_id in keys])
    return {
        keys[(c.carrier, c.carrier_call_id)]: c
        for c in calls
        if (c.carrier, c.carrier_call_id) in keys
    }


def carrier_calls_between(*, start: datetime, end: datetime) -> QuerySet[CarrierCall]:
    """Return the carrier's calls started in [start, end), with the assignment (and its agent
    and task) each was matched to, if any: the other side of the integrity reconciliation
    (a call with no assignment was made outside the desk)."""
    return (
        CarrierCall.objects.filter(started_at__gte=start, started_at__lt=end)
        .select_related("assignment__agent", "assignment__task")
        .order_by("started_at", "pk")
    )
