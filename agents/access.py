"""Access helpers: which territory a user works for or names, and what day it is there."""

from datetime import date, datetime
from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import BadRequest, ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.request import Request

from agents import roles
from agents.models import Agent, Doctor, Territory, staff_territory_id
from agents.serializers import TerritoryRefSerializer

# What request.user holds (django-stubs read AUTH_USER_MODEL): the type of a `user` parameter
# that receives it, anonymous included.
RequestUser: TypeAlias = User | AnonymousUser


def access_own_territory(user: RequestUser) -> Territory:
    """Return the user's territory; refuse (403) an account that has none (a role without a
    profile)."""
    territory_id = staff_territory_id(user)
    if territory_id is None:
        raise PermissionDenied
    return Territory.objects.get(pk=territory_id)


def territory_today(territory: Territory, now: datetime | None = None) -> date:
    """Return today (or the day of `now`) in the territory's own time zone: the one answer to
    "what day is it there"."""
    return timezone.localdate(now, timezone=territory.zone)


def user_today(user: User) -> date:
    """Return today in the user's territory (a superuser without one: the server's zone)."""
    try:
        agent = user.agent
    except ObjectDoesNotExist:
        return timezone.localdate()
    # The page header reads user.agent.territory too: the page pays for it once.
    return timezone.localdate(timezone=agent.territory.zone)


def access_territory_in_body(
    request: Request, *, national_roles: tuple[str, ...] = ()
) -> Territory:
    """Return the territory named in the request body, refusing (403) one the user does not work in.

    Resolved before the rest of the body, so that someone from another territory learns nothing
    from field errors, and so that phone numbers can be read in the territory's region.
    """
    ref = TerritoryRefSerializer(data=request.data)
    ref.is_valid(raise_exception=True)
    territory = ref.validated_data["territory"]
    user = request.user
    national = bool(national_roles) and bool(roles.roles_of(user) & set(national_roles))
    if not (user.is_superuser or national or staff_territory_id(user) == territory.pk):
        raise ApiPermissionDenied(_("You may not act in this territory."))
    return territory


def access_own_territory_unless_superuser(user: RequestUser) -> Territory | None:
    """Return the territory the user works for; None for a superuser, who chooses one."""
    if user.is_superuser:
        return None
    return access_own_territory(user)


def access_territory_by_code(*, user: RequestUser, code: str | None) -> Territory:
    """Return the territory named by its code, or the user's own (a superuser's: the first);
    404 outside the user's scope."""
    territories = Territory.objects.for_user(user).order_by("code")
    territory = territories.filter(code=code).first() if code else territories.first()
    if territory is None:
        raise Http404
    return territory


def access_territory_in_query(request: HttpRequest) -> Territory | None:
    """Return the territory a page is about: the user's own, or, for a superuser, the one named
    in ?territory= (None when they have not chosen yet)."""
    user = request.user
    if user.is_superuser:
        raw = request.GET.get("territory", "")
        if not raw:
            return None
        if not raw.isdigit():
            raise BadRequest("territory must be a number")
        return get_object_or_404(Territory.objects.for_user(user), pk=int(raw))
    return access_own_territory(user)


def access_agent(*, user: RequestUser, pk: int) -> Agent:
    """Return an agent of the user's territory; 404 otherwise."""
    return get_object_or_404(
        Agent.objects.for_user(user).select_related("user", "territory"), pk=pk
    )


def access_own_doctor(user: RequestUser) -> Doctor:
    """Return the doctor's profile of the user; refuse (403) a medecin account without one."""
    found = Doctor.objects.select_related("user").filter(user_id=user.pk)
    doctor = found.first() if user.is_authenticated else None
    if doctor is None:
        raise PermissionDenied
    return doctor
