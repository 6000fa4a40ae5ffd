"""The moves of a call outside the queue (the escalation lifecycle, docs/queue.md): assign it to a
named agent, put it back in the queue, call it now, close it with a reason.

Supervisors and CPAM admins act from the escalations page; the agent a call is reserved for puts
it back or closes it from their desk. Each action is a POST that ends with a message and a
redirect to the page it came from (when that is one of ours).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agents import roles
from agents.roles import role_required
from calls.forms import AssignForm, CloseForm, RequeueForm
from calls.selectors import access_task_to_move
from calls.services import lifecycle
from calls.services.lifecycle import Transition
from common.exceptions import DomainError

# Who may reach these pages at all; which call each may move is the service's rule
# (lifecycle.may_transition), checked by access_task_to_move.
lifecycle_view = role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM, roles.TELECONSEILLER)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("agents:home")


def _form_errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))


@require_POST
@lifecycle_view
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a call for a named agent, who gets it first."""
    task = access_task_to_move(user=request.user, pk=pk, transition=Transition.ASSIGN)
    form = AssignForm(request.POST, task=task)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request)
    agent = form.cleaned_data["agent"]
    try:
        lifecycle.assign_task(
            actor=request.user,
            task=task,
            agent=agent,
            now=timezone.now(),
            note=form.cleaned_data["note"],
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The call is assigned to %(agent)s.") % {"agent": agent})
    return _back(request)


@require_POST
@lifecycle_view
def requeue(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a call back in the queue for all agents, from a new target time."""
    task = access_task_to_move(user=request.user, pk=pk, transition=Transition.REQUEUE)
    form = RequeueForm(request.POST, zone=task.territory.zone)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request)
    try:
        lifecycle.requeue_task(
            actor=request.user,
            task=task,
            now=timezone.now(),
            target_at=form.cleaned_data["target_at"],
            note=form.cleaned_data["note"],
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The call is back in the queue."))
    return _back(request)


@require_POST
@lifecycle_view
def call_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the call for oneself and make it from the desk."""
    task = access_task_to_move(user=request.user, pk=pk, transition=Transition.CALL_NOW)
    try:
        lifecycle.call_task_now(actor=request.user, task=task, now=timezone.now())
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return _back(request)
    messages.success(request, _("The call is yours: make it now."))
    return redirect("calls:desk")


@require_POST
@lifecycle_view
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a call for good, with the reason why."""
    task = access_task_to_move(user=request.user, pk=pk, transition=Transition.CLOSE)
    form = CloseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request)
    try:
        lifecycle.close_task(
            actor=request.user,
            task=task,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
            note=form.cleaned_data["note"],
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The call is closed."))
    return _back(request)
