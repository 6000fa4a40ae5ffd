"""The contact import as a CPAM admin sees it: a 5,000-row file, its progress bar moving while a
worker records it, then the result naming the patients zéro and their contacts.

The worker is a real one in spirit: the tests' Celery is eager (it would run the import inside
the upload's request), so here the publication starts the task in a thread of its own, with its
own database connection, and the page reads the job's progress while it runs."""

import os
import shutil
import tempfile
import threading
from datetime import timedelta
from unittest import mock

from django.db import connections
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from agents import roles
from agents.services.staff import create_territory
from cases.models import Exposure
from intake import import_jobs
from intake.models import ContactImport
from intake.services import register_index_case
from tests.base import PASSWORD, make_user, person
from tests.browser.base import BrowserTestCase
from tests.intake.test_csv_import import HEADER

SHOTS = os.environ.get("SCREENSHOT_DIR", "")
CASES = 50
ROWS = 5000


class ContactImportBrowserTests(BrowserTestCase):
    def setUp(self):
        self.territory = create_territory(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        self.admin = make_user("admin93", roles.ADMIN_CPAM, territory=self.territory)
        for n in range(CASES):
            register_index_case(
                territory=self.territory,
                person=person("Zéro", f"Patient{n:02d}", f"06 01 01 {n // 100:02d} {n % 100:02d}"),
                sampled_at=timezone.now(),
                source="form",
                now=timezone.now(),
                contacts=[],
                external_ref=f"LAB-{n:02d}",
            )
        self.workers: list[threading.Thread] = []
        self.outcomes: list[str] = []

    def tearDown(self):
        for worker in self.workers:
            worker.join(timeout=120)

    def start_worker(self, job_id: int) -> None:
        """What the broker does: hand the job to a worker, here a thread."""

        def work():
            try:
                self.outcomes.append(import_jobs.run_contact_import(job_id=job_id))
            except BaseException as exc:
                self.outcomes.append(repr(exc))
                raise
            finally:
                connections.close_all()

        worker = threading.Thread(target=work, daemon=True)
        self.workers.append(worker)
        worker.start()

    def write_file(self) -> str:
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        lines = [";".join(HEADER)]
        for n in range(ROWS):
            phone = f"06 12 {n // 10000:02d} {n // 100 % 100:02d} {n % 100:02d}"
            lines.append(
                f"LAB-{n % CASES:02d};Contact{n:04d};Famille{n:04d};{phone};fr;close;{yesterday}"
            )
        folder = tempfile.mkdtemp(prefix="import-")
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        path = os.path.join(folder, "contacts-5000.csv")
        with open(path, "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
        return path

    def shoot(self, page, name: str) -> None:
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, f"import-{name}.png"), full_page=False)

    def test_a_5000_row_import_shows_its_progress_then_names_the_people(self):
        page = self.new_page(width=1440)
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": self.live_server_url}]
        )
        self.log_in(page, "admin93", PASSWORD)
        page.goto(self.live_server_url + reverse("intake:contact-import"))
        expect(page.get_by_test_id("import-template")).to_be_visible()

        # The button is disabled once the form is sent (the sending itself held back here).
        page.evaluate(
            "document.querySelector('[data-import-form]')"
            ".addEventListener('submit', (event) => event.preventDefault())"
        )
        page.set_input_files("input[type=file]", self.write_file())
        button = page.locator("[data-import-form] button[type=submit]")
        button.click()
        expect(button).to_be_disabled()
        expect(button).to_have_text("Sending the file…")

        page.reload()
        page.set_input_files("input[type=file]", self.write_file())
        with mock.patch.object(import_jobs, "_publish", self.start_worker):
            page.locator("[data-import-form] button[type=submit]").click()
            page.wait_for_url("**/cases/import/*/")
            # While the worker runs: a progress bar short of its end, and rows counted.
            bar = page.locator("[data-testid=import-progress][data-state=running] progress[value]")
            expect(bar).to_be_visible(timeout=30_000)
            seen = set()
            for _poll in range(300):  # at most 90 s
                try:
                    state = page.evaluate(
                        "() => { const p = document.querySelector('[data-testid=import-progress]');"
                        " const bar = document.querySelector('[data-testid=import-bar]');"
                        " return p ? [p.dataset.state, bar ? bar.value : null,"
                        " p.innerText.trim().split('\\n')[0]] : null; }"
                    )
                except PlaywrightError:  # the page is reloading with the result
                    page.wait_for_load_state()
                    continue
                if state is None:
                    break  # the job has ended: the page reloaded with its result
                if state[0] == "running" and 0 < (state[1] or 0) < 100:
                    seen.add((state[1], state[2]))
                    if len(seen) == 2:
                        self.shoot(page, "progress")
                page.wait_for_timeout(300)
            expect(page.get_by_test_id("import-result")).to_be_visible(timeout=30_000)
        # The job is done once committed; its worker may still run what follows the commit
        # (the search for duplicates among the new persons).
        for worker in self.workers:
            worker.join(timeout=60)
        self.assertEqual(self.outcomes, ["done"])
        self.assertGreaterEqual(len({value for value, _ in seen}), 2, seen)
        self.assertTrue(any("of 5,000" in text for _, text in seen), seen)

        job = ContactImport.objects.get()
        self.assertEqual(job.state, ContactImport.State.DONE)
        self.assertEqual(Exposure.objects.count(), ROWS)
        expect(page.get_by_test_id("import-done")).to_contain_text("5,000 rows imported")
        result = page.get_by_test_id("import-result")
        expect(result).to_contain_text("Zéro Patient00")
        expect(result).to_contain_text("Contact0000 Famille0000")
        expect(result.locator("a", has_text="Zéro Patient49")).to_have_count(1)
        self.shoot(page, "result")

    def test_a_refused_file_says_which_row_and_why(self):
        page = self.new_page(locale="fr-FR", width=1440)
        self.log_in(page, "admin93", PASSWORD)
        page.goto(self.live_server_url + reverse("intake:contact-import"))
        expect(page.get_by_test_id("import-template")).to_be_visible()
        self.shoot(page, "upload")
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        folder = tempfile.mkdtemp(prefix="import-")
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        path = os.path.join(folder, "contacts.csv")
        with open(path, "w", encoding="utf-8") as file:
            file.write(";".join(HEADER) + "\n")
            file.write(f"LAB-00;Awa;Diallo;0692 12 34 56;fr;close;{yesterday}\n")
            file.write(f"LAB-00;Ali;Saïd;+33 692 12 34 57;fr;close;{yesterday}\n")
        page.set_input_files("input[type=file]", path)
        with mock.patch.object(import_jobs, "_publish", self.start_worker):
            page.locator("[data-import-form] button[type=submit]").click()
            errors = page.get_by_test_id("import-errors")
            expect(errors).to_be_visible(timeout=30_000)
        # The new sentences are translated when TRANSLATIONS.json reaches the catalogue: the
        # French page is checked on what it already says, the reason on its suggested number.
        expect(errors).to_contain_text("ligne 3 : phone")
        expect(errors).to_contain_text("+33 692 12 34 57")
        expect(errors).to_contain_text("+262 692 12 34 57")
        expect(errors.locator("li")).to_have_count(1)
        self.assertEqual(Exposure.objects.count(), 0)
        self.shoot(page, "refused")
