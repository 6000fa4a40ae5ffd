"""Provider invoices (issue 14, part 6): the CSV import, all or nothing with errors by line and
column; the figures of a crafted invoice against crafted evidence (hours, calls, euros,
disputes); the rates."""

from datetime import date
from decimal import Decimal

from django.test import override_settings
from django.utils import translation

from integrity import invoices
from integrity.invoice_models import InvoiceLine, ProviderInvoice
from integrity.invoices import InvoiceImportError, import_invoice, reconcile
from tests.integrity.invoice_base import (
    ACME,
    BETA,
    MONTH,
    NOW,
    H,
    InvoiceTestCase,
    csv_file,
    utc,
)


class InvoiceImportTests(InvoiceTestCase):
    def setUp(self):
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def do_import(self, content: bytes, *, provider: str = ACME, month: date = MONTH):
        return import_invoice(
            territory=self.t93,
            provider=provider,
            month=month,
            content=content,
            file_name="acme-2026-01.csv",
            by=self.carol,
            now=NOW,
        )

    def errors(self, content: bytes, **kwargs) -> list[str]:
        with self.assertRaises(InvoiceImportError) as caught:
            self.do_import(content, **kwargs)
        self.assertEqual(ProviderInvoice.objects.count(), 0)
        self.assertEqual(InvoiceLine.objects.count(), 0)
        return caught.exception.errors

    def test_a_good_file_is_recorded_with_its_lines_and_totals(self):
        invoice = self.do_import(
            csv_file("pat;2026-01-12;8;45", "pat;13/01/2026;7,5;12", "quinn;2026-01-12;7.25;30")
        )
        self.assertEqual(invoice.territory, self.t93)
        self.assertEqual(invoice.provider, ACME)
        self.assertEqual(invoice.month, MONTH)
        self.assertEqual(invoice.uploaded_by, self.carol)
        self.assertEqual(invoice.uploaded_at, NOW)
        self.assertEqual(invoice.file_name, "acme-2026-01.csv")
        self.assertEqual(invoice.billed_hours, Decimal("22.75"))
        self.assertEqual(invoice.billed_calls, 87)
        self.assertEqual(invoice.line_count, 3)
        lines = list(invoice.lines.order_by("line_number"))
        self.assertEqual(
            [(x.line_number, x.agent_id, x.day, x.billed_hours, x.billed_calls) for x in lines],
            [
                (2, self.pat.agent.pk, date(2026, 1, 12), Decimal("8.00"), 45),
                (3, self.pat.agent.pk, date(2026, 1, 13), Decimal("7.50"), 12),
                (4, self.quinn.agent.pk, date(2026, 1, 12), Decimal("7.25"), 30),
            ],
        )

    def test_every_bad_line_is_named_with_its_column_and_nothing_is_written(self):
        errors = self.errors(
            csv_file(
                "pat;2026-01-12;8;45",  # 2: good
                "nobody;2026-01-12;8;45",  # 3
                "sam;2026-01-12;8;45",  # 4: Acme, but in Paris
                "ravi;2026-01-12;8;45",  # 5: Beta
                "alice;2026-01-12;8;45",  # 6: CNAM staff
                "quinn;2026-02-01;8;45",  # 7
                "quinn;2026-01-13;-1;45",  # 8
                "quinn;2026-01-14;30;45",  # 9
                "quinn;2026-01-15;8;-3",  # 10
                "quinn;2026-01-16;8;10000",  # 11
                "pat;12/01/2026;1;1",  # 12: pat's 12 January again
                "quinn;yesterday;8;45",  # 13
                "quinn;2026-01-17;huit;4.5",  # 14
            )
        )
        self.assertEqual(
            errors,
            [
                "line 3: agent: unknown agent: nobody",
                "line 4: agent: sam is not an agent of this territory.",
                "line 5: agent: ravi is not an agent of Acme Appels.",
                "line 6: agent: alice is not an agent of Acme Appels.",
                "line 7: day: 2026-02-01 is outside the month billed (01/2026).",
                "line 8: billed_hours: must be zero or more.",
                "line 9: billed_hours: 30 hours in one day is not possible (at most 12).",
                "line 10: billed_calls: must be zero or more.",
                "line 11: billed_calls: 10000 calls in one day is not possible (at most 500).",
                "line 12: day: the same agent and day as line 2.",
                "line 13: day: not a date: yesterday (expected YYYY-MM-DD).",
                "line 14: billed_hours: not a number: huit",
                "line 14: billed_calls: not a whole number: 4.5",
            ],
        )

    def test_a_day_no_rate_covers_is_refused(self):
        errors = self.errors(csv_file("ravi;2026-01-12;8;45"), provider=BETA)
        self.assertEqual(
            errors, ["line 2: day: no rate of this provider covers 2026-01-12: add it first."]
        )

    def test_the_header_must_name_the_columns(self):
        errors = self.errors(csv_file("pat;2026-01-12;8", header="agent;day;billed_hours"))
        self.assertIn("line 1: missing column(s): billed_calls.", errors)

    def test_a_month_is_imported_once(self):
        self.do_import(csv_file("pat;2026-01-12;8;45"))
        with self.assertRaises(InvoiceImportError) as caught:
            self.do_import(csv_file("quinn;2026-01-12;8;45"))
        self.assertEqual(
            caught.exception.errors,
            ["The invoice of Acme Appels for 01/2026 is already imported."],
        )
        self.assertEqual(InvoiceLine.objects.count(), 1)

    def test_the_template_has_the_importers_columns_and_imports_once_named(self):
        header, *rows = invoices.template_rows(month=MONTH)
        self.assertEqual(header, ["agent", "day", "billed_hours", "billed_calls"])
        content = csv_file(*(";".join(["pat", *row[1:]]) for row in rows), header=";".join(header))
        self.assertEqual(self.do_import(content).line_count, 2)


