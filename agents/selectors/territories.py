"""The territory a member of staff works for: what every workforce page and endpoint acts on."""

from django.core.exceptions import PermissionDenied

from agents.models import Territory, staff_territory_id


def access_own_territory(user) -> Territory:
    """Return the user's territory; refuse (403) an account that has none (a role without a profile)."""
    territory_id = staff_territory_id(user)
    if territory_id is None:
        raise PermissionDenied
    return Territory.objects.get(pk=territory_id)
