"""Health endpoints for load balancers and monitoring (docs/deployment.md, "Health endpoints").

`/healthz` says the process answers: no query, no Redis, so that a load balancer keeps every
node in while Redis or the jobs are down (the floor works without them). `/readyz` names what is
down among the database, the cache, the broker and the automatic jobs, with django-health-check's
probes (each bounded in time, run side by side) and two of ours.
"""

import asyncio
import dataclasses
import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from kombu import Connection

from calls.models import JobHeartbeat
from calls.tasks import BEAT_AND_WORKER

# What a probe may take: Redis and the broker answer in milliseconds or are down.
PROBE_TIMEOUT = datetime.timedelta(seconds=2)


@dataclasses.dataclass
class Broker(HealthCheck):
    """Connect to Celery's broker (Redis, or the embedded directory) and let go at once."""

    timeout: datetime.timedelta = dataclasses.field(default=PROBE_TIMEOUT, repr=False)

    def run(self) -> None:
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        transport = getattr(settings, "CELERY_BROKER_TRANSPORT", None)
        try:
            with Connection(
                settings.CELERY_BROKER_URL,
                transport=transport,
                transport_options=options,
                connect_timeout=self.timeout.total_seconds(),
            ) as connection:
                connection.ensure_connection(max_retries=0, timeout=self.timeout.total_seconds())
        except Exception as error:
            # kombu's OperationalError, a Redis error, a refused socket: the name is enough.
            raise ServiceUnavailable(type(error).__name__) from error


@dataclasses.dataclass
class JobsHeartbeat(HealthCheck):
    """The heartbeat that beat publishes and a worker writes is younger than JOBS_STALE_AFTER."""

    async def run(self) -> None:
        # Async, so that the ORM runs on the request's own thread and connection.
        beat_at = (
            await JobHeartbeat.objects.filter(name=BEAT_AND_WORKER)
            .values_list("beat_at", flat=True)
            .afirst()
        )
        if beat_at is None:
            raise ServiceUnavailable("no heartbeat yet")
        if beat_at < timezone.now() - datetime.timedelta(seconds=settings.JOBS_STALE_AFTER):
            raise ServiceUnavailable(f"stale since {beat_at.isoformat(timespec='seconds')}")


@dataclasses.dataclass
class CacheRoundTrip(Cache):
    """django-health-check's cache probe, saying plainly why it fails here: django-redis reads
    a Redis that is down as a miss, so the value written is just not read back."""

    async def run(self) -> None:
        try:
            await super().run()
        except ServiceUnavailable as error:
            raise ServiceUnavailable("the value written was not read back") from error


def readiness_checks() -> dict[str, HealthCheck]:
    return {
        "database": Database(),
        "cache": CacheRoundTrip(timeout=PROBE_TIMEOUT),
        "broker": Broker(),
        "jobs": JobsHeartbeat(),
    }


class ReadinessView(HealthCheckView):
    """200 when every part answers, 503 naming those that do not, in a small JSON body."""

    async def get(self, request, *args, **kwargs):
        checks = readiness_checks()
        with self.get_executor() as executor:
            results = await asyncio.gather(
                *(check.get_result(executor) for check in checks.values())
            )
        down = {
            name: str(result.error)
            for name, result in zip(checks, results, strict=True)
            if result.error
        }
        body = {
            "status": "down" if down else "ok",
            "checks": {name: down.get(name, "ok") for name in checks},
        }
        return JsonResponse(body, status=503 if down else 200)


readyz = login_not_required(ReadinessView.as_view())


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer that this process serves requests: nothing else is asked, nothing personal said."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
