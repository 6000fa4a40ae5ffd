"""The téléconseiller's desk: status, next call, the call's card and script, its outcome; and
the people who call in: search, their file, the inbound call.

Every change is a POST. With htmx, a POST answers with the desk's partial (messages included)
and swaps it in place; without JavaScript, it redirects to the desk.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.formsets import BaseFormSet
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from agents import roles
from agents.access import territory_today
from agents.exceptions import AgentNotReady
from agents.models import Agent
from agents.roles import role_required
from agents.selectors import own_day, pause_cap_of
from agents.services.staff import record_heartbeat
from calls import selectors, telephony
from calls.exceptions import (
    CallInProgress,
    DraftTooLarge,
    InvalidOutcome,
    LeaseLost,
    TaskHeld,
    TaskNotOpen,
    TelephonyError,
)
from calls.forms import (
    DialForm,
    InboundOutcomeForm,
    InterviewForm,
    NotificationForm,
    OutcomeForm,
    PeopleSearchForm,
    StatusForm,
)
from calls.models import (
    Assignment,
    CallAttempt,
    CallDraft,
    CallTask,
    CarrierCall,
    DeskMessage,
)
from calls.services import drafts
from calls.services.carrier import record_dial
from calls.services.dispatch import claim_next_task, renew_lease
from calls.services.inbound import record_inbound_call
from calls.services.messages import acknowledge_desk_message
from calls.services.outcomes import complete_call, mark_connected, mark_dialled
from calls.services.presence import change_status, go_offline
from cases.forms import CONTACTS_PREFIX, ContactFormSet
from cases.models import Person
from cases.services import log_person_access
from cases.views import render_contact_row, with_extra_row


def _lease_lost_message() -> str:
    return _("This call is no longer yours: its lease expired or another agent took it.")


# Lazy: translated in the language of each request, not of the process's start.
_KEPT = gettext_lazy("What you typed is kept: it will be shown to whoever takes the call next.")


def _ended_notice(reason: str) -> str:
    """Say in words why the call on the agent's screen is no longer hers."""
    EndReason = Assignment.EndReason
    if reason == EndReason.OUTCOME:
        return _("The outcome of this call was recorded (in another tab or window).")
    if reason == EndReason.MACHINE:
        return _(
            "An answering machine answered: the call was recorded as voicemail, and will be "
            "tried again by the retry rules. You can take the next call."
        )
    if reason == EndReason.RELEASED:
        lead = _("Your supervisor gave this call back to the queue.")
    elif reason == EndReason.LOGGED_OUT:
        lead = _("Your supervisor logged you out: this call went back to the queue.")
    elif reason == EndReason.OFFLINE:
        lead = _("You were set offline: this call went back to the queue.")
    elif reason == EndReason.EXPIRED:
        lead = _("The time reserved for this call ran out: it went back to the queue.")
    else:
        lead = _lease_lost_message()
    return f"{lead} {_KEPT}"


def _carrier_state(call: CarrierCall, agent: Agent) -> dict[str, str]:
    """Say in words where the call is, as the carrier reports it."""
    State = CarrierCall.State
    zone = agent.territory.zone
    if call.state == State.ANSWERED or (call.answered_at and call.state == State.COMPLETED):
        time = date_format(timezone.localtime(call.answered_at, zone), "H:i")
        label = _("Answered at %(time)s (carrier)") % {"time": time}
        if call.answered_by == CarrierCall.AnsweredBy.MACHINE:
            label = _("Answering machine at %(time)s (carrier)") % {"time": time}
        state = State.ANSWERED
    elif call.state == State.RINGING:
        label, state = _("Ringing…"), State.RINGING
    elif call.state in (State.COMPLETED, State.FAILED):
        label = _("Call ended: %(status)s (carrier)") % {
            "status": call.get_final_status_display() or call.get_state_display()
        }
        state = call.state
    else:
        label, state = _("Calling…"), State.INITIATED
    return {"state": state, "label": label, "answered_by": call.answered_by}


