"""The alert list and its acknowledgement."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agents import roles
from agents.access import territory_today
from agents.roles import role_required
from agents.services.pauses import decide_pause_over_cap
from supervision.models import Alert
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


@require_POST
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def decide_pause_cap(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm or refuse an agent's pause past its reason's daily cap (the alert's agent, the
    pause they are in, today in their territory). Refused, the time past the cap is idle."""
    alert = selectors.access_alert(user=request.user, pk=pk)
    decision = request.POST.get("decision", "")
    agent = alert.agent
    if alert.kind != Alert.Kind.PAUSE_OVER_CAP or decision not in ("confirm", "refuse"):
        messages.error(request, _("Choose to confirm or to refuse the pause."))
    elif agent.pause_reason is None:
        messages.info(request, _("The pause has ended: there is nothing to confirm."))
    else:
        decide_pause_over_cap(
            agent=agent,
            day=territory_today(agent.territory),
            pause_reason=agent.pause_reason,
            confirmed=decision == "confirm",
            user=request.user,
            note=request.POST.get("note", "").strip()[:NOTE_MAX_LENGTH],
            now=timezone.now(),
        )
        if decision == "confirm":
            messages.success(request, _("Pause confirmed: it counts as a pause today."))
        else:
            messages.success(request, _("Pause refused: its time past the cap counts as idle."))
    return redirect("supervision:alerts")
