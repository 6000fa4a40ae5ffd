"""The alert list and its acknowledgement."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agents import roles
from agents.roles import role_required
from supervision.selectors import alerts as selectors
from supervision.services.alerts import acknowledge_alert

NOTE_MAX_LENGTH = 500


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def alert_list(request: HttpRequest) -> HttpResponse:
    """List the open alerts of the user's territory, the newest first."""
    context = {"alerts": selectors.open_alerts(user=request.user), "limit": selectors.LIST_LIMIT}
    return render(request, "supervision/alerts.html", context)


@require_POST
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge an alert with a note."""
    alert = selectors.access_alert(user=request.user, pk=pk)
    note = request.POST.get("note", "").strip()[:NOTE_MAX_LENGTH]
    if acknowledge_alert(alert=alert, user=request.user, note=note, now=timezone.now()):
        messages.success(request, _("Alert acknowledged."))
    else:
        messages.info(request, _("This alert was already acknowledged."))
    return redirect("supervision:alerts")
