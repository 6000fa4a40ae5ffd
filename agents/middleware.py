"""A member of staff with a password someone else chose changes it before anything else.

Whether they must is read once, at login, into their session: the pages, the desk's polling and
the API pay no query for it.
"""

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from agents.models import Agent

SESSION_KEY = "password_change_required"
# What stays open to them meanwhile: the change itself, logging out, the language switch, static
# files; the API answers machines, which have no page to be sent to.
ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/api/")


def remember_password_change_required(
    sender: type, request: HttpRequest | None, user: AbstractBaseUser | AnonymousUser, **kwargs
) -> None:
    """At login (any login page), note in the session whether the password must change first."""
    if request is not None and hasattr(request, "session"):
        required = Agent.objects.filter(user_id=user.pk, password_change_required=True).exists()
        request.session[SESSION_KEY] = required


def forget_password_change_required(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(SESSION_KEY) and not request.path.startswith(ALLOWED_PREFIXES):
            # The page says why (password_change_form.html).
            return redirect(f"{reverse('password_change')}?next={request.get_full_path()}")
        return self.get_response(request)