def _status_notice(agent: Agent) -> str:
    """Say in words the status the agent was put in from outside her page."""
    if agent.status == Agent.Status.PAUSED and agent.pause_reason is not None:
        return _(
            "You were put in pause (%(reason)s) from outside this page: by your supervisor, or "
            "in another tab. Choose Ready when you can take calls again."
        ) % {"reason": agent.pause_reason}
    if agent.status == Agent.Status.OFFLINE:
        return _(
            "You were set offline from outside this page: by your supervisor, or after this "
            "page stopped answering. Choose Ready to take calls again."
        )
    return _("Your status was changed from outside this page: %(status)s.") % {
        "status": agent.get_status_display()
    }


# How a message's recipient reads whom it was sent to.
_MESSAGE_SCOPES = {
    DeskMessage.Scope.AGENT: gettext_lazy("to you"),
    DeskMessage.Scope.TEAM: gettext_lazy("to your team"),
    DeskMessage.Scope.PLATEAU: gettext_lazy("to the floor"),
    DeskMessage.Scope.TERRITORY: gettext_lazy("to the whole territory"),
}


def _desk_messages(agent: Agent) -> list[dict[str, str]]:
    """Return the agent's unread messages as the desk shows them (the page and the heartbeat's
    JSON alike): author, whom it was sent to, the time in her territory's zone, the text."""
    zone = agent.territory.zone
    today = territory_today(agent.territory)
    # One reverse() for all: the heartbeat runs every few seconds on every desk.
    read_url = reverse("calls:read-message", args=[0]).replace("/0/", "/{}/")
    items = []
    for receipt in selectors.unread_desk_messages(agent=agent):
        message = receipt.message
        local = timezone.localtime(message.sent_at, zone)
        shown_format = "H:i" if local.date() == today else "SHORT_DATETIME_FORMAT"
        items.append(
            {
                "id": str(message.pk),
                "author": message.author.get_full_name() or message.author.get_username(),
                "scope": str(_MESSAGE_SCOPES[message.scope]),
                "time": date_format(local, shown_format),
                "sent_at": local.isoformat(),
                "body": message.body,
                "read_url": read_url.format(message.pk),
            }
        )
    return items


def desk_view(view: Callable) -> Callable:
    """Open a view to téléconseillers only, passing their agent profile."""

    @role_required(roles.TELECONSEILLER)
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # A superuser passes role_required but has no desk of their own unless they are an agent.
        agent = (
            Agent.objects.select_related("territory", "pause_reason")
            .filter(user=request.user)
            .first()
        )
        if agent is None:
            raise PermissionDenied
        return view(request, agent, *args, **kwargs)

    return wrapped


# --- Rendering ----------------------------------------------------------------------------


def _script_form(
    task: CallTask, now: datetime, data=None
) -> InterviewForm | NotificationForm | None:
    if task.needs_interview:
        return InterviewForm(data, index_case=task.index_case, now=now)
    if task.reason == CallTask.Reason.CONTACT_NOTIFICATION:
        return NotificationForm(data, exposure=task.exposure, now=now)
    return None


def _contact_formset(task: CallTask, data=None) -> ContactFormSet | None:
    if not task.needs_interview:
        return None
    # New contacts start in the patient zéro's language.
    form_kwargs = {"territory": task.territory, "default_language": task.person.language_id}
    return ContactFormSet(data, prefix=CONTACTS_PREFIX, form_kwargs=form_kwargs)


