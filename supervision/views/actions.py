"""Supervisor actions: release a stuck lease, reassign an owned callback, put an agent in pause or
log them out; and the page listing the calls held, the owned callbacks and the actions taken.

Each action is a POST that ends with a message and a redirect (to the page it came from, when
that is one of ours).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agents import roles
from agents.access import access_agent
from agents.roles import role_required
from calls.exceptions import CallInProgress
from supervision.selectors import alerts as selectors
from supervision.services import actions as services

supervisor_action = role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)


def _back(request: HttpRequest, default: str = "supervision:plateau") -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


@require_GET
@supervisor_action
def confirm_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask before giving a held call back to the queue: who holds it, since when, what the agent
    will see (works without JavaScript)."""
    task = selectors.access_task(user=request.user, pk=pk)
    now = timezone.now()
    assignment = selectors.held_call(task=task)
    context = {
        "task": task,
        "assignment": assignment,
        "may_release": assignment is not None
        and services.may_release(claimed_at=assignment.claimed_at, now=now),
        "release_from": assignment.claimed_at + timedelta(seconds=settings.RELEASE_AFTER_SECONDS)
        if assignment is not None
        else None,
        "next": _safe_next(request, "supervision:plateau"),
        "now": now,
    }
    return render(request, "supervision/confirm_release.html", context)


@require_POST
@supervisor_action
def release_lease(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a call held by an agent back to the queue (posted from the confirmation page)."""
    task = selectors.access_task(user=request.user, pk=pk)
    try:
        assignment = services.release_lease(actor=request.user, task=task, now=timezone.now())
    except services.ActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("The call held by %(agent)s is back in the queue.") % {"agent": assignment.agent},
        )
    return _back(request, "supervision:action-log")


@require_POST
@supervisor_action
def reassign_callback(request: HttpRequest, pk: int) -> HttpResponse:
    """Give an owned callback to another agent who speaks its language, or to all."""
    task = selectors.access_task(user=request.user, pk=pk)
    target = request.POST.get("agent", "")
    if target == "all":
        to = None
    elif target.isdigit():
        to = access_agent(user=request.user, pk=int(target))
    else:
        messages.error(request, _("Choose an agent, or all agents."))
        return _back(request, "supervision:action-log")
    try:
        services.reassign_callback(actor=request.user, task=task, to=to, now=timezone.now())
    except services.ActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        if to is None:
            messages.success(request, _("The callback is open to all agents."))
        else:
            messages.success(request, _("The callback now belongs to %(agent)s.") % {"agent": to})
    return _back(request, "supervision:action-log")


@require_POST
@supervisor_action
def pause_agent(request: HttpRequest, pk: int) -> HttpResponse:
    """Put an agent in pause, with a reason; refused while they are on a call."""
    agent = access_agent(user=request.user, pk=pk)
    reason = selectors.access_pause_reason(code=request.POST.get("reason", ""))
    if reason is None:
        messages.error(request, _("Choose a pause reason."))
        return _back(request)
    try:
        services.pause_agent(
            actor=request.user, agent=agent, pause_reason=reason, now=timezone.now()
        )
    except CallInProgress:
        messages.error(
            request,
            _("%(agent)s is on a call: wait for its outcome, or give the call back first.")
            % {"agent": agent},
        )
    except services.ActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("%(agent)s is in pause.") % {"agent": agent})
    return _back(request)


@require_POST
@supervisor_action
def log_out_agent(request: HttpRequest, pk: int) -> HttpResponse:
    """Set an agent offline, giving their call back, and end their sessions."""
    agent = access_agent(user=request.user, pk=pk)
    services.log_out_agent(actor=request.user, agent=agent, now=timezone.now())
    messages.success(request, _("%(agent)s is logged out.") % {"agent": agent})
    return _back(request)


@require_GET
@supervisor_action
def action_log(request: HttpRequest) -> HttpResponse:
    """List the calls held, the owned callbacks (to release or reassign) and the actions taken."""
    agents = selectors.callback_agents(user=request.user)
    callbacks = [
        (task, services.callback_candidates(task=task, agents=agents))
        for task in selectors.owned_callbacks(user=request.user)
    ]
    now = timezone.now()
    held = selectors.held_calls(user=request.user)
    for assignment in held:
        # A call only just taken is not offered: it is an interview starting.
        assignment.releasable = services.may_release(claimed_at=assignment.claimed_at, now=now)
        assignment.release_from = assignment.claimed_at + timedelta(
            seconds=settings.RELEASE_AFTER_SECONDS
        )
    context = {
        "held": held,
        "callbacks": callbacks,
        "actions": selectors.recent_actions(user=request.user),
        "limit": selectors.LIST_LIMIT,
    }
    return render(request, "supervision/actions.html", context)
