"""Contact imports as background jobs: queued by the page, run by a worker with its progress in
sight, refused twice for the same file, taken back by the sweep when their worker dies."""

import csv
import io
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import Exposure, PersonAccess
from intake import import_jobs, imports
from intake.import_jobs import (
    live_progress,
    run_contact_import,
    submit_contact_import,
    sweep_contact_imports,
)
from intake.models import ContactImport
from tests.base import PersonasTestCase
from tests.intake.test_csv_import import a_row, csv_bytes


class ContactImportJobTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.cases = [
            cls.register_case(
                cls.t93, name=f"Case{i}", phone=f"06010101{i:02d}", external_ref=f"LAB-{i}"
            ).index_case
            for i in range(3)
        ]

    def setUp(self):
        translation.activate("en")
        self.addCleanup(translation.deactivate)
        cache.clear()

    def content(self, rows: int = 250, bad: dict | None = None) -> bytes:
        bad = bad or {}
        return csv_bytes([a_row(f"LAB-{n % 3}", n, **bad.get(n, {})) for n in range(rows)])

    def submit(self, content: bytes, territory=None) -> ContactImport:
        # The worker is not started: the job stays queued until run_contact_import is called.
        with self.captureOnCommitCallbacks(execute=False):
            submitted = submit_contact_import(
                territory=territory or self.t93,
                user=self.carol,
                file_name="contacts.csv",
                content=content,
                now=timezone.now(),
                language="en",
            )
        return submitted.job

    def test_it_queues_the_file_with_its_hash(self):
        job = self.submit(self.content())
        self.assertEqual(job.state, ContactImport.State.QUEUED)
        self.assertEqual(len(job.sha256), 64)
        self.assertEqual(bytes(job.content), self.content())
        self.assertEqual(Exposure.objects.count(), 0)

    def test_it_imports_every_row_and_keeps_ids_not_the_file(self):
        job = self.submit(self.content())
        self.assertEqual(run_contact_import(job_id=job.pk), "done")
        job.refresh_from_db()
        self.assertEqual(job.state, ContactImport.State.DONE)
        self.assertEqual((job.rows_done, job.rows_total), (250, 250))
        self.assertEqual((job.cases_count, job.created_count), (3, 250))
        self.assertEqual(bytes(job.content), b"")
        self.assertEqual(sum(len(entry["persons"]) for entry in job.result), 250)
        self.assertEqual(Exposure.objects.count(), 250)

    def test_it_records_nothing_and_keeps_the_row_numbers_when_a_row_is_wrong(self):
        job = self.submit(self.content(bad={120: {"phone": "+33 692 12 34 56"}}))
        self.assertEqual(run_contact_import(job_id=job.pk), "refused")
        job.refresh_from_db()
        self.assertEqual(job.state, ContactImport.State.FAILED)
        # Row 120 of the data is line 122 of the file (the header is line 1).
        self.assertEqual(
            job.errors,
            [
                "line 122: phone: Invalid phone number: +33 692 12 34 56 — this is a number of "
                "La Réunion written with the code +33; La Réunion's numbers start with +262: "
                "+262 692 12 34 56"
            ],
        )
        self.assertEqual(Exposure.objects.count(), 0)

    def test_it_writes_the_errors_in_the_uploaders_language(self):
        content = self.content(3, bad={1: {"language": "xx"}})
        with self.captureOnCommitCallbacks(execute=False):
            job = submit_contact_import(
                territory=self.t93,
                user=self.carol,
                file_name="c.csv",
                content=content,
                now=timezone.now(),
                language="en",
            ).job
        # The worker's own language is the site's, French.
        with translation.override("fr"):
            run_contact_import(job_id=job.pk)
        job.refresh_from_db()
        self.assertEqual(job.errors, ["line 3: language: Unknown language: xx"])

    def test_it_runs_a_job_once(self):
        job = self.submit(self.content(10))
        self.assertEqual(run_contact_import(job_id=job.pk), "done")
        self.assertEqual(run_contact_import(job_id=job.pk), "skipped")
        self.assertEqual(Exposure.objects.count(), 10)

    def test_its_progress_is_readable_while_it_runs(self):
        job = self.submit(self.content(250))
        seen = []
        real_add_contacts = imports.add_contacts

        def add_and_look(**kwargs):
            # What the progress page would read, between two index cases.
            running = live_progress(ContactImport.objects.get(pk=job.pk))
            seen.append((running.state, running.stage, running.rows_done, running.rows_total))
            return real_add_contacts(**kwargs)

        real_check_row = imports._check_row

        def check_and_look(line, *args, **kwargs):
            if line == 152:  # the 151st row: the 100 rows before it are reported
                running = ContactImport.objects.get(pk=job.pk)
                seen.append((running.state, running.stage, running.rows_done, running.rows_total))
            return real_check_row(line, *args, **kwargs)

        # The cache's way (SQLite's): in a TestCase the job's row is not committed, so a second
        # connection could not write it (test_contact_import_postgres proves that way).
        with (
            mock.patch.object(imports, "add_contacts", add_and_look),
            mock.patch.object(imports, "_check_row", check_and_look),
            mock.patch.object(import_jobs, "progress_beside_the_transaction", return_value=False),
        ):
            run_contact_import(job_id=job.pk)
        self.assertEqual(
            seen,
            [
                ("running", "checking", 100, 250),
                ("running", "recording", 0, 250),
                ("running", "recording", 84, 250),
                ("running", "recording", 167, 250),
            ],
        )

    def test_a_job_taken_back_by_the_sweep_records_nothing(self):
        job = self.submit(self.content(30))
        real_add_contacts = imports.add_contacts

        def sweep_meanwhile(**kwargs):
            ContactImport.objects.filter(pk=job.pk).update(state=ContactImport.State.QUEUED)
            return real_add_contacts(**kwargs)

        with mock.patch.object(imports, "add_contacts", sweep_meanwhile):
            self.assertEqual(run_contact_import(job_id=job.pk), "taken over")
        self.assertEqual(Exposure.objects.count(), 0)

    def kill_the_worker_while_recording(self, job: ContactImport) -> None:
        def die(**kwargs):
            raise SystemExit("worker killed")

        with mock.patch.object(imports, "add_contacts", die), self.assertRaises(SystemExit):
            run_contact_import(job_id=job.pk)

    def test_the_sweep_queues_again_then_fails_a_job_whose_worker_died(self):
        job = self.submit(self.content(30))
        self.kill_the_worker_while_recording(job)
        job.refresh_from_db()
        self.assertEqual((job.state, Exposure.objects.count()), (ContactImport.State.RUNNING, 0))

        # Still fresh: left alone.
        self.assertEqual(sweep_contact_imports(now=timezone.now()), 0)
        later = timezone.now() + timedelta(minutes=settings.CONTACT_IMPORT_STALE_MINUTES + 1)
        with self.captureOnCommitCallbacks(execute=False) as published:
            self.assertEqual(sweep_contact_imports(now=later), 1)
        job.refresh_from_db()
        self.assertEqual(job.state, ContactImport.State.QUEUED)
        self.assertEqual(job.problem, ContactImport.Problem.WORKER_LOST)
        self.assertEqual(len(published), 1)

        # It dies again on its second worker: the sweep gives up and says why.
        self.kill_the_worker_while_recording(job)
        self.assertEqual(sweep_contact_imports(now=later + timedelta(minutes=10)), 1)
        job.refresh_from_db()
        self.assertEqual(job.state, ContactImport.State.FAILED)
        self.assertEqual(job.problem, ContactImport.Problem.WORKER_LOST_AGAIN)
        self.assertEqual(bytes(job.content), b"")
        self.assertEqual(Exposure.objects.count(), 0)

        self.client.force_login(self.carol)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(job.get_absolute_url())
        self.assertContains(response, "The worker running this import stopped twice")

    def test_a_job_queued_again_by_the_sweep_is_imported_by_the_next_worker(self):
        job = self.submit(self.content(30))
        self.kill_the_worker_while_recording(job)
        later = timezone.now() + timedelta(minutes=settings.CONTACT_IMPORT_STALE_MINUTES + 1)
        # The eager worker runs the job as soon as the sweep publishes it.
        with self.captureOnCommitCallbacks(execute=True):
            sweep_contact_imports(now=later)
        job.refresh_from_db()
        self.assertEqual((job.state, job.attempts), (ContactImport.State.DONE, 2))
        self.assertEqual(Exposure.objects.count(), 30)

    def test_the_sweep_publishes_a_job_left_queued_and_forgets_old_ones(self):
        job = self.submit(self.content(5))
        old = self.submit(self.content(6))
        run_contact_import(job_id=old.pk)
        ContactImport.objects.filter(pk=old.pk).update(
            finished_at=timezone.now() - timedelta(days=settings.RETENTION_DAYS + 1)
        )
        with mock.patch.object(import_jobs, "_publish") as publish:
            sweep_contact_imports(now=timezone.now() + timedelta(minutes=2))
        publish.assert_called_once_with(job.pk)
        self.assertFalse(ContactImport.objects.filter(pk=old.pk).exists())

    def test_the_same_file_is_not_queued_twice_while_the_first_runs(self):
        first = self.submit(self.content(5))
        self.assertEqual(self.submit(self.content(5)), first)
        # Another territory, or once the first has ended, it is a new job.
        self.assertNotEqual(self.submit(self.content(5), territory=self.t75), first)
        run_contact_import(job_id=first.pk)
        self.assertNotEqual(self.submit(self.content(5)), first)