def _render_desk(
    request: HttpRequest,
    agent: Agent,
    *,
    outcome_form: OutcomeForm | None = None,
    script_form=None,
    contacts=None,
    show_errors: bool = False,
) -> HttpResponse:
    now = timezone.now()
    assignment = selectors.held_assignment(agent=agent)
    card = None
    interrupted = None
    restored_at = None
    carrier_state = None
    if assignment is not None:
        card = selectors.desk_card(assignment=assignment, now=now)
        # Health data: every display of a person's card to an agent is logged.
        log_person_access(user=request.user, persons=card.persons_shown, what="desk", now=now)
        drafts = selectors.card_drafts(assignment=assignment)
        if outcome_form is None:
            # A reload mid-interview: the fields come back as typed, in the page itself.
            typed = _draft_data(drafts.own) if drafts.own else None
            outcome_form = OutcomeForm(
                typed, zone=card.person.territory.zone, now=now, task=card.task
            )
            script_form = _script_form(card.task, now, typed)
            contacts = _contact_formset(card.task, typed)
            if typed is not None and drafts.own is not None:
                _as_typed(outcome_form, script_form, contacts)
                restored_at = drafts.own.updated_at
        if drafts.interrupted is not None:
            interrupted = _interrupted_call(card.task, now, drafts.interrupted)
        if call := selectors.carrier_call_of(
            assignment_id=assignment.pk, carrier_call_id=assignment.carrier_call_id
        ):
            carrier_state = _carrier_state(call, agent)
    agent.refresh_from_db(fields=["status", "status_since", "pause_reason"])
    context = {
        "agent": agent,
        "card": card,
        "pause_reasons": selectors.active_pause_reasons(),
        # A training or meeting past its daily cap needs a supervisor's confirmation: say so.
        "pause_cap": pause_cap_of(agent=agent, now=now),
        "outcome_form": outcome_form,
        "script_form": script_form,
        "contacts": contacts,
        "show_errors": show_errors,
        "interrupted": interrupted,
        "restored_at": restored_at,
        "carrier_state": carrier_state,
        "partial": bool(request.htmx),
        "Status": Agent.Status,
        "heartbeat_seconds": settings.DESK_HEARTBEAT_SECONDS,
        "poll_seconds": settings.DESK_POLL_SECONDS,
        # The calls a supervisor handed to this agent: they may put them back or close them.
        "handed": selectors.handed_tasks(agent=agent) if card is None else [],
        "closed_reasons": CallTask.STAFF_CLOSED_REASONS,
        "desk_messages": _desk_messages(agent),
        # Her own day, drawn again with the desk after each outcome.
        "own_day": own_day(agent=agent, now=now),
        "conversation_outcomes": " ".join(CallAttempt.CONVERSATION_OUTCOMES),
    }
    template = "calls/_desk.html" if request.htmx else "calls/desk.html"
    return render(request, template, context)


def _draft_data(draft: CallDraft) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, values in draft.fields.items():
        if isinstance(values, list):
            data.setlist(name, [str(v) for v in values])
    return data


def _as_typed(*forms) -> None:
    """Show bound forms as typed, not judged: a draft is work in progress, so no field of it is
    marked invalid (errors are shown when the outcome is recorded)."""
    for form in forms:
        if form is None:
            continue
        if isinstance(form, BaseFormSet):
            form._errors, form._non_form_errors = [], form.error_class()
            _as_typed(*form.forms)
        else:
            form._errors = ErrorDict()


@dataclass(frozen=True)
class InterruptedCall:
    """The draft of a call on this task that was interrupted, as the next agent reads it."""

    draft: CallDraft
    agent: Agent
    lines: list[tuple[str, str]]


def _shown_value(bound) -> str:
    """Return a field's typed value as the agent reads it: a choice's label, a date in words."""
    value, field = bound.value(), bound.field
    if value in (None, "", [], False):
        return ""
    if value is True:
        return str(_("yes"))
    try:
        if isinstance(field, forms.ModelChoiceField):
            return str(field.to_python(value))
        if isinstance(field, forms.DateField):
            return date_format(field.to_python(value), "SHORT_DATE_FORMAT")
    except ValidationError:
        return str(value)
    if isinstance(field, forms.ChoiceField):
        labels = {}
        for key, label in field.choices:
            # Grouped choices: (group, [(key, label), ...]).
            pairs = label if isinstance(label, list | tuple) else [(key, label)]
            labels.update({str(k): str(v) for k, v in pairs})
        return labels.get(str(value), str(value))
    return str(value)


def _interrupted_call(task: CallTask, now: datetime, draft: CallDraft) -> InterruptedCall:
    """Read an interrupted call's draft as label and value lines, in the card's own words."""
    data = _draft_data(draft)
    outcome_form = OutcomeForm(data, zone=task.person.territory.zone, now=now, task=task)
    lines = []
    for form in (_script_form(task, now, data), outcome_form):
        for bound in form or []:
            # The callback's owner means nothing unless a callback was chosen.
            if bound.name == "callback_for" and data.get("outcome") != "callback":
                continue
            if text := _shown_value(bound):
                lines.append((str(bound.label), text))
    contacts = _contact_formset(task, data)
    for number, contact in enumerate(contacts.forms if contacts is not None else [], start=1):
        if not any(data.get(contact.add_prefix(k)) for k in ("first_name", "last_name", "phone")):
            continue
        values = [text for bound in contact if (text := _shown_value(bound))]
        lines.append((str(_("Contact %(number)s") % {"number": number}), ", ".join(values)))
    return InterruptedCall(draft=draft, agent=draft.assignment.agent, lines=lines)


