from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist

from agents import roles
from supervision.services.alerts import ALL_TERRITORIES, alert_count_key


def alert_badge(request) -> dict:
    """Expose to supervisors' pages the number of open alerts nobody acknowledged yet.

    Read from the cache that the board's periodic job fills, so that no page pays a query for
    it: the territory comes from the agent profile the page header reads anyway. Before the
    first refresh there is no badge.
    """
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or not roles.has_role(user, roles.SUPERVISEUR, roles.ADMIN_CPAM)
    ):
        return {}
    if user.is_superuser:
        scope = ALL_TERRITORIES
    else:
        scope = getattr(user, "_territory_id", None)
        if scope is None:
            try:
                scope = user.agent.territory_id
            except ObjectDoesNotExist:
                return {}
    return {"open_alert_count": cache.get(alert_count_key(scope))}
