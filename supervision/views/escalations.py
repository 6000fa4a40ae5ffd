"""The escalations page: the calls the queue could not finish, and what to do with each."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agents import roles
from agents.roles import role_required
from calls.models import CallTask
from calls.services.fallback import retry_failed_sms
from calls.services.lifecycle import own_agent
from cases.services import log_person_access
from supervision.forms import EscalationFilterForm
from supervision.selectors import escalations as selectors


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def escalations(request: HttpRequest) -> HttpResponse:
    """List the escalated calls (to assign, put back, call now or close), the calls followed up
    after an escalation or past their deadline, and the calls at risk, of the user's territory."""
    now = timezone.now()
    form = EscalationFilterForm(request.GET)
    filters = form.filters()
    escalated = selectors.escalated_tasks(user=request.user, filters=filters, now=now)
    followed = selectors.followed_tasks(user=request.user, filters=filters, now=now)
    rows = selectors.task_rows(tasks=escalated + followed)
    at_risk = selectors.at_risk_tasks(user=request.user)
    undelivered = selectors.undelivered_sms(user=request.user)
    # The page shows names and numbers: log the persons shown.
    shown = {
        t.person_id: t.person
        for t in [*escalated, *followed, *at_risk, *(s.task for s in undelivered)]
    }
    log_person_access(user=request.user, persons=list(shown.values()), what="escalations", now=now)
    context = {
        "form": form,
        "filtered": bool(filters),
        "counts": selectors.escalation_counts(user=request.user),
        "escalated": rows[: len(escalated)],
        "followed": rows[len(escalated) :],
        "at_risk": at_risk,
        "undelivered_sms": undelivered,
        "sms_max_attempts": settings.SMS_MAX_ATTEMPTS,
        "limit": selectors.LIST_LIMIT,
        "closed_reasons": CallTask.STAFF_CLOSED_REASONS,
        # "Call it now" is offered to those who can make calls: a téléconseiller's profile.
        "can_call": own_agent(request.user) is not None
        and roles.TELECONSEILLER in roles.roles_of(request.user),
        "now": now,
        "late_hours": settings.LATE_CALLABLE_HOURS,
        "here": request.get_full_path(),
    }
    return render(request, "supervision/escalations.html", context)


@require_POST
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def retry_sms(request: HttpRequest, pk: int) -> HttpResponse:
    """Send again an SMS the outbox gave up on (once the gateway or the number is fixed)."""
    sms = selectors.access_undelivered_sms(user=request.user, pk=pk)
    if retry_failed_sms(sms_id=sms.pk):
        messages.success(request, _("The SMS will be sent again."))
    else:
        messages.info(request, _("This SMS is no longer undelivered."))
    return redirect("supervision:escalations")
