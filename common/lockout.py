"""What a locked-out login answers (django-axes's AXES_LOCKOUT_CALLABLE): a page in the site's
layout that says for how long, or JSON for the API; 429 either way."""

from datetime import timedelta

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

API_PREFIX = "/api/"


def cooloff_minutes(cool_off: timedelta | None) -> int:
    """Return the lockout's length in whole minutes, rounded up (at least one)."""
    if cool_off is None:
        return 0
    return max(1, -(-int(cool_off.total_seconds()) // 60))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """Answer a locked-out login: the lockout page, or for the API a JSON body with a detail."""
    minutes = cooloff_minutes(get_cool_off(request))
    if minutes:
        retry = ngettext(
            "Try again in %(minutes)d minute.", "Try again in %(minutes)d minutes.", minutes
        ) % {"minutes": minutes}
    else:
        retry = _("Ask an administrator to unlock it.")
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = JsonResponse(
            {
                "detail": _("Too many failed logins: this account or address is locked.")
                + " "
                + retry,
                "code": "locked_out",
                "retry_after_minutes": minutes or None,
            },
            status=429,
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"minutes": minutes, "retry": retry},
            status=429,
        )
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response
