"""Redis faults for tests: a redis-server of the test's own, and a cache whose Redis is down."""

import socket
import subprocess
import time
from unittest import mock

from django.conf import settings
from django.test import override_settings
from kombu import pools

from tracing_center.celery import app
from tracing_center.settings import redis_cache


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A redis-server of the test's own, on a free port, without persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(5)
            self.process = None


def redis_cache_at(url: str) -> override_settings:
    """Use as the cache a Redis at this URL, with the settings production uses (django-redis,
    errors read as misses, short timeouts); Django forgets its cache connections on the change."""
    return override_settings(CACHES={"default": redis_cache(url, timeout=settings.REDIS_TIMEOUT)})


def cache_down() -> override_settings:
    """Use as the cache a Redis that is down: every call meets a refused connection."""
    return redis_cache_at(f"redis://127.0.0.1:{free_port()}/0")


def drop_broker_pools() -> None:
    """Forget Celery's connection and producer pools (and kombu's registry of them), so that the
    next publish connects to the broker configured now."""
    pools.reset()
    app._pool = app.amqp._producer_pool = None


def celery_conf(**conf):
    """Change Celery's configuration for a test: Celery reads Django's CELERY_* settings under
    their own names, so set both; enter the result as a context, which undoes every change."""
    changes = {}
    for name, value in conf.items():
        changes[name] = changes[f"CELERY_{name.upper()}"] = value
    return mock.patch.dict(app.conf.changes, changes)
