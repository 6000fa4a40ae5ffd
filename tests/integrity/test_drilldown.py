"""A finding's drill-down (issue 14, part 8): the attempt in the territory's time, the carrier's
call and its events, the evidence; supervisors and CPAM admins of the territory only, notes
escaped, the query count pinned."""

from django.urls import reverse
from django.utils import translation

from calls.models import Assignment, CallAttempt, CarrierCall, CarrierEvent
from integrity.models import Finding
from integrity.reconciliation import reconcile
from integrity.views.drilldown import reconciliation_figures
from tests.integrity.base import T0, H, S
from tests.integrity.test_reconciliation import ReconciliationTestCase

Kind = Finding.Kind
# Session, user, roles, the finding with its agent, territory and attempt, the carrier call,
# its events; the base page's agent and territory.
DETAIL_QUERIES = 9


def detail(finding: Finding) -> str:
    return reverse("integrity:finding-detail", args=[finding.pk])


class DrillDownTests(ReconciliationTestCase):
    def setUp(self):
        self.attempt_ = self.call(self.alice, call_id="c-1")
        CallAttempt.objects.filter(pk=self.attempt_.pk).update(
            phone="+33612345678", notes="<script>alert(1)</script> said yes"
        )
        self.carrier_call = self.carrier("c-1", answered_by="", billed=0)
        reconcile(now=T0 + 3 * H)
        self.finding = Finding.objects.get(kind=Kind.NO_CARRIER_ANSWER)

    def test_the_supervisor_sees_the_attempt_the_carrier_call_and_its_events(self):
        self.client.force_login(self.bob)
        response = self.client.get(detail(self.finding))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        # 09:00 UTC dialled is 10:00 in Paris.
        self.assertIn("10:00", html)
        self.assertIn("06 12 34 56 78", html)
        self.assertEqual([e.type for e in response.context["events"]], ["initiated", "completed"])
        self.assertContains(response, 'data-testid="carrier-event"', count=2)
        self.assertContains(response, "c-1")
        self.assertEqual(response.context["talk_seconds"], 120)
        self.assertIn(("carrier_final_status", "no_answer"), response.context["evidence"])

    def test_the_evidence_reads_as_a_sentence_with_the_labels(self):
        with translation.override("en"):
            self.assertEqual(
                reconciliation_figures(self.finding),
                "Reached recorded; the carrier reports no answer (call c-1)",
            )
            CarrierCall.objects.filter(pk=self.carrier_call.pk).update(answered_by="machine")
            Finding.objects.all().delete()
            reconcile(now=T0 + 4 * H)
            finding = Finding.objects.get(kind=Kind.NO_CARRIER_ANSWER)
            self.assertIn("Answering machine", reconciliation_figures(finding))

    def test_notes_are_escaped(self):
        self.client.force_login(self.bob)
        response = self.client.get(detail(self.finding))
        self.assertNotContains(response, "<script>alert(1)</script>")
        self.assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt; said yes")

    def test_the_list_links_to_the_detail(self):
        self.client.force_login(self.carol)
        self.assertContains(self.client.get(reverse("integrity:findings")), detail(self.finding))

    def test_an_agent_gets_403_another_territory_404(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(detail(self.finding)).status_code, 403)
        for user in (self.dave, self.erin):
            self.client.force_login(user)
            self.assertEqual(self.client.get(detail(self.finding)).status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get(detail(self.finding)).status_code, 302)

    def test_a_call_outside_the_desk_shows_its_carrier_call_and_no_agent(self):
        Assignment.objects.create(
            task=self.make_task(),
            agent=self.anna.agent,
            claimed_at=T0,
            lease_expires_at=T0 + H,
            phone="+33611111111",
            closed_at=T0 + 60 * S,
        )
        outside = self.carrier("x-9", number="+33611111111", billed=300)
        reconcile(now=T0 + 3 * H)
        finding = Finding.objects.get(carrier_call=outside)
        self.client.force_login(self.bob)
        response = self.client.get(detail(finding))
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.context["attempt"])
        self.assertEqual(response.context["call"], outside)
        self.assertContains(response, 'data-testid="carrier-event"', count=3)
        self.assertContains(response, "06 11 11 11 11")
        # Seen on the list too, with no agent.
        page = self.client.get(reverse("integrity:findings"))
        self.assertContains(page, detail(finding))
        self.assertIn((None, 1), [(r["agent_id"], r["total"]) for r in page.context["by_agent"]])
        csv = self.client.get(reverse("integrity:findings-csv"))
        self.assertIn("x-9", b"".join(csv.streaming_content).decode("utf-8-sig"))

    def test_the_query_count_does_not_grow_with_the_events(self):
        self.client.force_login(self.bob)
        self.client.get(detail(self.finding))
        with self.assertNumQueries(DETAIL_QUERIES):
            self.client.get(detail(self.finding))
        for n in range(5):
            CarrierEvent.objects.create(
                carrier="sim",
                event_id=f"c-1:extra-{n}",
                call=self.carrier_call,
                type="ringing",
                occurred_at=T0 + n * S,
            )
        with self.assertNumQueries(DETAIL_QUERIES):
            response = self.client.get(detail(self.finding))
        self.assertEqual(len(response.context["events"]), 7)
        self.assertIsInstance(response.context["call"], CarrierCall)