@override_settings(INVOICE_TOLERANCE_MINUTES=15, INVOICE_TOLERANCE_CALLS=2)
class InvoiceFiguresTests(InvoiceTestCase):
    """pat on 12 January: billed 8 h and 45 calls, proven 6 h 20 (ready 2 h 20, on calls 3 h,
    wrap-up 1 h 30 of which 30 min past its limit; a 1 h pause is not work) and 40 calls (25
    answered by a person, 3 by a machine). pat on 13 January (the new rate): billed 7.10 h and
    12 calls, proven 7 h and 11 calls, within tolerance. quinn on 12 January: billed 7 h and 30
    calls, not logged in, no call."""

    def setUp(self):
        self.day(
            self.pat,
            date(2026, 1, 12),
            ready_seconds=2 * H + 1200,
            on_call_seconds=3 * H,
            wrap_up_seconds=3 * H // 2,
            wrap_up_over_seconds=H // 2,
            paused_seconds=H,
        )
        self.day(
            self.pat, date(2026, 1, 13), ready_seconds=H, on_call_seconds=5 * H, wrap_up_seconds=H
        )
        # 09:00 UTC is 10:00 in Paris; 23:30 UTC on the 12th is already the 13th there.
        self.carrier_calls(self.pat, at=utc(12, 9), n=40, answered=25, machine=3)
        self.carrier_calls(self.pat, at=utc(12, 23, 30), n=1, answered=1)
        self.carrier_calls(self.pat, at=utc(13, 9), n=10, answered=7)
        # Another agent's calls the same day, and a month before: not pat's, not January.
        self.carrier_calls(self.alice, at=utc(12, 9), n=5, answered=5)
        self.carrier_calls(self.quinn, at=utc(12, 9).replace(month=2), n=5, answered=5)
        self.invoice = import_invoice(
            territory=self.t93,
            provider=ACME,
            month=MONTH,
            content=csv_file(
                "pat;2026-01-13;7.10;12", "quinn;2026-01-12;7;30", "pat;2026-01-12;8;45"
            ),
            file_name="acme.csv",
            by=self.carol,
            now=NOW,
        )

    def report(self):
        invoice = ProviderInvoice.objects.select_related("territory").get(pk=self.invoice.pk)
        with self.assertNumQueries(4):
            return reconcile(invoice)

    def test_each_line_against_its_evidence(self):
        report = self.report()
        rows = [
            (
                f.line.agent.user.username,
                f.line.day.day,
                f.logged_in_hours,
                f.active_hours,
                f.proven_hours,
                f.carrier_calls,
                f.connected_calls,
                f.billed_amount,
                f.proven_amount,
                f.state,
            )
            for f in report.lines
        ]
        D = Decimal
        self.assertEqual(
            rows,
            [
                # Disputed first, by day and line in the file.
                # 7 × 21.37 + 30 × 0.50 = 164.59 billed for nothing proven.
                (
                    "quinn",
                    12,
                    D("0.00"),
                    D("0.00"),
                    D("0.00"),
                    0,
                    0,
                    D("164.59"),
                    D("0.00"),
                    "auto_disputed",
                ),
                # 8 h billed for 6.33 proven; 45 calls for 40.
                # 8 × 21.37 + 45 × 0.50 = 193.46; 6.333… × 21.37 + 40 × 0.50 = 155.34.
                (
                    "pat",
                    12,
                    D("7.83"),
                    D("4.00"),
                    D("6.33"),
                    40,
                    25,
                    D("193.46"),
                    D("155.34"),
                    "auto_disputed",
                ),
                # At the rate from the 13th: 7.10 × 25 + 12 × 0.40 = 182.30; 7 × 25 + 11 × 0.40.
                (
                    "pat",
                    13,
                    D("7.00"),
                    D("6.00"),
                    D("7.00"),
                    11,
                    8,
                    D("182.30"),
                    D("179.40"),
                    "within_tolerance",
                ),
            ],
        )

    def test_the_totals(self):
        report = self.report()
        self.assertEqual(report.billed_hours, Decimal("22.10"))
        self.assertEqual(report.proven_hours, Decimal("13.33"))
        self.assertEqual(report.billed_calls, 87)
        self.assertEqual(report.proven_calls, 51)
        self.assertEqual(report.connected_calls, 33)
        self.assertEqual(report.billed_amount, Decimal("540.35"))
        self.assertEqual(report.proven_amount, Decimal("334.74"))
        self.assertEqual(report.disputed_count, 2)
        self.assertEqual(report.disputed_amount, Decimal("202.71"))

    @override_settings(INVOICE_TOLERANCE_CALLS=0)
    def test_the_tolerance_is_a_setting(self):
        states = {(f.line.agent_id, f.line.day.day): f.state for f in self.report().lines}
        self.assertEqual(states[(self.pat.agent.pk, 13)], "auto_disputed")

    def test_a_decision_overrides_the_automatic_state_and_keeps_who_and_when(self):
        line = self.invoice.lines.get(agent=self.quinn.agent)
        invoices.decide_line(
            line=line,
            decision="accepted",
            note="Badge failure, hours confirmed",
            by=self.carol,
            now=NOW,
        )
        line.refresh_from_db()
        self.assertEqual((line.decided_by, line.decided_at), (self.carol, NOW))
        report = self.report()
        self.assertEqual([f.state for f in report.lines if f.line.pk == line.pk], ["accepted"])
        self.assertEqual(report.disputed_count, 1)

    def test_the_query_count_does_not_grow_with_the_lines(self):
        more = [f"quinn;2026-01-{d:02d};7;30" for d in range(13, 29)]
        ProviderInvoice.objects.all().delete()
        self.invoice = import_invoice(
            territory=self.t93,
            provider=ACME,
            month=MONTH,
            content=csv_file("pat;2026-01-12;8;45", *more),
            file_name="acme.csv",
            by=self.carol,
            now=NOW,
        )
        self.assertEqual(len(self.report().lines), 17)
