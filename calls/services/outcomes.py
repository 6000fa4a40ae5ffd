"""What a call did: the attempt row, the task's next step, the agent's counters."""

from dataclasses import replace
from datetime import datetime

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet
from django.utils.translation import gettext as _

from agents.models import Agent, Language
from agents.services.counters import DayCounts
from agents.services.staff import set_agent_status
from calls.exceptions import InvalidOutcome, LeaseLost
from calls.models import Assignment, CallAttempt, CallTask, SmsMessage
from calls.policy import Next, falls_back, next_after, retry_not_before
from calls.rules import retry_rule, wrap_up_limit_seconds
from calls.services.dispatch import current_phone, phone_of
from calls.services.drafts import discard_drafts
from calls.services.fallback import CALLBACK_GRACE, escalate, queue_fallback_sms
from calls.services.intake import add_contacts
from calls.services.lifecycle import band_for
from calls.services.next_steps import Kind, NextStep, RecordedCall, Sms
from cases.models import Phone
from cases.services import record_interview, record_notification, retire_phone, set_person_language
from common.bounds import check_future_moment
from common.compiled_query import CompiledQuery

Outcome = CallAttempt.Outcome

# Why a task closed by its outcome's retry rule is closed.
CLOSED_REASONS: dict[str, str] = {
    Outcome.REFUSED: CallTask.ClosedReason.REFUSED,
    Outcome.NOT_CONCERNED: CallTask.ClosedReason.NOT_CONCERNED,
}


@transaction.atomic
def mark_dialled(*, assignment: Assignment, agent: Agent, phone: str, now: datetime) -> Assignment:
    """Stamp the moment the agent dialled (server time), and the number they chose."""
    Assignment.objects.filter(pk=assignment.pk, agent=agent, closed_at__isnull=True).update(
        dialled_at=now,
        phone=phone,
        connected_at=None,
        connected_source="",
        carrier="",
        carrier_call_id="",
    )
    assignment.dialled_at, assignment.phone, assignment.connected_at = now, phone, None
    assignment.connected_source = assignment.carrier = assignment.carrier_call_id = ""
    return assignment


@transaction.atomic
def mark_connected(*, assignment: Assignment, agent: Agent, now: datetime) -> Assignment:
    """Stamp the moment the person answered (server time), as the agent says: unproven until
    the carrier's `answered` event replaces it (calls.services.carrier)."""
    updated = Assignment.objects.filter(
        pk=assignment.pk, agent=agent, closed_at__isnull=True, connected_at__isnull=True
    ).update(connected_at=now, connected_source=Assignment.ConnectedSource.AGENT)
    if updated:
        assignment.connected_at = now
        assignment.connected_source = Assignment.ConnectedSource.AGENT
    return assignment


def callback_time_problem(
    *,
    callback_at: datetime | None,
    now: datetime,
    task: CallTask,
    notification_given: bool = False,
) -> str | None:
    """Say what is wrong with a callback's time (missing, not in the future, or after the call's
    deadline when the notification was not given); None when it will do.

    The one rule behind the service, the desk's form and the API's serializer. Once the
    notification is given the person counts as reached, and the callback is a follow-up that
    may come after the deadline; a follow-up call comes after the notification by definition.
    """
    if callback_at is None:
        return _("A callback needs a time.")
    if callback_at <= now:
        return _("A callback needs a time in the future.")
    try:
        check_future_moment(callback_at, now=now)
    except ValidationError as exc:
        return exc.messages[0]
    notified = notification_given or task.reason == CallTask.Reason.FOLLOW_UP
    if callback_at > task.deadline_at and not notified:
        return _(
            "A callback after the call's deadline is possible only once the notification is "
            "given: give it now, and say so."
        )
    return None


def _assignment_to_lock(assignment_id: int) -> QuerySet[Assignment]:
    found = Assignment.objects.select_for_update(of=("self", "task")).select_related(
        "task__person__territory"
    )
    if connection.vendor == "postgresql":
        numbers = (
            Phone.objects.in_service()
            .filter(person_id=OuterRef("task__person_id"))
            .order_by("position")
            .values("number")
        )
        found = found.annotate(task_numbers=ArraySubquery(numbers))
    return found.filter(pk=assignment_id)


