"""Contact imports as background jobs: queued by the upload page, run by a worker, swept by beat.

The import itself stays one transaction (all rows or none, intake.imports); around it the job
reports how far it has gone, so that the upload page can show a progress bar. The checking of the
rows writes no contact: its progress is committed to the job's row in short updates. While the
contacts are recorded, the import's transaction is open: on PostgreSQL a second connection
commits the progress to the job's row beside it; SQLite has one writer at a time, so there the
progress of that stage goes through the cache that the web server and the worker share.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import IntegrityError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from agents.models import Territory
from intake.exceptions import ContactImportError, ImportTakenOver
from intake.imports import STAGE_RECORDING, ImportResult, import_contacts
from intake.models import ContactImport

logger = logging.getLogger(__name__)

# A worker that stopped twice on the same file is not given it a third time.
MAX_ATTEMPTS = 2


def progress_key(job_id: int) -> str:
    return f"intake:contact-import:{job_id}:progress"


@dataclass(frozen=True)
class Submitted:
    job: ContactImport
    created: bool


def submit_contact_import(
    *,
    territory: Territory,
    user: User | None,
    file_name: str,
    content: bytes,
    now: datetime,
    language: str = "",
) -> Submitted:
    """Queue the import of a file; the same file for the same territory, while its first upload
    is queued or running, is not queued twice: that job is returned instead."""
    digest = hashlib.sha256(content).hexdigest()
    running = ContactImport.objects.in_progress().filter(territory=territory, sha256=digest)
    existing = running.first()
    if existing is not None:
        return Submitted(job=existing, created=False)
    try:
        with transaction.atomic():
            job = ContactImport.objects.create(
                territory=territory,
                uploaded_by=user,
                file_name=file_name[:255],
                language=language,
                content=content,
                sha256=digest,
                updated_at=now,
            )
            publish_contact_import(job.pk)
    except IntegrityError:
        # Two posts of the same file at once: the constraint let one through.
        return Submitted(job=running.get(), created=False)
    return Submitted(job=job, created=True)


def publish_contact_import(job_id: int) -> None:
    """Hand the job to a worker once the transaction commits; never raise: with the broker down
    the job stays queued and the sweep publishes it again."""
    transaction.on_commit(lambda: _publish(job_id))


def _publish(job_id: int) -> None:
    from intake.tasks import run_contact_import  # noqa: PLC0415 (tasks import this module)

    try:
        run_contact_import.delay(job_id)
    except Exception:
        logger.exception("Could not publish contact import %s; the sweep will", job_id)


def progress_beside_the_transaction() -> bool:
    """Whether a second connection can commit while the import's transaction is open."""
    return connections["default"].vendor == "postgresql"


class _Reporter:
    """Write a running job's progress where the upload page reads it (see the module's doc)."""

    def __init__(self, job: ContactImport) -> None:
        self.job = job
        self.side: BaseDatabaseWrapper | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = timezone.now()
        if stage != STAGE_RECORDING:
            ContactImport.objects.filter(
                pk=self.job.pk, state=ContactImport.State.RUNNING, attempts=self.job.attempts
            ).update(stage=stage, rows_done=done, rows_total=total, updated_at=now)
        elif progress_beside_the_transaction():
            self._write_beside(stage, done, total, now)
        else:
            cache.set(
                progress_key(self.job.pk),
                {
                    "attempt": self.job.attempts,
                    "stage": stage,
                    "done": done,
                    "total": total,
                    "at": now.isoformat(),
                },
                timeout=3600,
            )

    def _write_beside(self, stage: str, done: int, total: int, now: datetime) -> None:
        # Its own connection, in autocommit: each update is committed at once, outside the
        # import's transaction (which does not touch the job's row until its very end).
        if self.side is None:
            self.side = connections.create_connection("default")
        table = ContactImport._meta.db_table
        side = self.side
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET stage = %s, rows_done = %s, rows_total = %s, "  # noqa: S608
                "updated_at = %s WHERE id = %s AND state = %s AND attempts = %s",
                [
                    stage,
                    done,
                    total,
                    now,
                    self.job.pk,
                    ContactImport.State.RUNNING,
                    self.job.attempts,
                ],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
        cache.delete(progress_key(self.job.pk))


