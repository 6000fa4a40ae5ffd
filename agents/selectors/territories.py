"""The territory a member of staff works for: what every workforce page and endpoint acts on."""

from datetime import date

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils import timezone

from agents.models import Territory, staff_territory_id


def access_own_territory(user) -> Territory:
    """Return the user's territory; refuse (403) an account that has none (a role without a profile)."""
    territory_id = staff_territory_id(user)
    if territory_id is None:
        raise PermissionDenied
    return Territory.objects.get(pk=territory_id)


def user_today(user) -> date:
    """Return today in the user's territory (a superuser without one: the server's zone)."""
    try:
        agent = user.agent
    except ObjectDoesNotExist:
        return timezone.localdate()
    # The page header reads user.agent.territory too: the page pays for it once.
    return timezone.localdate(timezone=agent.territory.zone)
