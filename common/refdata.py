"""Reference data cached in each process: rules an admin edits a few times a year, read on every
call. Each cache keeps what it loaded with a version stamp kept in the shared cache (Redis in
production); a change anywhere stamps a new version, and every process reads the data again at
its next use. One cache GET per use instead of a query; with the shared cache down, the data is
read from the database at each use (slower, never stale)."""

import logging
import uuid
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

T = TypeVar("T")

_CACHES: list["ProcessCache"] = []


class ProcessCache(Generic[T]):
    """`load()`'s result, kept in the process until its version stamp changes."""

    def __init__(
        self, name: str, load: Callable[[], T], *, depends_on: tuple[type[models.Model], ...]
    ) -> None:
        """`depends_on`: the models whose rows `load()` reads; any write to them (a save, a
        delete, or through their ReferenceQuerySet) invalidates the cache."""
        self.key = f"refdata:{name}:version"
        self.load = load
        self.depends_on = depends_on
        self._version: str | None = None
        self._value: T | None = None
        _CACHES.append(self)
        for model in depends_on:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)

    def _changed(self, **kwargs) -> None:
        self.invalidate()

    def _current_version(self) -> str | None:
        try:
            version = cache.get(self.key)
            if version is None:
                cache.add(self.key, uuid.uuid4().hex, timeout=None)
                version = cache.get(self.key)
        except Exception:  # the shared cache is down: the database is the truth
            logger.warning("Reference data %s: shared cache unavailable", self.key, exc_info=True)
            return None
        return version

    def get(self) -> T:
        version = self._current_version()
        if version is not None and version == self._version:
            return self._value  # type: ignore[return-value]
        value = self.load()
        self._version, self._value = version, value
        return value

    def _stamp(self) -> None:
        self._version = self._value = None
        try:
            cache.set(self.key, uuid.uuid4().hex, timeout=None)
        except Exception:
            logger.warning("Reference data %s: could not stamp", self.key, exc_info=True)

    def invalidate(self) -> None:
        """Stamp a new version now (this transaction sees its own change) and again once the
        change commits (a process that read the old rows meanwhile reads again)."""
        self._stamp()
        transaction.on_commit(self._stamp)


def invalidate_all() -> None:
    """Forget every cached reference datum (tests, after their rollback)."""
    for process_cache in _CACHES:
        process_cache._stamp()


class ReferenceQuerySet(models.QuerySet):
    """The queryset of reference data: its writes (update, delete, bulk) invalidate the caches
    that depend on the model, as the save or delete of one row does (by signal)."""

    def _changed(self) -> None:
        for process_cache in _CACHES:
            if self.model in process_cache.depends_on:
                process_cache.invalidate()

    def update(self, **kwargs):
        count = super().update(**kwargs)
        self._changed()
        return count

    def delete(self):
        result = super().delete()
        self._changed()
        return result

    def bulk_create(self, *args, **kwargs):
        result = super().bulk_create(*args, **kwargs)
        self._changed()
        return result

    def bulk_update(self, *args, **kwargs):
        result = super().bulk_update(*args, **kwargs)
        self._changed()
        return result
