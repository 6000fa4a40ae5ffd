"""Skip tests whose service is absent, except in CI, where any skipped test fails the run."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
_skipped: list[str] = []


def pytest_collection_modifyitems(config, items):
    has_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    has_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not has_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if "redis" in item.keywords and not has_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))


@pytest.fixture(autouse=True)
def _jobs_beating():
    """The jobs run, as in production: their heartbeat is in the cache, so that a page's query
    count does not depend on whether an earlier test left it there."""
    from calls.tasks import HEARTBEAT_KEY

    cache.set(HEARTBEAT_KEY, timezone.now(), timeout=None)


@pytest.fixture(autouse=True)
def _reference_data_read_afresh():
    """Each test reads the reference data of its own database: the rows an earlier test changed
    were rolled back, and the process caches (common.refdata) must not keep them."""
    from common.refdata import invalidate_all

    invalidate_all()


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if REQUIRE_SERVICES and _skipped:
        session.exitstatus = 1
        print(f"\nREQUIRE_SERVICES=1 but {len(_skipped)} test(s) were skipped:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