def _agents_assignment_to_lock(assignment_id: int, agent_id: int) -> QuerySet[Assignment]:
    return _assignment_to_lock(assignment_id).filter(agent_id=agent_id)


# Compiled once per process: this read runs at every outcome (common/compiled_query.py).
_ASSIGNMENT_TO_LOCK: CompiledQuery[Assignment] = CompiledQuery(_assignment_to_lock, int)
_AGENTS_ASSIGNMENT_TO_LOCK: CompiledQuery[Assignment] = CompiledQuery(
    _agents_assignment_to_lock, int, int
)


def lock_assignment(*, assignment_id: int, agent: Agent | None = None) -> Assignment:
    """Lock an assignment and its task for an outcome, and read what the outcome needs with
    them in one statement: the task's person and territory, and the person's numbers in
    service (on PostgreSQL). With `agent`, only that agent's assignment
    (Assignment.DoesNotExist otherwise)."""
    if agent is None:
        assignment = _ASSIGNMENT_TO_LOCK.get(assignment_id)
    else:
        assignment = _AGENTS_ASSIGNMENT_TO_LOCK.get(assignment_id, agent.pk)
    task = assignment.task
    if connection.vendor == "postgresql":
        task.numbers_in_service = assignment.task_numbers  # type: ignore[attr-defined]
    return assignment


def record_outcome(
    *,
    assignment: Assignment,
    agent: Agent,
    outcome: str,
    now: datetime,
    notes: str = "",
    callback_at: datetime | None = None,
    callback_for_all: bool = False,
    language: Language | None = None,
    notification_given: bool = False,
    locked: bool = False,
) -> RecordedCall:
    """Record a call's outcome and move its task on by the retry policy, returning the attempt
    and what happens next; 409 on a lost lease.

    `locked`: the caller locked the assignment with lock_assignment() in its own transaction,
    which this joins without a savepoint: an exception here fails it.

    The attempt is written either way: a late outcome is refused, never lost. A callback with
    the notification given counts as reached: the task is done and the callback is queued as a
    follow-up call. An outcome that needs a conversation recorded without « Answered » has no
    talk time: it is flagged as not marked, never given one guessed from the dialling.
    """
    if notification_given and outcome != Outcome.CALLBACK:
        raise InvalidOutcome(_("Only a callback says whether the notification was given."))
    with transaction.atomic(savepoint=not locked):
        if not locked:
            assignment = lock_assignment(assignment_id=assignment.pk)
        task = assignment.task
        if outcome == Outcome.CALLBACK and (
            problem := callback_time_problem(
                callback_at=callback_at,
                now=now,
                task=task,
                notification_given=notification_given,
            )
        ):
            raise InvalidOutcome(problem)
        # On a follow-up the notification was given before: its callback is a plain one.
        converts = notification_given and task.reason != CallTask.Reason.FOLLOW_UP
        follow_up_at = callback_at if converts else None
        if follow_up_at is not None:
            # The person heard what they had to: reached. Calling back is a follow-up.
            outcome, callback_at = Outcome.REACHED, None
        started_at = assignment.dialled_at or assignment.claimed_at
        connected_at = assignment.connected_at
        talk_not_marked = connected_at is None and outcome in CallAttempt.CONVERSATION_OUTCOMES
        attempt = CallAttempt(
            task=task,
            assignment=assignment,
            agent=agent,
            phone=assignment.phone,
            started_at=started_at,
            connected_at=connected_at,
            ended_at=now,
            outcome=outcome,
            notes=notes,
            talk_not_marked=talk_not_marked,
            carrier=assignment.carrier,
            carrier_call_id=assignment.carrier_call_id,
            connected_source=assignment.connected_source if connected_at else "",
        )
        holds_lease = (
            assignment.closed_at is None
            and assignment.lease_expires_at > now
            and task.status == CallTask.Status.ASSIGNED
            and task.lease_holder_id == agent.pk
        )
        attempt.accepted = holds_lease
        attempt.save()
        # A second outcome for a closed assignment is a resent form, not another call; a late one
        # on an expired lease was a real call, refused.
        # Written with the status change below, in one statement.
        counts = DayCounts(agent).add_attempt(
            started_at=attempt.started_at,
            connected_at=attempt.connected_at,
            ended_at=attempt.ended_at,
            reached=attempt.outcome == CallAttempt.Outcome.REACHED,
            accepted=attempt.accepted,
            is_new_call=assignment.closed_at is None,
            talk_not_marked=talk_not_marked,
        )
        if assignment.closed_at is None:
            Assignment.objects.filter(pk=assignment.pk).update(
                closed_at=now, end_reason=Assignment.EndReason.OUTCOME
            )
            if not holds_lease:
                # The lease ran out while the agent was still on the call: the task goes back to
                # the queue now rather than at the next sweep.
                CallTask.objects.filter(
                    pk=task.pk, status=CallTask.Status.ASSIGNED, lease_holder=agent
                ).update(status=CallTask.Status.QUEUED, lease_holder=None, lease_expires_at=None)
        next_step = None
        if holds_lease:
            next_step = apply_retry_policy(
                task=task,
                attempt=attempt,
                agent=agent,
                now=now,
                callback_at=callback_at,
                callback_for_all=callback_for_all,
                language=language,
            )
            if follow_up_at is not None:
                _book_follow_up(
                    task=task,
                    agent=agent,
                    callback_at=follow_up_at,
                    callback_for_all=callback_for_all,
                    now=now,
                )
                next_step = replace(next_step, follow_up=True, at=follow_up_at)
            next_step = replace(next_step, talk_not_marked=talk_not_marked)
            # A refused outcome keeps the draft: what was typed may still have to be recorded.
            # Always a statement: whether drafts exist cannot be read with the lock (a draft
            # saved while the lock was waited for is not in that statement's snapshot).
            discard_drafts(assignment=assignment, task=task)
        set_agent_status(
            agent=agent,
            status=Agent.Status.WRAP_UP,
            now=now,
            limit_seconds=wrap_up_limit_seconds(outcome=outcome, reason=task.reason),
            counts=counts,
        )
    if next_step is None:
        raise LeaseLost(attempt_id=attempt.pk)
    return RecordedCall(attempt=attempt, next_step=next_step)


