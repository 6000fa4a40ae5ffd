"""Supervisors' pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agents import roles
from agents.roles import role_required
from supervision.selectors import escalations as selectors


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def escalations(request: HttpRequest) -> HttpResponse:
    """List the escalated and the at-risk calls of the user's territory."""
    context = {
        "escalated": selectors.escalated_tasks(user=request.user),
        "at_risk": selectors.at_risk_tasks(user=request.user),
        "limit": selectors.LIST_LIMIT,
    }
    return render(request, "supervision/escalations.html", context)