def _back_to_desk(request: HttpRequest, agent: Agent) -> HttpResponse:
    if request.htmx:
        return _render_desk(request, agent)
    return redirect("calls:desk")


# --- Pages and actions --------------------------------------------------------------------


@require_GET
@desk_view
def desk(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Show the agent's desk: their status, the next-call button, the card of the call they hold."""
    return _render_desk(request, agent)


@require_POST
@desk_view
def set_status(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Set the agent ready, paused (with a reason) or offline; offline gives back a held call."""
    form = StatusForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _back_to_desk(request, agent)
    try:
        change_status(
            agent=agent,
            status=form.cleaned_data["status"],
            now=timezone.now(),
            pause_reason=form.cleaned_data["pause_reason"],
        )
    except CallInProgress as exc:
        messages.error(request, str(exc))
    return _back_to_desk(request, agent)


@require_POST
@desk_view
def claim_next(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Take the most urgent call the agent may make now."""
    try:
        assignment = claim_next_task(agent=agent, now=timezone.now())
    except AgentNotReady as exc:
        messages.error(request, str(exc))
    else:
        if assignment is None:
            messages.info(request, _("No call available right now. Try again in a moment."))
    return _back_to_desk(request, agent)


@require_POST
@desk_view
def dial(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Dial one of the person's numbers through the telephony system, stamping the time."""
    assignment = selectors.get_assignment_for_agent(agent=agent, pk=pk)
    if assignment.closed_at is not None:
        messages.error(request, _lease_lost_message())
        return _back_to_desk(request, agent)
    numbers = [
        p.number for p in selectors.phones_to_dial(person=assignment.task.person, suggested="")
    ]
    form = DialForm(request.POST, numbers=numbers)
    if not form.is_valid():
        messages.error(request, _("This number is not one of the person's numbers in service."))
        return _back_to_desk(request, agent)
    number = form.cleaned_data["number"]
    mark_dialled(assignment=assignment, agent=agent, phone=number, now=timezone.now())
    backend = telephony.get_backend()
    try:
        # The switch is a boundary: it rings the agent's line, then the person.
        reference = backend.dial(
            agent=agent,
            number=number,
            assignment_id=assignment.pk,
            voicemail=selectors.voicemail_drop_for(task=assignment.task),
        )
    except TelephonyError:
        messages.warning(
            request, _("The telephony system could not place the call: dial the number by hand.")
        )
    else:
        if backend.carrier:
            # The carrier's id ties its events and CDR lines to this call.
            record_dial(
                assignment=assignment,
                agent=agent,
                carrier=backend.carrier,
                call_id=reference,
                now=timezone.now(),
            )
    return _back_to_desk(request, agent)


@require_POST
@desk_view
def connected(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Stamp the moment the person answered."""
    assignment = selectors.get_assignment_for_agent(agent=agent, pk=pk)
    if assignment.closed_at is not None:
        messages.error(request, _lease_lost_message())
    else:
        mark_connected(assignment=assignment, agent=agent, now=timezone.now())
    return _back_to_desk(request, agent)


@require_POST
@desk_view
def heartbeat(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Note that the agent's desk is open (desk.js beats every DESK_HEARTBEAT_SECONDS) and, asked
    in JSON (every DESK_POLL_SECONDS while the page is visible), tell the desk what changed
    without it: the call it shows released, the agent paused or set offline."""
    record_heartbeat(agent=agent, now=timezone.now())
    if "application/json" not in request.headers.get("Accept", ""):
        return HttpResponse(status=204)
    shown = request.POST.get("assignment", "")
    # An id, or nothing: a number past a database integer is not one of hers either.
    shown_id = int(shown) if shown.isdigit() and len(shown) <= 18 else None
    state = selectors.desk_state(agent=agent, shown=shown_id)
    ended = None
    if state.shown_end_reason is not None:
        ended = {"reason": state.shown_end_reason, "notice": _ended_notice(state.shown_end_reason)}
    carrier = None
    if state.held_id is not None and (
        call := selectors.carrier_call_of(
            assignment_id=state.held_id, carrier_call_id=state.held_carrier_call_id
        )
    ):
        carrier = _carrier_state(call, agent)
    return JsonResponse(
        {
            "status": agent.status,
            "status_notice": _status_notice(agent),
            "assignment": state.held_id,
            "ended": ended,
            # The call's life as the carrier reports it (ringing, answered...), shown on the card.
            "carrier": carrier,
            # Unread messages from supervisors: the desk shows each until she marks it read.
            "messages": _desk_messages(agent),
        }
    )


@require_POST
@desk_view
def read_message(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Mark a message from a supervisor read (« Lu »): it leaves the agent's desk; 404 for a
    message that was not sent to her."""
    receipt = selectors.get_receipt_for_agent(agent=agent, message_id=pk)
    acknowledge_desk_message(receipt=receipt, now=timezone.now())
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"read": pk})
    return redirect("calls:desk")


@require_POST
@desk_view
def save_draft(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Keep what the agent has typed on the card of the call she holds (desk.js posts the
    outcome form as she types); 409 once the call is no longer hers, 413 past the size bound."""
    assignment = selectors.get_assignment_for_agent(agent=agent, pk=pk)
    try:
        draft = drafts.save_draft(
            assignment=assignment,
            agent=agent,
            fields=drafts.draft_fields(request.POST),
            now=timezone.now(),
        )
    except DraftTooLarge as exc:
        return JsonResponse({"code": exc.code, "detail": str(exc)}, status=413)
    except LeaseLost:
        assignment.refresh_from_db(fields=["end_reason"])
        return JsonResponse(
            {"code": LeaseLost.code, "detail": _ended_notice(assignment.end_reason)}, status=409
        )
    return JsonResponse({"saved_at": draft.updated_at.isoformat()})


@require_POST
@desk_view
def resume_draft(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Put the answers typed on an interrupted call of this task into the agent's own card."""
    assignment = selectors.get_assignment_for_agent(agent=agent, pk=pk)
    interrupted = selectors.card_drafts(assignment=assignment).interrupted
    if interrupted is None:
        messages.error(request, _("There are no notes of an interrupted call to take over."))
        return _back_to_desk(request, agent)
    try:
        drafts.save_draft(
            assignment=assignment, agent=agent, fields=interrupted.fields, now=timezone.now()
        )
    except LeaseLost:
        messages.error(request, _lease_lost_message())
    else:
        messages.success(
            request,
            _("The notes of the interrupted call are in your form: check them with the person."),
        )
    return _back_to_desk(request, agent)


@require_POST
@desk_view
def renew(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Keep the call for another lease period (desk.js asks every few minutes); 409 if it is
    lost."""
    assignment = selectors.get_assignment_for_agent(agent=agent, pk=pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        assignment = renew_lease(assignment=assignment, agent=agent, now=timezone.now())
    except LeaseLost:
        if wants_json:
            return JsonResponse(
                {"code": LeaseLost.code, "detail": _lease_lost_message()}, status=409
            )
        messages.error(request, _lease_lost_message())
        return _back_to_desk(request, agent)
    if wants_json:
        return JsonResponse({"lease_expires_at": assignment.lease_expires_at.isoformat()})
    messages.success(request, _("The call is yours for a while longer."))
    return _back_to_desk(request, agent)


@require_POST
@desk_view
def record_call_outcome(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Record how the call ended and, when the person was reached, what they said: all or
    nothing."""
    assignment = selectors.get_assignment_for_agent(agent=agent, pk=pk)
    task = assignment.task
    now = timezone.now()
    # Without JavaScript, "add a contact" submits the whole form: show it again with one more row.
    adding_row = "add_contact" in request.POST
    data = with_extra_row(request.POST) if adding_row else request.POST
    outcome_form = OutcomeForm(data, zone=task.person.territory.zone, now=now, task=task)
    script_form = _script_form(task, now, data)
    contacts = _contact_formset(task, data)
    if adding_row:
        return _render_desk(
            request, agent, outcome_form=outcome_form, script_form=script_form, contacts=contacts
        )

    if not _call_forms_valid(outcome_form, script_form, contacts):
        messages.error(request, _("Nothing was recorded: please correct the errors below."))
        return _render_desk(
            request,
            agent,
            outcome_form=outcome_form,
            script_form=script_form,
            contacts=contacts,
            show_errors=True,
        )

    outcome = outcome_form.cleaned_data
    try:
        recorded = complete_call(
            assignment=assignment,
            agent=agent,
            outcome=outcome["outcome"],
            now=now,
            notes=outcome["notes"],
            callback_at=outcome["callback_at"],
            callback_for_all=outcome_form.callback_for_all(),
            language=outcome["language"],
            notification_given=outcome["notification_given"],
            **_answers(script_form, contacts),
        )
    except LeaseLost:
        messages.error(request, _lease_lost_message())
    except InvalidOutcome as exc:
        outcome_form.add_error(None, str(exc))
        return _render_desk(
            request,
            agent,
            outcome_form=outcome_form,
            script_form=script_form,
            contacts=contacts,
            show_errors=True,
        )
    else:
        # What the retry rules decided, as the service says it: the agent never has to guess.
        messages.success(
            request,
            _("Outcome recorded. %(next_step)s") % {"next_step": recorded.next_step.message()},
        )
    return _back_to_desk(request, agent)


def _call_forms_valid(outcome_form: OutcomeForm, script_form, contacts) -> bool:
    # The script's answers are required only when the person was reached (the interview), or
    # given the notification (a callback after it); then everything is checked before anything
    # is written.
    valid = outcome_form.is_valid()
    if outcome_form.is_reached:
        valid = all(
            [
                valid,
                script_form is None or script_form.is_valid(),
                contacts is None or contacts.is_valid(),
            ]
        )
    elif outcome_form.is_notified and isinstance(script_form, NotificationForm):
        valid = script_form.is_valid() and valid
    return valid


def _answers(script_form, contacts) -> dict:
    """Turn the script's forms into complete_call()'s answers (used only when reached)."""
    if isinstance(script_form, InterviewForm) and script_form.is_valid():
        answers = script_form.cleaned_data
        return {
            "interview": {
                "symptomatic": answers["symptomatic"],
                "symptom_onset_on": answers["symptom_onset_on"],
                "consent_to_name": answers["consent_to_name"],
                "support_needed": answers["support_needed"],
                "contacts": contacts.contacts()
                if contacts is not None and contacts.is_valid()
                else [],
            }
        }
    if isinstance(script_form, NotificationForm) and script_form.is_valid():
        answers = script_form.cleaned_data
        return {
            "notification": {
                "last_exposure_date": answers["last_exposure_date"],
                "certificate_needed": answers["certificate_needed"],
                "support_referral": answers["support_referral"],
            }
        }
    return {}


@require_GET
@desk_view
def contact_row(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Return one more empty contact row for the interview (htmx)."""
    return render_contact_row(request)


_logout = auth_views.LogoutView.as_view()


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Log out; an agent goes offline first and gives back the call they held. The API token is
    revoked by every logout (agents.services.sessions.revoke_tokens_on_logout)."""
    agent = (
        Agent.objects.filter(user=request.user).first() if request.user.is_authenticated else None
    )
    if agent is not None:
        go_offline(agent=agent, now=timezone.now())
    return _logout(request)


# --- Inbound calls: the person who calls is found, their file opened, the call recorded -----


@require_GET
@never_cache
@desk_view
def people_search(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Find the person who calls in by phone, name or case reference; log each person listed."""
    form = PeopleSearchForm(request.GET if "q" in request.GET else None)
    found = None
    if form.is_valid():
        found = selectors.search_people(agent=agent, query=form.cleaned_data["q"])
        # Health data: being listed is a read of the person's record.
        log_person_access(
            user=request.user, persons=found.persons, what="desk-search", now=timezone.now()
        )
    context = {
        "form": form,
        "found": found,
        "query": request.GET.get("q", ""),
        # With results, the first one has the cursor: Enter opens it.
        "search_autofocus": not (found and found.rows),
        "heartbeat_seconds": settings.DESK_HEARTBEAT_SECONDS,
        "poll_seconds": settings.DESK_POLL_SECONDS,
    }
    return render(request, "calls/search.html", context)


@require_GET
@never_cache
@desk_view
def person_detail(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Show a person's file (identity, calls owed and made, SMS) with the inbound call's form for
    one of their open calls (?task=, or the earliest deadline)."""
    person = selectors.get_person_for_desk(agent=agent, pk=pk)
    return _render_person(request, person, task_pk=request.GET.get("task"))


def _render_person(
    request: HttpRequest,
    person: Person,
    *,
    task_pk=None,
    outcome_form: InboundOutcomeForm | None = None,
    script_form=None,
    contacts=None,
    show_errors: bool = False,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    file = selectors.person_file(person=person)
    log_person_access(user=request.user, persons=file.persons_shown, what="desk-person", now=now)
    open_tasks = file.open_tasks
    task = next((t for t in open_tasks if str(t.pk) == str(task_pk)), None)
    if task is None and outcome_form is None and open_tasks:
        task = open_tasks[0]
    card = None
    if task is not None:
        card = selectors.inbound_card(task=task, now=now)
        if outcome_form is None:
            outcome_form = InboundOutcomeForm(
                zone=person.territory.zone, now=now, person=person, task=task
            )
            script_form = _script_form(task, now)
            contacts = _contact_formset(task)
    context = {
        "person": person,
        "file": file,
        "card": card,
        "task": task,
        "outcome_form": outcome_form,
        "script_form": script_form,
        "contacts": contacts,
        "show_errors": show_errors,
        "heartbeat_seconds": settings.DESK_HEARTBEAT_SECONDS,
        "poll_seconds": settings.DESK_POLL_SECONDS,
    }
    return render(request, "calls/person.html", context, status=status)


@require_POST
@never_cache
@desk_view
def record_inbound(request: HttpRequest, agent: Agent, pk: int, task_pk: int) -> HttpResponse:
    """Record an inbound call on one of the person's open calls, with what they said: all or
    nothing."""
    person = selectors.get_person_for_desk(agent=agent, pk=pk)
    task = selectors.get_task_of_person(person=person, pk=task_pk)
    now = timezone.now()
    adding_row = "add_contact" in request.POST
    data = with_extra_row(request.POST) if adding_row else request.POST
    outcome_form = InboundOutcomeForm(
        data, zone=person.territory.zone, now=now, person=person, task=task
    )
    script_form = _script_form(task, now, data)
    contacts = _contact_formset(task, data)
    bound = {"outcome_form": outcome_form, "script_form": script_form, "contacts": contacts}
    if adding_row:
        return _render_person(request, person, task_pk=task.pk, **bound)
    if not _call_forms_valid(outcome_form, script_form, contacts):
        messages.error(request, _("Nothing was recorded: please correct the errors below."))
        return _render_person(request, person, task_pk=task.pk, show_errors=True, **bound)

    outcome = outcome_form.cleaned_data
    try:
        recorded = record_inbound_call(
            task=task,
            agent=agent,
            outcome=outcome["outcome"],
            now=now,
            started_at=outcome["opened"],
            notes=outcome["notes"],
            callback_at=outcome["callback_at"],
            callback_for_all=outcome_form.callback_for_all(),
            language=outcome["language"],
            **_answers(script_form, contacts),
        )
    except TaskHeld as exc:
        # Kept as typed: the agent sends it again once the colleague has finished.
        messages.error(request, str(exc))
        return _render_person(
            request, person, task_pk=task.pk, show_errors=True, status=409, **bound
        )
    except TaskNotOpen as exc:
        messages.error(request, str(exc))
    except InvalidOutcome as exc:
        outcome_form.add_error(None, str(exc))
        return _render_person(request, person, task_pk=task.pk, show_errors=True, **bound)
    else:
        messages.success(
            request,
            _("Inbound call recorded. %(next_step)s") % {"next_step": recorded.next_step.message()},
        )
    return redirect("calls:person", pk=person.pk)