class ContactImportPageTests(PersonasTestCase):
    url = reverse("intake:contact-import")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.case = cls.register_case(
            cls.t93, name="Alpha", phone="0601010101", external_ref="LAB-2026-0001"
        ).index_case
        cls.job = ContactImport.objects.create(
            territory=cls.t93, uploaded_by=cls.carol, file_name="a.csv", sha256="0" * 64
        )

    def setUp(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def post(self, content: bytes):
        upload = SimpleUploadedFile("contacts.csv", content, content_type="text/csv")
        with self.captureOnCommitCallbacks(execute=False):
            return self.client.post(self.url, {"file": upload})

    def test_a_second_post_of_the_same_file_leads_to_the_running_job(self):
        self.client.force_login(self.carol)
        content = csv_bytes([a_row("LAB-2026-0001", 1)])
        first = self.post(content)
        job = ContactImport.objects.exclude(pk=self.job.pk).get()
        self.assertRedirects(first, job.get_absolute_url(), fetch_redirect_response=False)
        second = self.post(content)
        self.assertRedirects(second, job.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(ContactImport.objects.count(), 2)
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, "This file is already being imported for this territory")
        self.assertContains(page, 'data-testid="import-progress"')

    def test_the_progress_part_shows_a_bar_then_asks_for_the_result(self):
        self.client.force_login(self.bob)
        url = reverse("intake:contact-import-progress", args=[self.job.pk])
        ContactImport.objects.filter(pk=self.job.pk).update(
            state=ContactImport.State.RUNNING, stage="checking", rows_done=2500, rows_total=5000
        )
        response = self.client.get(url, headers={"HX-Request": "true"})
        self.assertContains(
            response, '<progress class="progress-bar" data-testid="import-bar" max="100" value="5">'
        )
        self.assertContains(response, "Checking the rows: 2,500 of 5,000.")
        ContactImport.objects.filter(pk=self.job.pk).update(state=ContactImport.State.DONE)
        response = self.client.get(url, headers={"HX-Request": "true"})
        self.assertEqual(response.headers["HX-Refresh"], "true")

    def test_the_result_names_the_people_and_logs_the_read(self):
        self.client.force_login(self.carol)
        content = csv_bytes([a_row("LAB-2026-0001", 1), a_row("LAB-2026-0001", 2)])
        upload = SimpleUploadedFile("contacts.csv", content, content_type="text/csv")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url, {"file": upload})
        response = self.client.get(response["Location"])
        self.assertContains(response, "Paul Alpha")
        self.assertContains(response, "Prénom1 Nom1, Prénom2 Nom2")
        self.assertContains(response, reverse("intake:index-case-detail", args=[self.case.pk]))
        self.assertNotContains(response, f"#{self.case.pk}<")
        self.assertEqual(
            PersonAccess.objects.filter(what="contact-import-result", user=self.carol).count(), 3
        )

    def test_the_results_queries_do_not_grow_with_its_cases(self):
        self.client.force_login(self.carol)
        counts = []
        for cases in (1, 4):
            refs = [f"QC-{cases}-{n}" for n in range(cases)]
            for ref in refs:
                self.register_case(self.t93, name=ref, phone="0601010101", external_ref=ref)
            content = csv_bytes([a_row(ref, n) for ref in refs for n in range(3)])
            upload = SimpleUploadedFile("c.csv", content, content_type="text/csv")
            with self.captureOnCommitCallbacks(execute=True):
                response = self.client.post(self.url, {"file": upload})
            url = response["Location"]
            with CaptureQueriesContext(connection) as queries:
                self.assertContains(self.client.get(url), f"Paul {ref}<")
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])

    def test_the_template_file_has_the_importers_columns_and_imports_as_it_is(self):
        self.client.force_login(self.bob)
        response = self.client.get(reverse("intake:contact-import-template"))
        self.assertEqual(response.status_code, 200)
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        self.assertEqual(tuple(rows[0]), imports.COLUMNS)
        self.assertEqual(len(rows), 3)
        # The examples are good rows: the importer takes the file unchanged.
        result = imports.import_contacts(
            territory=self.t93, content=text.encode(), now=timezone.now()
        )
        self.assertEqual(result.rows, 2)
        self.assertEqual(Exposure.objects.filter(index_case=self.case).count(), 2)

    def test_the_upload_page_links_the_template_and_disables_its_button(self):
        self.client.force_login(self.bob)
        response = self.client.get(self.url)
        self.assertContains(response, reverse("intake:contact-import-template"))
        self.assertContains(response, "data-import-form")
        self.assertContains(response, "/static/js/imports.js")
        self.assertContains(response, ";".join(imports.COLUMNS))

    def test_every_page_checks_role_and_territory(self):
        pages = [
            reverse("intake:contact-import-detail", args=[self.job.pk]),
            reverse("intake:contact-import-progress", args=[self.job.pk]),
            reverse("intake:contact-import-template"),
        ]
        for url in pages:
            with self.subTest(url=url):
                self.client.logout()
                self.assertEqual(self.client.get(url).status_code, 302)
                self.client.force_login(self.alice)
                self.assertEqual(self.client.get(url).status_code, 403)
                self.client.force_login(self.carol)
                self.assertEqual(self.client.post(url).status_code, 405)
        for url in pages[:2]:
            with self.subTest(url=url):
                self.client.force_login(self.dave)  # admin of Paris: the job is 93's
                self.assertEqual(self.client.get(url).status_code, 404)
                self.client.force_login(self.root)
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_the_upload_page_lists_only_the_territorys_imports(self):
        ContactImport.objects.create(territory=self.t75, file_name="paris.csv", sha256="1" * 64)
        self.client.force_login(self.carol)
        response = self.client.get(self.url)
        self.assertContains(response, "a.csv")
        self.assertNotContains(response, "paris.csv")