def apply_retry_policy(
    *,
    task: CallTask,
    attempt: CallAttempt,
    agent: Agent,
    now: datetime,
    callback_at: datetime | None,
    callback_for_all: bool,
    language: Language | None,
    fallback: bool = True,
) -> NextStep:
    """Move a locked task on by the retry rule of its attempt's outcome, and say what happens
    next; with `fallback`, send the SMS and escalate after the maximum attempts."""
    rule = retry_rule(attempt.outcome)
    territory = task.person.territory
    step = NextStep(kind=Kind.RETRY, zone=territory.zone, now=now, region=territory.phone_region)
    task.attempts += 1
    task.lease_holder = None
    task.lease_expires_at = None
    task.reserved_for = None
    task.not_before = retry_not_before(rule=rule, now=now)
    task.status = CallTask.Status.QUEUED
    task.first_attempt_at = task.first_attempt_at or attempt.started_at
    # Any call made settles a callback booked before it.
    task.callback_at = None
    if task.queue_band == CallTask.Band.HANDED:
        # Handed to one agent, who called: the task is everyone's again, in its place.
        task.queue_band = band_for(deadline_at=task.deadline_at, now=now)
    fields = [
        "attempts",
        "lease_holder",
        "lease_expires_at",
        "reserved_for",
        "not_before",
        "status",
        "first_attempt_at",
        "callback_at",
        "queue_band",
    ]

    moved_phone = False
    # The decision is calls.policy's, shared with the simulator; the writes are here.
    kind = next_after(outcome=attempt.outcome, rule=rule)
    if kind == Next.DONE:
        task.status, task.closed_at = CallTask.Status.DONE, now
        fields.append("closed_at")
        step = replace(step, kind=Kind.DONE)
    elif kind == Next.CLOSED:
        task.status, task.closed_at = CallTask.Status.CLOSED, now
        task.closed_reason = CLOSED_REASONS.get(attempt.outcome, "")
        fields += ["closed_at", "closed_reason"]
        step = replace(step, kind=Kind.CLOSED, closed_reason=task.closed_reason)
    elif kind == Next.CALLBACK:
        task.not_before = task.callback_at = callback_at
        task.reserved_for = None if callback_for_all else agent
        step = replace(step, kind=Kind.CALLBACK, at=callback_at, callback_for_all=callback_for_all)
    elif kind == Next.WRONG_NUMBER:
        # The number is retired, not the person: the next number takes its place in the list.
        retire_phone(person=task.person, number=attempt.phone, now=now)
        task.numbers_in_service = None  # type: ignore[attr-defined]  # read before the retirement
        step = replace(step, retired_phone=attempt.phone)
        moved_phone = True
        if not task.person.phones.in_service().exists():
            task.save(update_fields=fields)
            escalate(task=task, reason=CallTask.Escalation.NO_PHONE, now=now, by_id=agent.user_id)
            return replace(
                step, kind=Kind.ESCALATED, escalation_reason=CallTask.Escalation.NO_PHONE
            )
    elif kind == Next.LANGUAGE:
        if language is None:
            task.save(update_fields=fields)
            escalate(task=task, reason=CallTask.Escalation.LANGUAGE, now=now, by_id=agent.user_id)
            return replace(
                step, kind=Kind.ESCALATED, escalation_reason=CallTask.Escalation.LANGUAGE
            )
        # Re-queued at once for an agent who speaks the person's language.
        set_person_language(person=task.person, language=language)
        task.language = language
        fields.append("language")
        step = replace(step, kind=Kind.LANGUAGE, language=language)
    elif rule.try_next_phone:
        task.phone_position += 1
        fields.append("phone_position")
        moved_phone = True

    task.save(update_fields=fields)
    if step.kind == Kind.RETRY:
        # The number the next attempt dials, said when it is not the one just called.
        next_phone = _next_phone(task) if moved_phone else ""
        step = replace(
            step,
            at=task.not_before,
            next_phone=next_phone if next_phone != attempt.phone else "",
        )
    # A callback the person asked for is kept, whatever the count: it is booked before the
    # deadline, and the deadline sweep texts the person if it is missed.
    if fallback and falls_back(
        outcome=attempt.outcome,
        rule=rule,
        attempts=task.attempts,
        still_queued=task.status == CallTask.Status.QUEUED,
    ):
        sms = queue_fallback_sms(task=task, now=now)
        sms_said, sms_phone = _sms_said(task=task, sms=sms)
        escalate(task=task, reason=CallTask.Escalation.MAX_ATTEMPTS, now=now, by_id=agent.user_id)
        step = replace(
            step,
            kind=Kind.ESCALATED,
            escalation_reason=CallTask.Escalation.MAX_ATTEMPTS,
            attempts=task.attempts,
            at=None,
            next_phone="",
            sms=sms_said,
            sms_phone=sms_phone,
        )
    return step


