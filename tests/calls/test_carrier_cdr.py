"""The carrier's daily CDR file: all or nothing, errors by line, a file imported twice changes
nothing, and its lines are the same evidence as the webhooks."""

import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import translation

from calls.models import CarrierCall, CarrierEvent

HEADER = "call_id,to,started_at,answered_at,ended_at,answered_by,status,billed_seconds\n"
GOOD = (
    "c-1,+33612345678,2026-12-02T09:00:00+01:00,2026-12-02T09:00:12+01:00,"
    "2026-12-02T09:04:12+01:00,person,answered,240\n"
    "c-2,+33612345679,2026-12-02T09:10:00+01:00,,2026-12-02T09:10:30+01:00,,no_answer,0\n"
    "c-3,+33612345670,2026-12-02T09:20:00+01:00,,2026-12-02T09:20:02+01:00,,busy,0\n"
)


class CdrImportTests(TestCase):
    def run_import(self, text: str, carrier: str = "sim") -> str:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "cdr.csv"
            path.write_text(text, encoding="utf-8")
            out = StringIO()
            with translation.override("en"):
                call_command("import_cdr", str(path), "--carrier", carrier, stdout=out)
            return out.getvalue()

    def test_a_good_file_records_each_call_with_its_figures(self):
        output = self.run_import(HEADER + GOOD)
        self.assertIn("3 calls: 7 events recorded, 0 already known", output)
        answered = CarrierCall.objects.get(carrier_call_id="c-1")
        self.assertEqual(answered.answered_by, "person")
        self.assertEqual(answered.billed_seconds, 240)
        self.assertEqual(answered.final_status, "answered")
        self.assertEqual(answered.state, "completed")
        self.assertEqual(CarrierCall.objects.get(carrier_call_id="c-2").final_status, "no_answer")
        busy = CarrierCall.objects.get(carrier_call_id="c-3")
        self.assertEqual((busy.state, busy.final_status), ("failed", "busy"))
        self.assertTrue(CarrierEvent.objects.filter(source="cdr").exists())

    def test_a_file_imported_twice_changes_nothing(self):
        self.run_import(HEADER + GOOD)
        before = CarrierEvent.objects.count()
        output = self.run_import(HEADER + GOOD)
        self.assertIn("0 events recorded, 7 already known", output)
        self.assertEqual(CarrierEvent.objects.count(), before)
        self.assertEqual(CarrierCall.objects.count(), 3)

    def test_one_bad_line_writes_nothing_and_every_error_names_its_line(self):
        bad = (
            HEADER
            + GOOD
            + "c-4,+336,yesterday,,2026-12-02T09:30:00+01:00,,no_answer,0\n"
            + "c-5,+336,2026-12-02T09:40:00+01:00,,2026-12-02T09:41:00+01:00,,lost,-3\n"
            + "c-6,+336,2026-12-02T09:50:00+01:00,,2026-12-02T09:49:00+01:00,,answered,10\n"
            + "c-1,+336,2026-12-02T10:00:00+01:00,,2026-12-02T10:01:00+01:00,,no_answer,0\n"
            + "c-7,+336,2026-12-02T10:00:00,,2026-12-02T10:01:00+01:00,,no_answer,0\n"
        )
        with self.assertRaises(CommandError) as raised:
            self.run_import(bad)
        message = str(raised.exception)
        self.assertIn("Nothing was imported", message)
        for expected in (
            "line 5: started_at",
            "line 6: status",
            "line 6: billed_seconds",
            "line 7: the call ends before it starts",
            "line 7: an answered call has answered_at",
            "line 8: call c-1 is already on line 2",
            "line 9: started_at",
        ):
            self.assertIn(expected, message)
        self.assertNotIn("line 2:", message.replace("on line 2", ""))
        self.assertFalse(CarrierCall.objects.exists())
        self.assertFalse(CarrierEvent.objects.exists())

    def test_a_missing_column_or_an_unknown_carrier_is_refused(self):
        with self.assertRaises(CommandError) as raised:
            self.run_import("call_id,started_at\nc-1,2026-12-02T09:00:00+01:00\n")
        self.assertIn("line 1: missing column(s)", str(raised.exception))
        with self.assertRaises(CommandError) as raised:
            self.run_import(HEADER + GOOD, carrier="acme")
        self.assertIn("Unknown carrier", str(raised.exception))
        self.assertFalse(CarrierEvent.objects.exists())
