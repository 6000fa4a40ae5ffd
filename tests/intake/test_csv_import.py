from datetime import timedelta
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory
from unittest import mock

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from calls.models import CallTask
from cases.models import Exposure, Person
from intake import imports
from intake.exceptions import ContactImportError
from intake.imports import import_contacts
from intake.models import ContactImport
from tests.base import PersonasTestCase

HEADER = [
    "index_case",
    "first_name",
    "last_name",
    "phone",
    "language",
    "exposure_type",
    "last_exposure_date",
]

TOO_SHORT_12 = "too short: a French number has 10 digits starting with 0 (2 given)"


def csv_bytes(
    rows: list[list[str]], *, delimiter: str = ",", header=HEADER, bom: bool = False
) -> bytes:
    text = "\r\n".join(delimiter.join(row) for row in [header, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def yesterday(fmt: str = "%Y-%m-%d") -> str:
    return (timezone.localdate() - timedelta(days=1)).strftime(fmt)


def a_row(ref: str, n: int, **values) -> list[str]:
    row = {
        "index_case": ref,
        "first_name": f"Prénom{n}",
        "last_name": f"Nom{n}",
        "phone": f"06 11 22 {n // 100:02d} {n % 100:02d}",
        "language": "fr",
        "exposure_type": "close",
        "last_exposure_date": yesterday(),
    }
    row.update(values)
    return [row[column] for column in HEADER]


class CsvImportTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.case_a = cls.register_case(
            cls.t93, name="Alpha", phone="0601010101", external_ref="LAB-A"
        ).index_case
        cls.case_b = cls.register_case(cls.t93, name="Bravo", phone="0602020202").index_case
        cls.case_paris = cls.register_case(
            cls.t75, name="Paris", phone="0603030303", external_ref="LAB-P"
        ).index_case

    def setUp(self):
        # Messages are asserted in English whatever translations the project ships.
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def import_(self, content: bytes, territory=None):
        return import_contacts(territory=territory or self.t93, content=content, now=timezone.now())

    def errors_of(self, content: bytes, territory=None) -> list[str]:
        with self.assertRaises(ContactImportError) as caught:
            self.import_(content, territory)
        return caught.exception.errors

    def counts(self) -> tuple[int, int, int]:
        return Person.objects.count(), Exposure.objects.count(), CallTask.objects.count()

    def test_it_imports_a_french_excel_file(self):
        content = csv_bytes(
            [
                a_row(
                    "LAB-A", 1, exposure_type="household", last_exposure_date=yesterday("%d/%m/%Y")
                ),
                a_row("LAB-A", 2, language="tr", phone="+90 532 123 45 67"),
                a_row(str(self.case_b.pk), 3, language="Portugais", exposure_type="co-exposed"),
                ["", "", "", "", "", "", ""],  # Excel's trailing blank line.
            ],
            delimiter=";",
            bom=True,
        )
        result = self.import_(content)
        self.assertEqual(result.rows, 3)
        self.assertEqual(result.created, 3)
        self.assertEqual(
            [(c.index_case, c.rows, c.created) for c in result.cases],
            [(self.case_a, 2, 2), (self.case_b, 1, 1)],
        )
        first = Exposure.objects.get(index_case=self.case_a, person__first_name="Prénom1")
        self.assertEqual(first.exposure_type, "household")
        self.assertEqual(first.last_exposure_date, timezone.localdate() - timedelta(days=1))
        turkish = Person.objects.get(first_name="Prénom2")
        self.assertEqual(
            (turkish.language_id, turkish.phones.get().number), ("tr", "+905321234567")
        )
        third = Exposure.objects.get(index_case=self.case_b)
        self.assertEqual((third.person.language_id, third.exposure_type), ("pt", "co_exposed"))
        self.assertEqual(
            CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION).count(), 3
        )

    def test_it_reads_comma_separated_files_with_quotes(self):
        content = csv_bytes([a_row("LAB-A", 1, last_name='"Dupont, dit ""le grand"""')])
        self.import_(content)
        self.assertEqual(
            Person.objects.get(first_name="Prénom1").last_name, 'Dupont, dit "le grand"'
        )

    def test_it_counts_a_contact_already_known_once(self):
        content = csv_bytes([a_row("LAB-A", 1)])
        self.import_(content)
        again = self.import_(content)
        self.assertEqual((again.rows, again.created), (1, 0))
        self.assertEqual(Exposure.objects.count(), 1)

    def test_it_creates_nothing_when_line_17_is_wrong(self):
        rows = [a_row("LAB-A", n) for n in range(2, 17)]  # lines 2 to 16
        rows.append(a_row("LAB-A", 17, phone="12"))
        rows += [a_row("LAB-A", n) for n in range(18, 30)]
        before = self.counts()
        errors = self.errors_of(csv_bytes(rows, delimiter=";"))
        self.assertEqual(errors, ["line 17: phone: Invalid phone number: 12 — " + TOO_SHORT_12])
        self.assertEqual(self.counts(), before)

    def test_it_lists_every_error_with_its_line(self):
        rows = [
            a_row("LAB-A", 2, first_name=""),
            a_row("LAB-A", 3),
            a_row(
                "LAB-A", 4, language="klingon", exposure_type="far", last_exposure_date="31/02/2026"
            ),
        ]
        errors = self.errors_of(csv_bytes(rows))
        self.assertEqual(
            errors,
            [
                "line 2: first_name: This value is required.",
                "line 4: language: Unknown language: klingon",
                "line 4: exposure_type: Unknown exposure type: far "
                "(expected one of: household, close, co_exposed)",
                "line 4: last_exposure_date: Invalid date: 31/02/2026 "
                "(expected YYYY-MM-DD or DD/MM/YYYY)",
            ],
        )
        self.assertEqual(Exposure.objects.count(), 0)

    def test_it_refuses_a_missing_or_unknown_column(self):
        header = [c for c in HEADER if c != "phone"] + ["email"]
        errors = self.errors_of(
            csv_bytes([["LAB-A", "A", "B", "fr", "close", yesterday(), "a@b.c"]], header=header)
        )
        self.assertEqual(errors[0], "line 1: missing column(s): phone.")
        self.assertEqual(errors[1], "line 1: unknown column(s): email.")
        self.assertIn("Expected columns: index_case, first_name", errors[2])

    def test_it_refuses_an_unknown_index_case(self):
        errors = self.errors_of(csv_bytes([a_row("LAB-ZZ", 1), a_row("999999", 2)]))
        self.assertEqual(
            errors,
            [
                "line 2: index_case: No index case LAB-ZZ in territory 93.",
                "line 3: index_case: No index case 999999 in territory 93.",
            ],
        )

    def test_it_refuses_an_index_case_of_another_territory(self):
        errors = self.errors_of(csv_bytes([a_row("LAB-P", 1), a_row(str(self.case_paris.pk), 2)]))
        self.assertEqual(len(errors), 2)
        self.assertTrue(all("index_case: No index case" in e for e in errors))
        self.assertEqual(Exposure.objects.count(), 0)

    def test_it_refuses_an_unknown_language(self):
        errors = self.errors_of(csv_bytes([a_row("LAB-A", 1, language="xx")]))
        self.assertEqual(errors, ["line 2: language: Unknown language: xx"])

    def test_it_refuses_a_file_that_is_not_utf8(self):
        content = csv_bytes(
            [a_row("LAB-A", 1)]
        ) + "LAB-A,Hélène,X,0611111111,fr,close,2026-01-01\r\n".encode("cp1252")
        errors = self.errors_of(content)
        self.assertEqual(len(errors), 1)
        self.assertTrue(errors[0].startswith("line 3: the file is not encoded in UTF-8"))

    def test_it_refuses_an_empty_file_or_a_header_alone(self):
        self.assertEqual(self.errors_of(b""), ["The file is empty."])
        self.assertEqual(self.errors_of(csv_bytes([])), ["The file has a header but no rows."])

    def test_it_refuses_a_row_with_too_many_values(self):
        errors = self.errors_of(csv_bytes([[*a_row("LAB-A", 1), "surprise"]]))
        self.assertEqual(errors, ["line 2: 8 values for 7 columns."])

    def test_it_limits_the_size_and_the_rows(self):
        with mock.patch.object(imports, "MAX_FILE_BYTES", 100):
            self.assertEqual(
                self.errors_of(b"x" * 101), ["The file is larger than 0 MB: split it."]
            )
        with mock.patch.object(imports, "MAX_ROWS", 3):
            errors = self.errors_of(csv_bytes([a_row("LAB-A", n) for n in range(4)]))
        self.assertEqual(errors, ["The file has more than 3 rows: split it."])
        self.assertEqual(Exposure.objects.count(), 0)


class ImportCommandTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.case_a = cls.register_case(
            cls.t93, name="Alpha", phone="0601010101", external_ref="LAB-A"
        ).index_case

    def setUp(self):
        translation.activate("en")
        self.addCleanup(translation.deactivate)
        tmp = TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)

    def write(self, content: bytes) -> Path:
        path = self.dir / "contacts.csv"
        path.write_bytes(content)
        return path

    def test_it_imports_and_prints_the_counts(self):
        path = self.write(
            csv_bytes([a_row("LAB-A", 1), a_row("LAB-A", 2)], delimiter=";", bom=True)
        )
        out = StringIO()
        call_command("import_contacts", str(path), territory="93", stdout=out)
        self.assertIn("2 row(s) imported for 1 index case(s), 2 new contact(s).", out.getvalue())
        self.assertEqual(Exposure.objects.filter(index_case=self.case_a).count(), 2)

    def test_it_prints_the_errors_and_fails(self):
        path = self.write(csv_bytes([a_row("LAB-A", 1), a_row("LAB-A", 2, phone="12")]))
        err = StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command("import_contacts", str(path), territory="93", stderr=err)
        self.assertIn("1 error(s): nothing was imported.", str(caught.exception))
        self.assertIn("line 3: phone: Invalid phone number: 12 — " + TOO_SHORT_12, err.getvalue())
        self.assertEqual(Exposure.objects.count(), 0)

    def test_it_fails_on_an_unknown_territory_or_file(self):
        with self.assertRaisesMessage(CommandError, "Unknown territory: 99"):
            call_command("import_contacts", str(self.write(b"")), territory="99")
        with self.assertRaisesMessage(CommandError, "Cannot read"):
            call_command("import_contacts", str(self.dir / "missing.csv"), territory="93")


