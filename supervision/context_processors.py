import contextlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from agents import roles
from calls.models import JobHeartbeat
from calls.tasks import BEAT_AND_WORKER, HEARTBEAT_KEY
from supervision.services.alerts import ALL_TERRITORIES, alert_count_key, undelivered_sms_key

logger = logging.getLogger(__name__)
# In the cache when the heartbeat row does not exist yet, so that pages do not look for it again.
NEVER_BEATEN = False


def alert_badge(request) -> dict:
    """Expose to supervisors' pages the number of open alerts nobody acknowledged yet, and of
    SMS the gateway refuses (failing or failed).

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
    keys = {
        "open_alert_count": alert_count_key(scope),
        "undelivered_sms_count": undelivered_sms_key(scope),
    }
    try:
        counts = cache.get_many(keys.values())
    except Exception:
        # The cache is down: the page still answers, without its badge.
        logger.warning("Cache unavailable: no alert badge")
        return {}
    return {name: counts.get(key) for name, key in keys.items()}


def jobs_heartbeat(request) -> dict:
    """Tell supervisors and CPAM admins when the automatic jobs stopped: the heartbeat that
    beat and a worker write every 30 s is older than JOBS_STALE_AFTER.

    Read from the cache, so that no page pays a query for it. On a miss (the cache emptied, or
    Redis down, which reads as a miss and is one of the faults it reports) from its row in the
    database, copied back into the cache ("never" when there is none yet) for the next pages:
    with Redis down every supervisor page pays that one query.
    """
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or not roles.has_role(user, roles.SUPERVISEUR, roles.ADMIN_CPAM)
    ):
        return {}
    try:
        beat_at = cache.get(HEARTBEAT_KEY)
    except Exception:
        logger.warning("Cache unavailable: reading the jobs' heartbeat from the database")
        beat_at = None
    if beat_at is None:
        beat_at = (
            JobHeartbeat.objects.filter(name=BEAT_AND_WORKER)
            .values_list("beat_at", flat=True)
            .first()
        )
        # The next beat writes over it; a cache that raises was logged above.
        with contextlib.suppress(Exception):
            cache.set(HEARTBEAT_KEY, beat_at or NEVER_BEATEN, timeout=None)
    if not beat_at or beat_at > timezone.now() - timedelta(seconds=settings.JOBS_STALE_AFTER):
        return {}
    return {"jobs_stopped_since": beat_at}
