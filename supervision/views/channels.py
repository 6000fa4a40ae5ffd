"""Channel modes of a territory (issue 15): the settings page, and the one-click switch to
SMS-first proposed on the queue-health page when the day is projected to miss.

The page lives in supervision, next to the queue health that proposes the switch and the action
log that records it; the territory's row is changed through agents' service. CPAM admins (of the
territory), national admins and superusers switch; supervisors see the mode and the waiting
messages, and the proposal, but the territory's settings are the CPAM admin's (DESIGN §6)."""

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agents import roles
from agents.access import access_own_territory
from agents.models import Territory
from agents.roles import role_required
from supervision.forms import ChannelModeForm
from supervision.selectors import channels as selectors
from supervision.services import actions as services

channel_page = role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM, roles.ADMIN_NATIONAL)


def access_channel_territory(request: HttpRequest, code: str | None) -> Territory:
    """Return the territory a channel page is about: a national admin's or superuser's choice
    (?territory=code, default the first), anyone else's own; 404 for another territory."""
    if roles.is_national_admin(request.user):
        territories = Territory.objects.order_by("code")
        territory = territories.filter(code=code).first() if code else territories.first()
        if territory is None:
            raise Http404
        return territory
    territory = access_own_territory(request.user)
    if code and code != territory.code:
        raise Http404
    return territory


def _url(territory: Territory) -> str:
    return f"{reverse('supervision:channel-mode')}?territory={territory.code}"


@require_http_methods(["GET", "POST"])
@channel_page
def channel_mode(request: HttpRequest) -> HttpResponse:
    """Show a territory's channel mode and its waiting messages; its CPAM admin changes them."""
    territory = access_channel_territory(
        request, request.POST.get("territory") or request.GET.get("territory")
    )
    may_switch = selectors.may_switch_channel_mode(request.user, territory)
    initial = {
        "mode": territory.channel_mode,
        "sms_only_exposure_types": territory.sms_only_exposure_types,
        "sms_daily_quota": territory.sms_daily_quota,
    }
    form = ChannelModeForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not may_switch:
            raise PermissionDenied
        if form.is_valid():
            services.switch_channel_mode(
                actor=request.user,
                territory=territory,
                mode=form.cleaned_data["mode"],
                sms_only_exposure_types=form.cleaned_data["sms_only_exposure_types"],
                sms_daily_quota=form.cleaned_data["sms_daily_quota"],
                now=timezone.now(),
            )
            flash.success(request, _("Channel mode saved."))
            return redirect(_url(territory))
    context = {
        "territory": territory,
        "form": form,
        "may_switch": may_switch,
        "waiting": selectors.waiting_sms(territory=territory),
        "territories": Territory.objects.order_by("code")
        if roles.is_national_admin(request.user)
        else None,
    }
    return render(
        request, "supervision/channel_mode.html", context, status=400 if form.errors else 200
    )


@require_POST
@role_required(roles.ADMIN_CPAM, roles.ADMIN_NATIONAL)
def switch_to_sms_first(request: HttpRequest) -> HttpResponse:
    """Switch a territory to SMS-first in one click, from the queue-health proposal."""
    territory = access_channel_territory(request, request.POST.get("territory"))
    if not selectors.may_switch_channel_mode(request.user, territory):
        raise PermissionDenied
    now = timezone.now()
    services.switch_channel_mode(
        actor=request.user,
        territory=territory,
        mode=Territory.ChannelMode.SMS_FIRST,
        now=now,
        projected_misses=selectors.projected_misses(
            user=request.user, territory=territory, now=now
        ),
    )
    flash.success(request, _("SMS-first is on: every new contact gets an SMS at once."))
    return redirect(reverse("supervision:queue-health"))
