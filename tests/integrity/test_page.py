"""The integrity page (issue 14, part 8's base): supervisors and CPAM admins of the territory
only, filters, acknowledgement with a note, CSV export with formula cells neutralised."""

from datetime import date

from django.urls import reverse
from django.utils import timezone

from integrity.models import Finding
from tests.integrity.base import T0, IntegrityTestCase

PAGE = reverse("integrity:findings")
CSV = reverse("integrity:findings-csv")
Kind = Finding.Kind
DAY = date(2026, 1, 15)
# Session, user, roles, territory; the agents per employer; the findings, the per-agent counts,
# the per-provider counts (per kind, per agent); the base page's agent and territory: pinned, so
# that a query per row shows up here.
PAGE_QUERIES = 11


def ack_url(finding: Finding) -> str:
    return reverse("integrity:acknowledge-finding", args=[finding.pk])


class IntegrityPageTests(IntegrityTestCase):
    def setUp(self):
        self.short = Finding.objects.create(
            territory=self.t93,
            agent=self.alice.agent,
            day=DAY,
            kind=Kind.CALL_TOO_SHORT,
            attempt=self.attempt(self.alice, connected_seconds=12),
            evidence={"connected_seconds": 12, "min_seconds": 60, "outcome": "reached"},
            detected_at=T0,
        )
        self.low = Finding.objects.create(
            territory=self.t93,
            agent=self.anna.agent,
            day=date(2026, 1, 10),
            kind=Kind.LOW_OUTPUT,
            evidence={"connected_calls": 4, "floor": 10, "logged_in_seconds": 25200, "calls": 9},
            detected_at=T0,
        )
        self.paris = Finding.objects.create(
            territory=self.t75,
            agent=self.erin.agent,
            day=DAY,
            kind=Kind.LOW_OUTPUT,
            evidence={"connected_calls": 1, "floor": 10},
            detected_at=T0,
        )

    def ids(self, response) -> list[int]:
        return [f.pk for f in response.context["findings"]]

    def test_an_agent_gets_403_and_an_anonymous_user_is_sent_to_log_in(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(PAGE).status_code, 403)
        self.assertEqual(self.client.get(CSV).status_code, 403)
        self.assertEqual(self.client.post(ack_url(self.short), {"note": "x"}).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(PAGE).status_code, 302)

    def test_a_supervisor_sees_their_territorys_findings_only(self):
        for user in (self.bob, self.carol):
            self.client.force_login(user)
            response = self.client.get(PAGE)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(self.ids(response), [self.short.pk, self.low.pk])
            self.assertContains(response, 'data-testid="nav-integrity"')
        self.client.force_login(self.dave)
        self.assertEqual(self.ids(self.client.get(PAGE)), [self.paris.pk])

    def test_another_territorys_finding_is_404_and_left_untouched(self):
        self.client.force_login(self.dave)
        self.assertEqual(self.client.post(ack_url(self.short), {"note": "seen"}).status_code, 404)
        self.short.refresh_from_db()
        self.assertIsNone(self.short.acknowledged_at)

    def test_filters_kind_days_and_acknowledgement(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.ids(self.client.get(PAGE, {"kind": "low_output"})), [self.low.pk])
        self.assertEqual(
            self.ids(self.client.get(PAGE, {"start": "2026-01-12", "end": "2026-01-20"})),
            [self.short.pk],
        )
        Finding.objects.filter(pk=self.low.pk).update(
            acknowledged_by=self.bob, acknowledged_at=timezone.now(), note="talked"
        )
        self.assertEqual(self.ids(self.client.get(PAGE)), [self.short.pk])
        self.assertEqual(self.ids(self.client.get(PAGE, {"state": "acknowledged"})), [self.low.pk])
        self.assertEqual(len(self.ids(self.client.get(PAGE, {"state": "all"}))), 2)

    def test_a_bad_filter_is_an_error_on_the_form_not_a_500(self):
        self.client.force_login(self.bob)
        response = self.client.get(PAGE, {"start": "2026-02-01", "end": "2026-01-01"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)
        response = self.client.get(PAGE, {"kind": "nonsense", "start": "not a date"})
        self.assertEqual(response.status_code, 200)

    def test_the_page_counts_per_agent(self):
        self.client.force_login(self.bob)
        by_agent = {
            r["agent__user__username"]: (r["total"], r["open"], r["calls"])
            for r in self.client.get(PAGE).context["by_agent"]
        }
        self.assertEqual(by_agent, {"alice": (1, 1, 1), "anna": (1, 1, 0)})

    def test_acknowledgement_needs_a_note_and_happens_once(self):
        self.client.force_login(self.bob)
        self.client.post(ack_url(self.short), {"note": "   "})
        self.short.refresh_from_db()
        self.assertIsNone(self.short.acknowledged_at)
        response = self.client.post(ack_url(self.short), {"note": "Listened: a wrong person"})
        self.assertRedirects(response, PAGE)
        self.short.refresh_from_db()
        self.assertEqual(
            (self.short.acknowledged_by, self.short.note), (self.bob, "Listened: a wrong person")
        )
        self.client.force_login(self.carol)
        self.client.post(ack_url(self.short), {"note": "again"})
        self.short.refresh_from_db()
        self.assertEqual(
            (self.short.acknowledged_by, self.short.note), (self.bob, "Listened: a wrong person")
        )

    def test_the_query_count_does_not_grow_with_the_findings(self):
        self.client.force_login(self.bob)
        self.client.get(PAGE)  # warm the session and caches
        with self.assertNumQueries(PAGE_QUERIES):
            self.client.get(PAGE)
        for _ in range(5):
            attempt = self.attempt(self.alice, connected_seconds=5)
            Finding.objects.create(
                territory=self.t93,
                agent=self.alice.agent,
                day=DAY,
                kind=Kind.CALL_TOO_SHORT,
                attempt=attempt,
                evidence={"connected_seconds": 5, "min_seconds": 60},
                detected_at=T0,
            )
        with self.assertNumQueries(PAGE_QUERIES):
            self.client.get(PAGE)


class IntegrityCsvTests(IntegrityTestCase):
    def test_the_csv_has_every_finding_with_its_evidence_and_neutralises_formulas(self):
        self.alice.first_name = "=HYPERLINK(1)"
        self.alice.save()
        Finding.objects.create(
            territory=self.t93,
            agent=self.alice.agent,
            day=DAY,
            kind=Kind.LOW_OUTPUT,
            evidence={"connected_calls": 4, "floor": 10, "logged_in_seconds": 25200, "calls": 9},
            detected_at=T0,
            note="",
        )
        Finding.objects.create(
            territory=self.t75,
            agent=self.erin.agent,
            day=DAY,
            kind=Kind.LOW_OUTPUT,
            evidence={},
            detected_at=T0,
        )
        self.client.force_login(self.bob)
        response = self.client.get(CSV, {"state": "all"})
        self.assertEqual(response.status_code, 200)
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        lines = text.strip().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn("2026-01-15;93;'=HYPERLINK(1) Test;alice;", lines[1])
        self.assertIn("4", lines[1])
        self.assertNotIn("erin", text)
