"""Access helpers: which territory a user works for or names, and what day it is there."""

from datetime import date

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.request import Request

from agents import roles
from agents.models import Territory, staff_territory_id
from agents.serializers import TerritoryRefSerializer


def access_own_territory(user) -> Territory:
    """Return the user's territory; refuse (403) an account that has none (a role without a profile)."""
    territory_id = staff_territory_id(user)
    if territory_id is None:
        raise PermissionDenied
    return Territory.objects.get(pk=territory_id)


def territory_today(territory: Territory) -> date:
    """Return today in the territory's own time zone."""
    return timezone.localdate(timezone=territory.zone)


def user_today(user) -> date:
    """Return today in the user's territory (a superuser without one: the server's zone)."""
    try:
        agent = user.agent
    except ObjectDoesNotExist:
        return timezone.localdate()
    # The page header reads user.agent.territory too: the page pays for it once.
    return timezone.localdate(timezone=agent.territory.zone)


def access_territory_in_body(request: Request, *, national_roles: tuple[str, ...] = ()) -> Territory:
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