def run_contact_import(*, job_id: int) -> str:
    """Run a queued import: claim it, check and record its rows (all or none), then mark it done
    with its result, or failed with its errors. A job already claimed is left alone."""
    now = timezone.now()
    claimed = ContactImport.objects.filter(pk=job_id, state=ContactImport.State.QUEUED).update(
        state=ContactImport.State.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        updated_at=now,
        stage="",
        rows_done=0,
    )
    if not claimed:
        return "skipped"
    job = ContactImport.objects.select_related("territory").get(pk=job_id)
    mine = ContactImport.objects.filter(
        pk=job.pk, state=ContactImport.State.RUNNING, attempts=job.attempts
    )
    reporter = _Reporter(job)

    def finish(result: ImportResult) -> None:
        # In the import's transaction: the contacts and the job's end commit together, and a
        # job the sweep took back meanwhile (its worker looked dead) records nothing.
        finished = mine.update(
            state=ContactImport.State.DONE,
            stage="",
            rows_done=result.rows,
            rows_total=result.rows,
            cases_count=len(result.cases),
            created_count=result.created,
            result=[
                {
                    "index_case": imported.index_case.pk,
                    "rows": imported.rows,
                    "created": imported.created,
                    "persons": imported.person_ids,
                }
                for imported in result.cases
            ],
            content=b"",
            updated_at=timezone.now(),
            finished_at=timezone.now(),
        )
        if not finished:
            raise ImportTakenOver(job.pk)

    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            import_contacts(
                territory=job.territory,
                content=bytes(job.content),
                now=now,
                progress=reporter,
                before_commit=finish,
            )
    except ContactImportError as exc:
        _end(mine, problem="", errors=exc.errors)
        return "refused"
    except ImportTakenOver:
        return "taken over"
    except SoftTimeLimitExceeded:
        _end(mine, problem=ContactImport.Problem.TIMEOUT)
        return "failed"
    except Exception:
        logger.exception("Contact import %s failed", job.pk)
        _end(mine, problem=ContactImport.Problem.ERROR)
        return "failed"
    finally:
        reporter.close()
    return "done"


def _end(mine, *, problem: str, errors: list[str] | None = None) -> None:
    now = timezone.now()
    mine.update(
        state=ContactImport.State.FAILED,
        problem=problem,
        errors=errors or [],
        content=b"",
        updated_at=now,
        finished_at=now,
    )


def live_progress(job: ContactImport) -> ContactImport:
    """Return the job with its latest progress: the row's, or the cache's while the contacts are
    recorded on SQLite."""
    if job.state == ContactImport.State.RUNNING:
        latest = cache.get(progress_key(job.pk))
        # A lost worker's last word (an earlier attempt) is not this run's progress.
        if latest and latest["attempt"] == job.attempts:
            job.stage = latest["stage"]
            job.rows_done = latest["done"]
            job.rows_total = latest["total"]
            job.updated_at = parse_datetime(latest["at"])
    return job


def sweep_contact_imports(*, now: datetime) -> int:
    """Take back the running imports whose worker stopped (queued again once, then failed, with
    the reason shown on their page), publish again those left queued (the broker was down), and
    forget those finished past the retention period; return how many jobs moved."""
    stale_before = now - timedelta(minutes=settings.CONTACT_IMPORT_STALE_MINUTES)
    moved = 0
    for job in ContactImport.objects.filter(
        state=ContactImport.State.RUNNING, updated_at__lt=stale_before
    ):
        latest = live_progress(job).updated_at
        if latest is not None and latest >= stale_before:
            continue  # Recording on SQLite: the cache says it is alive.
        mine = ContactImport.objects.filter(
            pk=job.pk, state=ContactImport.State.RUNNING, attempts=job.attempts
        )
        if job.attempts < MAX_ATTEMPTS:
            with transaction.atomic():
                if mine.update(
                    state=ContactImport.State.QUEUED,
                    problem=ContactImport.Problem.WORKER_LOST,
                    stage="",
                    rows_done=0,
                    updated_at=now,
                ):
                    moved += 1
                    publish_contact_import(job.pk)
        elif mine.update(
            state=ContactImport.State.FAILED,
            problem=ContactImport.Problem.WORKER_LOST_AGAIN,
            content=b"",
            updated_at=now,
            finished_at=now,
        ):
            moved += 1
    # Queued and never started: the message was lost with the broker.
    for job_id in ContactImport.objects.filter(
        state=ContactImport.State.QUEUED, updated_at__lt=now - timedelta(minutes=1)
    ).values_list("pk", flat=True):
        ContactImport.objects.filter(pk=job_id).update(updated_at=now)
        _publish(job_id)
        moved += 1
    forgotten, _ = ContactImport.objects.filter(
        finished_at__lt=now - timedelta(days=settings.RETENTION_DAYS)
    ).delete()
    return moved + forgotten
