"""The provider invoice pages: CPAM admins of the territory only (another territory's invoice is
404, agents and supervisors 403), the import page, the report, decisions on lines, the CSV
export with formula cells neutralised, the rates."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.access import territory_today
from integrity.invoice_models import InvoiceLine, ProviderInvoice, ProviderRate
from integrity.invoices import import_invoice
from tests.integrity.invoice_base import ACME, MONTH, NOW, InvoiceTestCase, csv_file, utc

LIST = reverse("integrity:invoices")
IMPORT = reverse("integrity:invoice-import")
TEMPLATE = reverse("integrity:invoice-template")
RATES = reverse("integrity:rates")


class InvoicePageTests(InvoiceTestCase):
    def setUp(self):
        self.day(self.pat, date(2026, 1, 12), ready_seconds=3600, on_call_seconds=5 * 3600)
        self.carrier_calls(self.pat, at=utc(12, 9), n=20, answered=12)
        self.invoice = import_invoice(
            territory=self.t93,
            provider=ACME,
            month=MONTH,
            content=csv_file("pat;2026-01-12;6;20", "quinn;2026-01-12;7;30"),
            file_name="acme.csv",
            by=self.carol,
            now=NOW,
        )
        self.report_url = reverse("integrity:invoice", args=[self.invoice.pk])
        self.csv_url = reverse("integrity:invoice-csv", args=[self.invoice.pk])
        self.quinn_line = self.invoice.lines.get(agent=self.quinn.agent)
        self.decide_url = reverse("integrity:decide-invoice-line", args=[self.quinn_line.pk])

    def urls(self):
        rate_url = reverse("integrity:rate", args=[self.rate1.pk])
        return [LIST, IMPORT, TEMPLATE, RATES, rate_url, self.report_url, self.csv_url]

    def test_agents_and_supervisors_get_403_anonymous_users_log_in(self):
        for user in (self.alice, self.pat, self.bob):
            self.client.force_login(user)
            for url in self.urls():
                self.assertEqual(self.client.get(url).status_code, 403, (user, url))
            response = self.client.post(self.decide_url, {"decision": "accepted", "note": "x"})
            self.assertEqual(response.status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(self.report_url).status_code, 302)
        self.quinn_line.refresh_from_db()
        self.assertEqual(self.quinn_line.decision, "")

    def test_another_territorys_admin_sees_nothing_of_it(self):
        self.client.force_login(self.dave)
        self.assertEqual(list(self.client.get(LIST).context["invoices"]), [])
        self.assertEqual(self.client.get(self.report_url).status_code, 404)
        self.assertEqual(self.client.get(self.csv_url).status_code, 404)
        rate_url = reverse("integrity:rate", args=[self.rate1.pk])
        self.assertEqual(self.client.get(rate_url).status_code, 404)
        response = self.client.post(self.decide_url, {"decision": "accepted", "note": "x"})
        self.assertEqual(response.status_code, 404)
        self.quinn_line.refresh_from_db()
        self.assertEqual(self.quinn_line.decision, "")
        self.assertNotContains(self.client.get(RATES), "21,37")

    def test_the_list_and_the_menu_link(self):
        self.client.force_login(self.carol)
        response = self.client.get(LIST)
        self.assertEqual(list(response.context["invoices"]), [self.invoice])
        self.assertContains(response, self.report_url)
        self.assertContains(response, 'data-testid="nav-invoices"')
        self.client.force_login(self.bob)
        self.assertNotContains(self.client.get(reverse("integrity:findings")), "nav-invoices")

    def test_the_report_shows_disputed_lines_first_with_their_evidence(self):
        self.client.force_login(self.carol)
        response = self.client.get(self.report_url)
        self.assertEqual(response.status_code, 200)
        lines = response.context["report"].lines
        self.assertEqual([f.line.agent_id for f in lines], [self.quinn.agent.pk, self.pat.agent.pk])
        self.assertEqual([f.state for f in lines], ["auto_disputed", "within_tolerance"])
        self.assertContains(response, 'data-state="auto_disputed"', count=1)
        self.assertContains(response, "acme.csv")

    def test_the_reports_query_count_does_not_grow_with_the_lines(self):
        self.client.force_login(self.carol)
        with CaptureQueriesContext(connection) as small:
            self.client.get(self.report_url)
        more = [f"quinn;2026-01-{d:02d};7;30" for d in range(13, 29)]
        big = import_invoice(
            territory=self.t93,
            provider=ACME,
            month=date(2025, 12, 1),
            content=csv_file(*[line.replace("2026-01", "2025-12") for line in more]),
            file_name="acme-12.csv",
            by=self.carol,
            now=NOW,
        )
        with CaptureQueriesContext(connection) as large:
            self.client.get(reverse("integrity:invoice", args=[big.pk]))
        self.assertEqual(len(large), len(small))
        # Session, user, roles, the user's territory; the invoice; the four of the
        # reconciliation; the page header's agent and territory: pinned, so that a query per
        # line shows up here.
        self.assertEqual(len(small), 11, [q["sql"] for q in small.captured_queries])

    def test_marking_a_line_keeps_who_when_and_the_note(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            self.decide_url, {"decision": "disputed", "note": "No login that day"}
        )
        self.assertRedirects(response, self.report_url + f"#line-{self.quinn_line.pk}")
        self.quinn_line.refresh_from_db()
        self.assertEqual(self.quinn_line.decision, InvoiceLine.Decision.DISPUTED)
        self.assertEqual(self.quinn_line.decided_by, self.carol)
        self.assertIsNotNone(self.quinn_line.decided_at)
        self.assertEqual(self.quinn_line.note, "No login that day")
        page = self.client.get(self.report_url)
        self.assertContains(page, "No login that day")
        self.assertContains(page, 'data-state="disputed"')

    def test_a_decision_needs_a_known_value_and_a_note(self):
        self.client.force_login(self.carol)
        for data in ({"decision": "accepted", "note": "  "}, {"decision": "paid", "note": "x"}):
            self.client.post(self.decide_url, data)
        self.quinn_line.refresh_from_db()
        self.assertEqual((self.quinn_line.decision, self.quinn_line.decided_by), ("", None))

    def test_the_csv_export_neutralises_formula_cells(self):
        self.quinn.first_name = '=HYPERLINK("http://evil")'
        self.quinn.save()
        InvoiceLine.objects.filter(pk=self.quinn_line.pk).update(
            decision="disputed", decided_by=self.carol, decided_at=NOW, note="@SUM(A1)"
        )
        self.client.force_login(self.carol)
        response = self.client.get(self.csv_url)
        self.assertEqual(response.status_code, 200)
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = [line.split(";") for line in body.strip().splitlines()]
        self.assertEqual(len(rows), 3)
        quinn = rows[1]
        self.assertTrue(quinn[2].startswith("\"'=HYPERLINK"), quinn)
        self.assertEqual(quinn[-1], "'@SUM(A1)")
        # Figures in French Excel's form: hours billed, proven; euros billed (7 × 21.37 + 15).
        self.assertEqual((quinn[4], quinn[7], quinn[11]), ("7,00", "0,00", "164,59"))

    def test_the_template_file_is_the_importers_header(self):
        self.client.force_login(self.carol)
        response = self.client.get(TEMPLATE)
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        self.assertEqual(body.splitlines()[0], "agent;day;billed_hours;billed_calls")


class InvoiceImportPageTests(InvoiceTestCase):
    def upload(self, content: bytes, **data):
        self.client.force_login(self.carol)
        payload = {"provider": ACME, "month": "2026-01", **data}
        payload["file"] = SimpleUploadedFile("acme.csv", content, content_type="text/csv")
        return self.client.post(IMPORT, payload)

    def test_a_good_file_leads_to_its_report(self):
        response = self.upload(csv_file("pat;2026-01-12;7;30"))
        invoice = ProviderInvoice.objects.get()
        self.assertRedirects(response, reverse("integrity:invoice", args=[invoice.pk]))
        self.assertEqual((invoice.month, invoice.uploaded_by), (MONTH, self.carol))

    def test_a_bad_file_lists_its_errors_and_writes_nothing(self):
        response = self.upload(csv_file("pat;2026-01-12;7;30", "sam;2026-01-12;7;30"))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(response.context["errors"]), 1)
        self.assertIn("3", response.context["errors"][0])
        self.assertContains(response, 'data-testid="import-errors"', status_code=400)
        self.assertEqual(ProviderInvoice.objects.count(), 0)
        self.assertEqual(InvoiceLine.objects.count(), 0)

    def test_the_page_documents_the_format_and_offers_the_template(self):
        self.client.force_login(self.carol)
        response = self.client.get(IMPORT)
        self.assertContains(response, "agent;day;billed_hours;billed_calls")
        self.assertContains(response, TEMPLATE)
        # The providers of the territory only.
        self.assertEqual(
            [c for c, _label in response.context["form"].fields["provider"].choices],
            ["Acme Appels", "Beta Contact"],
        )

    def test_the_month_before_this_one_is_preselected(self):
        self.client.force_login(self.carol)
        form = self.client.get(IMPORT).context["form"]
        first = territory_today(self.t93).replace(day=1)
        self.assertEqual(form["month"].value(), (first - timedelta(days=1)).replace(day=1))

    def test_a_provider_of_another_territory_cannot_be_chosen(self):
        response = self.upload(csv_file("pat;2026-01-12;7;30"), provider="Gamma")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(ProviderInvoice.objects.count(), 0)


class ProviderRatePageTests(InvoiceTestCase):
    def test_an_admin_adds_a_rate_for_their_territory(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            RATES,
            {
                "provider": "Beta Contact",
                "hourly_rate": "19.50",
                "per_call_rate": "0.30",
                "valid_from": "2026-01-01",
            },
        )
        self.assertRedirects(response, RATES)
        rate = ProviderRate.objects.get(provider="Beta Contact")
        self.assertEqual((rate.territory, rate.hourly_rate), (self.t93, Decimal("19.50")))

    def test_overlapping_rates_and_negative_amounts_are_refused(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            RATES,
            {
                "provider": ACME,
                "hourly_rate": "19.50",
                "per_call_rate": "-1",
                "valid_from": "2026-01-20",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("per_call_rate", response.context["form"].errors)
        self.assertIn("__all__", response.context["form"].errors)
        self.assertEqual(ProviderRate.objects.filter(territory=self.t93).count(), 2)

    def test_an_admin_ends_a_rate(self):
        self.client.force_login(self.carol)
        url = reverse("integrity:rate", args=[self.rate2.pk])
        response = self.client.post(
            url,
            {
                "provider": ACME,
                "hourly_rate": "25.00",
                "per_call_rate": "0.40",
                "valid_from": "2026-01-13",
                "valid_to": "2026-06-30",
            },
        )
        self.assertRedirects(response, RATES)
        self.rate2.refresh_from_db()
        self.assertEqual(self.rate2.valid_to, date(2026, 6, 30))