def _next_phone(task: CallTask) -> str:
    """The number the task's next attempt dials: from the numbers read with the task's lock
    when no number was retired since (lock_assignment()), else read now."""
    numbers = getattr(task, "numbers_in_service", None)
    if numbers is None:
        return current_phone(task)
    return phone_of(numbers, task.phone_position)


def _sms_said(*, task: CallTask, sms: SmsMessage | None) -> tuple[str, str]:
    """Say what became of the fallback SMS (queued now, sent before, or no number to text), and
    the number it goes to."""
    if sms is not None:
        return Sms.QUEUED, sms.phone
    if SmsMessage.objects.filter(task=task, kind=SmsMessage.Kind.FALLBACK).exists():
        return Sms.SENT_BEFORE, ""
    return Sms.NO_NUMBER, ""


def _book_follow_up(
    *,
    task: CallTask,
    agent: Agent,
    callback_at: datetime,
    callback_for_all: bool,
    now: datetime,
) -> CallTask:
    """Queue the callback of a person reached and notified as a follow-up call, from the time
    they asked for (an interview still to do goes with it).

    A follow-up is a call agreed with the person: a person may have several over time, one open
    at a time (the open one is moved to the new time), and a done one does not forbid the next.
    """
    reserved_for = None if callback_for_all else agent
    open_follow_up = (
        CallTask.objects.select_for_update()
        .open()
        .filter(person_id=task.person_id, reason=CallTask.Reason.FOLLOW_UP)
        .first()
    )
    if open_follow_up is None:
        return CallTask.objects.create(
            person_id=task.person_id,
            reason=CallTask.Reason.FOLLOW_UP,
            territory_id=task.territory_id,
            language_id=task.language_id,
            deadline_at=callback_at + CALLBACK_GRACE,
            priority=task.priority,
            index_case_id=task.index_case_id,
            exposure_id=task.exposure_id,
            not_before=callback_at,
            callback_at=callback_at,
            reserved_for=reserved_for,
            created_at=now,
        )
    if open_follow_up.status == CallTask.Status.QUEUED:
        # Being made or escalated, it is in someone's hands already: left as it is.
        CallTask.objects.filter(pk=open_follow_up.pk).update(
            deadline_at=callback_at + CALLBACK_GRACE,
            not_before=callback_at,
            callback_at=callback_at,
            reserved_for=reserved_for,
            queue_band=CallTask.Band.IN_TIME,
            callable_until=None,
        )
    return open_follow_up


