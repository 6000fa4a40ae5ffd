"""The queue health board: the page, and the panel htmx polls to refresh it."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agents import roles
from agents.roles import role_required
from common.charts import bar_chart
from supervision.forms import TerritoryFilterForm
from supervision.selectors import channels as channel_selectors
from supervision.selectors import queue_health as selectors
from supervision.selectors.queue_health import QueueHealth

# How often the page asks for a fresh panel (htmx polling).
REFRESH_SECONDS = 10


def _calls_chart(health: QueueHealth) -> dict | None:
    if health.calls_today is None:
        return None
    return bar_chart(
        chart_id="calls-per-hour",
        title=_("Calls per hour, today and yesterday"),
        labels=[f"{hour}h" for hour in range(24)],
        series=[
            (_("Yesterday"), "b", health.calls_yesterday),
            (_("Today"), "a", health.calls_today),
        ],
        max_labels=8,
    )


def _context(request: HttpRequest) -> dict:
    form = TerritoryFilterForm(request.GET, user=request.user)
    context = {
        "form": form,
        "refresh_seconds": REFRESH_SECONDS,
        "query": request.GET.urlencode(),
        "min_sample_calls": settings.QUEUE_HEALTH_MIN_CALLS,
        "min_sample_minutes": settings.QUEUE_HEALTH_MIN_ACTIVE_MINUTES,
    }
    if form.is_valid():
        health = selectors.queue_health(
            user=request.user, territory=form.selected_territory(), now=timezone.now()
        )
        context.update(health=health, chart=_calls_chart(health))
    return context


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def queue_health(request: HttpRequest) -> HttpResponse:
    """Show the backlog by language and deadline, the agents able to work it and the projected
    misses."""
    context = _context(request)
    health = context.get("health")
    if health is not None and health.territory is not None:
        # The proposal reads projected misses through the one function the simulator will
        # replace (today: this page's own projection, passed in).
        territory = health.territory
        context["proposal"] = channel_selectors.channel_proposal(
            user=request.user, territory=territory, now=health.now, health=health
        )
        context["waiting"] = channel_selectors.waiting_sms(territory=territory)
    return render(request, "supervision/queue_health.html", context)


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def queue_health_panel(request: HttpRequest) -> HttpResponse:
    """Render the figures of the queue health board alone, for htmx polling."""
    return render(request, "supervision/_queue_health_panel.html", _context(request))
