"""The workforce hub: the tools a CPAM admin or a superviseur opens."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agents import roles
from agents.roles import role_required
from workforce.selectors.contracts import contract_end_alerts


@require_GET
@role_required(roles.ADMIN_CPAM, roles.SUPERVISEUR)
def workforce(request: HttpRequest) -> HttpResponse:
    """Show the workforce tools the user's role opens, with the contract ends waiting for a
    decision."""
    is_admin = roles.has_role(request.user, roles.ADMIN_CPAM)
    alerts = len(contract_end_alerts(user=request.user)) if is_admin else 0
    return render(
        request, "workforce/hub.html", {"contract_alert_count": alerts, "can_manage": is_admin}
    )
