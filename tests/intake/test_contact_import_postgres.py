"""On PostgreSQL the recording stage commits its progress to the job's row through a second
connection, while the import's own transaction is still open: what another request reads."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import TransactionTestCase
from django.utils import timezone

from agents.services.staff import create_territory
from cases.models import Exposure
from intake import import_jobs, imports
from intake.import_jobs import run_contact_import, submit_contact_import
from intake.models import ContactImport
from intake.services import register_index_case
from tests.base import person
from tests.intake.test_csv_import import a_row, csv_bytes


@pytest.mark.postgres
class RecordingProgressOnPostgresTests(TransactionTestCase):
    serialized_rollback = True

    def test_another_connection_reads_the_progress_while_the_contacts_are_recorded(self):
        territory = create_territory(code="93", name="CPAM 93", timezone="Europe/Paris")
        for n in range(3):
            register_index_case(
                territory=territory,
                person=person("Paul", f"Case{n}", f"06010101{n:02d}"),
                sampled_at=timezone.now(),
                source="form",
                now=timezone.now(),
                contacts=[],
                external_ref=f"LAB-{n}",
            )
        content = csv_bytes([a_row(f"LAB-{n % 3}", n) for n in range(90)])
        with mock.patch.object(import_jobs, "_publish"):  # no worker: run below, in sight
            job = submit_contact_import(
                territory=territory,
                user=None,
                file_name="c.csv",
                content=content,
                now=timezone.now(),
            ).job
        cache.clear()
        # A request's view of the job: its own connection, outside the import's transaction.
        reader = connections.create_connection("default")
        self.addCleanup(reader.close)
        seen = []
        real_add_contacts = imports.add_contacts

        def add_and_look(**kwargs):
            with reader.cursor() as cursor:
                cursor.execute(
                    "SELECT state, stage, rows_done FROM intake_contactimport WHERE id = %s",
                    [job.pk],
                )
                seen.append(cursor.fetchone())
            return real_add_contacts(**kwargs)

        with mock.patch.object(imports, "add_contacts", add_and_look):
            self.assertEqual(run_contact_import(job_id=job.pk), "done")
        self.assertEqual(
            seen,
            [
                ("running", "recording", 0),
                ("running", "recording", 30),
                ("running", "recording", 60),
            ],
        )
        # Nothing went through the cache, and the import is whole.
        self.assertIsNone(cache.get(f"intake:contact-import:{job.pk}:progress"))
        self.assertEqual(ContactImport.objects.get(pk=job.pk).state, ContactImport.State.DONE)
        self.assertEqual(Exposure.objects.count(), 90)