class ImportPageTests(PersonasTestCase):
    """The upload page queues a job; the worker (eager in tests) runs it after the commit."""

    url = reverse("intake:contact-import")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.case_a = cls.register_case(
            cls.t93, name="Alpha", phone="0601010101", external_ref="LAB-A"
        ).index_case

    def upload(self, content: bytes, **data):
        data["file"] = SimpleUploadedFile("contacts.csv", content, content_type="text/csv")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url, data)
        if response.status_code != 302:
            return response
        return self.client.get(response["Location"])

    def test_it_imports_an_uploaded_file(self):
        self.client.force_login(self.bob)
        response = self.upload(
            csv_bytes([a_row("LAB-A", 1), a_row(str(self.case_a.pk), 2)], delimiter=";", bom=True)
        )
        job = ContactImport.objects.get()
        self.assertEqual(response.request["PATH_INFO"], job.get_absolute_url())
        self.assertEqual(job.state, ContactImport.State.DONE)
        self.assertContains(response, reverse("intake:index-case-detail", args=[self.case_a.pk]))
        # Named, not numbered: the patient zéro and the contacts of the file.
        self.assertContains(response, "Paul Alpha")
        self.assertContains(response, "Prénom1 Nom1")
        self.assertContains(response, "Prénom2 Nom2")
        self.assertEqual(Exposure.objects.filter(index_case=self.case_a).count(), 2)

    def test_it_lists_the_errors_and_imports_nothing(self):
        self.client.force_login(self.carol)
        response = self.upload(csv_bytes([a_row("LAB-A", 1), a_row("LAB-A", 2, language="xx")]))
        self.assertContains(response, "line 3: language: Unknown language: xx")
        self.assertEqual(ContactImport.objects.get().state, ContactImport.State.FAILED)
        self.assertEqual(Exposure.objects.count(), 0)

    def test_it_imports_into_the_users_own_territory_only(self):
        self.client.force_login(self.dave)
        response = self.upload(csv_bytes([a_row("LAB-A", 1)]), territory=self.t93.pk)
        self.assertContains(response, "line 2: index_case: No index case LAB-A in territory 75.")
        self.assertEqual(ContactImport.objects.get().territory, self.t75)
        self.assertEqual(Exposure.objects.count(), 0)

    def test_it_lets_the_superuser_choose_the_territory(self):
        self.client.force_login(self.root)
        self.assertIn(
            "territory", self.upload(csv_bytes([a_row("LAB-A", 1)])).context["form"].errors
        )
        self.upload(csv_bytes([a_row("LAB-A", 1)]), territory=self.t93.pk)
        job = ContactImport.objects.get()
        self.assertEqual((job.territory, job.state), (self.t93, ContactImport.State.DONE))

    def test_it_refuses_a_file_too_large_before_reading_it(self):
        self.client.force_login(self.carol)
        with mock.patch("intake.forms.MAX_FILE_BYTES", 10):
            response = self.upload(csv_bytes([a_row("LAB-A", 1)]))
        self.assertIn("file", response.context["form"].errors)
        self.assertFalse(ContactImport.objects.exists())
        self.assertEqual(Exposure.objects.count(), 0)
