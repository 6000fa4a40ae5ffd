"""Durations as policy (issue 14, part 4): calls shorter or longer than their outcome and reason
allow become findings with their figures; the job is idempotent."""

from calls.models import CallAttempt, CallTask, DurationRule
from integrity.models import Finding
from integrity.services.detection import detect_duration_findings
from tests.integrity.base import T0, H, IntegrityTestCase, S

Outcome = CallAttempt.Outcome
Reason = CallTask.Reason
Kind = Finding.Kind


class DurationRulesSeededTests(IntegrityTestCase):
    def test_the_rules_are_data_seeded_with_the_issues_examples(self):
        notification = DurationRule.objects.get(
            outcome=Outcome.REACHED, reason=Reason.CONTACT_NOTIFICATION
        )
        interview = DurationRule.objects.get(outcome=Outcome.REACHED, reason=Reason.INDEX_INTERVIEW)
        self.assertEqual((notification.min_seconds, interview.min_seconds), (60, 300))
        self.assertIsNotNone(notification.max_seconds)
        self.assertIsNotNone(notification.wrap_up_limit_seconds)


class DurationPolicyTests(IntegrityTestCase):
    def findings(self):
        return list(
            Finding.objects.order_by("attempt_id").values_list("kind", "attempt_id", "agent_id")
        )

    def test_a_reached_notification_under_a_minute_is_a_finding_with_its_evidence(self):
        short = self.attempt(self.alice, connected_seconds=45)
        self.attempt(self.alice, connected_seconds=60)  # at the minimum: inside
        self.assertEqual(detect_duration_findings(now=T0 + H), 1)
        finding = Finding.objects.get()
        self.assertEqual(
            (finding.kind, finding.attempt_id, finding.agent_id, finding.territory_id),
            (Kind.CALL_TOO_SHORT, short.pk, self.alice.agent.pk, self.t93.pk),
        )
        self.assertEqual(finding.day.isoformat(), "2026-01-15")
        self.assertEqual(finding.evidence["connected_seconds"], 45)
        self.assertEqual(finding.evidence["min_seconds"], 60)
        self.assertEqual(finding.evidence["outcome"], "reached")
        self.assertEqual(finding.evidence["reason"], "contact_notification")

    def test_a_patient_zero_interview_under_five_minutes_is_a_finding(self):
        quick = self.attempt(self.alice, connected_seconds=240, reason=Reason.INDEX_INTERVIEW)
        self.attempt(self.alice, connected_seconds=900, reason=Reason.INDEX_INTERVIEW)
        # The same 240 s notifies a contact honestly.
        self.attempt(self.alice, connected_seconds=240, reason=Reason.CONTACT_NOTIFICATION)
        detect_duration_findings(now=T0 + H)
        self.assertEqual(self.findings(), [(Kind.CALL_TOO_SHORT, quick.pk, self.alice.agent.pk)])

    def test_a_call_past_the_maximum_is_a_finding(self):
        rule = DurationRule.objects.get(outcome=Outcome.REACHED, reason=Reason.CONTACT_NOTIFICATION)
        endless = self.attempt(self.alice, connected_seconds=rule.max_seconds + 1)
        self.attempt(self.alice, connected_seconds=rule.max_seconds)
        detect_duration_findings(now=T0 + 2 * H)
        self.assertEqual(self.findings(), [(Kind.CALL_TOO_LONG, endless.pk, self.alice.agent.pk)])
        self.assertEqual(Finding.objects.get().evidence["max_seconds"], rule.max_seconds)

    def test_a_rule_for_any_reason_applies_where_no_reason_has_its_own(self):
        refused = self.attempt(self.alice, connected_seconds=3, outcome=Outcome.REFUSED)
        self.attempt(self.alice, connected_seconds=30, outcome=Outcome.REFUSED)
        detect_duration_findings(now=T0 + H)
        self.assertEqual(self.findings(), [(Kind.CALL_TOO_SHORT, refused.pk, self.alice.agent.pk)])

    def test_calls_never_connected_and_refused_outcomes_are_not_judged(self):
        self.attempt(self.alice, connected_seconds=None, outcome=Outcome.NO_ANSWER)
        late = self.attempt(self.alice, connected_seconds=5)
        CallAttempt.objects.filter(pk=late.pk).update(accepted=False)
        self.assertEqual(detect_duration_findings(now=T0 + H), 0)

    def test_the_rules_are_data_a_changed_minimum_changes_the_finding(self):
        DurationRule.objects.filter(
            outcome=Outcome.REACHED, reason=Reason.CONTACT_NOTIFICATION
        ).update(min_seconds=30)
        self.attempt(self.alice, connected_seconds=45)
        self.assertEqual(detect_duration_findings(now=T0 + H), 0)

    def test_the_job_is_idempotent(self):
        self.attempt(self.alice, connected_seconds=20)
        self.attempt(self.bob, connected_seconds=20)
        self.assertEqual(detect_duration_findings(now=T0 + H), 2)
        self.assertEqual(detect_duration_findings(now=T0 + H), 0)
        self.assertEqual(detect_duration_findings(now=T0 + 2 * H), 0)
        self.assertEqual(Finding.objects.count(), 2)

    def test_it_looks_back_only_so_far(self):
        self.attempt(self.alice, connected_seconds=20)
        self.assertEqual(detect_duration_findings(now=T0 + 200 * H), 0)

    def test_the_finding_is_on_the_agents_local_day(self):
        # 21:30 UTC is 01:30 the next day in La Réunion.
        self.attempt(self.zoe, connected_seconds=20, at=T0 + 12 * H + 30 * 60 * S)
        detect_duration_findings(now=T0 + 20 * H)
        finding = Finding.objects.get()
        self.assertEqual(
            (finding.territory_id, finding.day.isoformat()), (self.t974.pk, "2026-01-16")
        )