def complete_call(
    *,
    assignment: Assignment,
    agent: Agent,
    outcome: str,
    now: datetime,
    notes: str = "",
    callback_at: datetime | None = None,
    callback_for_all: bool = False,
    language: Language | None = None,
    notification_given: bool = False,
    interview: dict | None = None,
    notification: dict | None = None,
) -> RecordedCall:
    """Record a call's outcome and, when the person was reached, what they said (the interview
    with its new contacts, or the notification): one transaction (invariant 10). Return the
    attempt and what happens next.

    On a lost lease the refused attempt is kept and the answers are not: LeaseLost is raised
    after the transaction commits.
    """
    lost = None
    with transaction.atomic():
        try:
            recorded = record_outcome(
                assignment=assignment,
                agent=agent,
                outcome=outcome,
                now=now,
                notes=notes,
                callback_at=callback_at,
                callback_for_all=callback_for_all,
                language=language,
                notification_given=notification_given,
            )
        except LeaseLost as exc:
            # record_outcome wrote the refused attempt in its own savepoint: keep it.
            lost = exc
        else:
            # The interview is the call's whole purpose; the notification may come with a
            # callback (given during the call, the rest is a follow-up).
            if outcome == Outcome.REACHED or notification_given:
                record_answers(
                    task=assignment.task,
                    agent=agent,
                    now=now,
                    interview=interview if outcome == Outcome.REACHED else None,
                    notification=notification,
                )
    if lost is not None:
        raise lost
    return recorded


def record_answers(
    *,
    task: CallTask,
    agent: Agent,
    now: datetime,
    interview: dict | None = None,
    notification: dict | None = None,
) -> None:
    """Record what a reached person said: the interview with the new contacts it names (queued),
    or the notification. The caller owns the transaction."""
    if interview is not None and task.index_case_id:
        assert task.index_case is not None  # its id is set
        answers = dict(interview)
        contacts = answers.pop("contacts", [])
        record_interview(index_case=task.index_case, recorded_by=agent.user, now=now, **answers)
        if contacts:
            add_contacts(index_case=task.index_case, contacts=list(contacts), now=now)
    elif notification is not None and task.exposure_id:
        assert task.exposure is not None  # its id is set
        record_notification(exposure=task.exposure, recorded_by=agent.user, now=now, **notification)
