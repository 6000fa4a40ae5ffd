"""Reconciliation with the carrier (issue 14, part 3): each rule on crafted attempts and carrier
rows, a near case that does not fire, the grace period, idempotency, and the `tel:` fallback
flagged as unproven, never as a conversation the carrier denies."""

from datetime import timedelta

from django.test import override_settings

from calls.models import Assignment, CallAttempt, CallTask, CarrierCall, CarrierEvent
from integrity.models import Finding
from integrity.reconciliation import reconcile, talk_tolerance
from tests.integrity.base import T0, H, IntegrityTestCase, S

Outcome = CallAttempt.Outcome
Kind = Finding.Kind
FOLLOW_UP = CallTask.Reason.FOLLOW_UP
# Well past the grace period (60 min) and within the look-back (72 h).
LATER = T0 + 3 * H


class ReconciliationTestCase(IntegrityTestCase):
    def call(
        self,
        user,
        *,
        connected_seconds: int | None = 120,
        outcome: str = Outcome.REACHED,
        call_id: str = "",
        at=T0,
    ) -> CallAttempt:
        """An attempt of `user`, dialled through the carrier when `call_id` is given."""
        attempt = self.attempt(
            user, connected_seconds=connected_seconds, outcome=outcome, reason=FOLLOW_UP, at=at
        )
        source = Assignment.ConnectedSource.CARRIER if call_id else Assignment.ConnectedSource.AGENT
        CallAttempt.objects.filter(pk=attempt.pk).update(
            carrier="sim" if call_id else "",
            carrier_call_id=call_id,
            connected_source=source if connected_seconds is not None else "",
        )
        attempt.refresh_from_db()
        return attempt

    def carrier(
        self,
        call_id: str,
        *,
        answered_by: str = "person",
        billed: int | None = 120,
        at=T0,
        events: bool = True,
        assignment=None,
        number: str = "+33612345678",
    ) -> CarrierCall:
        """The carrier's record of a call: answered (by a person or a machine, or not at all)
        and billed, with its events."""
        answered_at = at + 10 * S if answered_by else None
        call = CarrierCall.objects.create(
            carrier="sim",
            carrier_call_id=call_id,
            assignment=assignment,
            number=number,
            state=CarrierCall.State.COMPLETED,
            started_at=at,
            answered_at=answered_at,
            answered_by=answered_by,
            ended_at=at + timedelta(seconds=10 + (billed or 30)),
            billed_seconds=billed,
            final_status="answered" if answered_by else "no_answer",
        )
        if events:
            CarrierEvent.objects.create(
                carrier="sim",
                event_id=f"{call_id}:initiated",
                call=call,
                type="initiated",
                occurred_at=at,
            )
            if answered_by:
                CarrierEvent.objects.create(
                    carrier="sim",
                    event_id=f"{call_id}:answered",
                    call=call,
                    type="answered",
                    occurred_at=answered_at,
                    payload={"answered_by": answered_by},
                )
            CarrierEvent.objects.create(
                carrier="sim",
                event_id=f"{call_id}:completed",
                call=call,
                type="completed",
                occurred_at=call.ended_at,
                payload={"billed_seconds": billed},
            )
        return call

    def found(self, kind=None) -> list[tuple[str, int | None]]:
        findings = Finding.objects.order_by("kind", "attempt_id", "carrier_call_id")
        if kind:
            findings = findings.filter(kind=kind)
        return [(f.kind, f.attempt_id or f.carrier_call_id) for f in findings]


class ConversationWithoutAnswerTests(ReconciliationTestCase):
    def test_reached_on_a_call_the_carrier_says_nobody_answered_is_a_finding(self):
        cheat = self.call(self.alice, call_id="c-1")
        self.carrier("c-1", answered_by="", billed=0)
        honest = self.call(self.alice, call_id="c-2")
        self.carrier("c-2")
        self.assertEqual(reconcile(now=LATER), 2)  # and its talk time vs 0 s billed
        self.assertEqual(self.found(Kind.NO_CARRIER_ANSWER), [(Kind.NO_CARRIER_ANSWER, cheat.pk)])
        finding = Finding.objects.get(kind=Kind.NO_CARRIER_ANSWER)
        self.assertEqual(
            (finding.agent_id, finding.territory_id, finding.day.isoformat()),
            (self.alice.agent.pk, self.t93.pk, "2026-01-15"),
        )
        self.assertEqual(finding.evidence["carrier_call_id"], "c-1")
        self.assertEqual(finding.evidence["carrier_answered_by"], "")
        self.assertEqual(finding.evidence["carrier_final_status"], "no_answer")
        self.assertEqual(finding.evidence["outcome"], "reached")
        self.assertFalse(Finding.objects.filter(attempt=honest).exists())

    def test_an_answering_machine_is_not_a_conversation(self):
        refused = self.call(self.alice, call_id="c-1", outcome=Outcome.REFUSED)
        self.carrier("c-1", answered_by="machine", billed=120)
        reconcile(now=LATER)
        self.assertEqual(self.found(), [(Kind.NO_CARRIER_ANSWER, refused.pk)])
        self.assertEqual(Finding.objects.get().evidence["carrier_answered_by"], "machine")

    def test_outcomes_that_need_no_conversation_are_not_judged_on_the_answer(self):
        self.call(self.alice, call_id="c-1", outcome=Outcome.NO_ANSWER, connected_seconds=None)
        self.carrier("c-1", answered_by="", billed=0)
        self.call(self.alice, call_id="c-2", outcome=Outcome.VOICEMAIL, connected_seconds=None)
        self.carrier("c-2", answered_by="machine", billed=20)
        self.assertEqual(reconcile(now=LATER), 0)


class BilledSecondsTests(ReconciliationTestCase):
    def test_the_tolerance_is_fifteen_seconds_or_ten_percent(self):
        self.assertEqual(
            (talk_tolerance(60), talk_tolerance(150), talk_tolerance(600)), (15, 15, 60)
        )

    def test_talk_time_beyond_the_tolerance_is_a_finding_with_its_figures(self):
        padded = self.call(self.alice, call_id="c-1", connected_seconds=400)
        self.carrier("c-1", billed=300)  # tolerance 30 s: 100 s over
        self.call(self.alice, call_id="c-2", connected_seconds=330)
        self.carrier("c-2", billed=300)  # 30 s: at the tolerance, inside
        self.call(self.alice, call_id="c-3", connected_seconds=106)
        self.carrier("c-3", billed=120)  # 14 s under, the floor is 15 s
        reconcile(now=LATER)
        self.assertEqual(self.found(), [(Kind.BILLED_MISMATCH, padded.pk)])
        evidence = Finding.objects.get().evidence
        self.assertEqual(
            (
                evidence["talk_seconds"],
                evidence["billed_seconds"],
                evidence["difference_seconds"],
                evidence["tolerance_seconds"],
            ),
            (400, 300, 100, 30),
        )

    @override_settings(INTEGRITY_TALK_TOLERANCE_SECONDS=5, INTEGRITY_TALK_TOLERANCE_PERCENT=0)
    def test_the_tolerance_is_a_setting(self):
        near = self.call(self.alice, call_id="c-3", connected_seconds=106)
        self.carrier("c-3", billed=120)
        reconcile(now=LATER)
        self.assertEqual(self.found(), [(Kind.BILLED_MISMATCH, near.pk)])


class NoCarrierRecordTests(ReconciliationTestCase):
    def test_a_call_id_the_carrier_never_reported_is_a_finding_after_the_grace_period(self):
        silent = self.call(self.alice, call_id="c-1")
        self.carrier("c-1", events=False)  # opened by the dial, never reported
        ghost = self.call(self.alice, call_id="c-2")  # no row at all
        self.call(self.alice, call_id="c-3")
        self.carrier("c-3")
        ended = silent.ended_at
        # Within the grace period: late webhooks or tomorrow's CDR may still come.
        self.assertEqual(reconcile(now=ended + 59 * 60 * S), 0)
        self.assertEqual(reconcile(now=ended + 61 * 60 * S), 2)
        self.assertEqual(
            self.found(), [(Kind.NO_CARRIER_RECORD, silent.pk), (Kind.NO_CARRIER_RECORD, ghost.pk)]
        )

    def test_a_cdr_file_that_came_late_is_a_record(self):
        attempt = self.call(self.alice, call_id="c-1")
        self.carrier("c-1", events=True)
        CarrierEvent.objects.filter(call__carrier_call_id="c-1").update(source="cdr")
        reconcile(now=LATER)
        self.assertFalse(Finding.objects.filter(attempt=attempt).exists())


class TelFallbackTests(ReconciliationTestCase):
    @override_settings(INTEGRITY_EXPECT_CARRIER=True)
    def test_a_call_dialled_by_hand_is_unproven_not_a_denied_conversation(self):
        by_hand = self.call(self.alice, call_id="")
        self.assertEqual(reconcile(now=LATER), 1)
        finding = Finding.objects.get()
        self.assertEqual((finding.kind, finding.attempt_id), (Kind.UNPROVEN_CALL, by_hand.pk))
        self.assertEqual(finding.evidence["connected_source"], "agent")

    @override_settings(INTEGRITY_EXPECT_CARRIER=False)
    def test_without_a_carrier_nothing_is_flagged_for_dialling_by_hand(self):
        self.call(self.alice, call_id="")
        self.assertEqual(reconcile(now=LATER), 0)

    @override_settings(INTEGRITY_EXPECT_CARRIER=True)
    def test_an_inbound_call_is_never_dialled_and_not_judged(self):
        attempt = self.call(self.alice, call_id="")
        CallAttempt.objects.filter(pk=attempt.pk).update(channel=CallAttempt.Channel.INBOUND)
        self.assertEqual(reconcile(now=LATER), 0)


class CallsOutsideTheDeskTests(ReconciliationTestCase):
    def assignment(self, user, *, phone="+33612345678") -> Assignment:
        task = self.make_task()
        return Assignment.objects.create(
            task=task,
            agent=user.agent,
            claimed_at=T0 - 60 * S,
            lease_expires_at=T0 + H,
            phone=phone,
            closed_at=T0 + 10 * 60 * S,
            end_reason=Assignment.EndReason.EXPIRED,
        )

    def test_a_carrier_call_matched_to_no_assignment_is_on_the_numbers_territory(self):
        self.assignment(self.alice, phone="+33611111111")
        outside = self.carrier("x-1", number="+33611111111")
        unknown = self.carrier("x-2", number="+33699999999")
        reconcile(now=LATER)
        self.assertEqual(self.found(), [(Kind.CALL_OUTSIDE_DESK, outside.pk)])
        finding = Finding.objects.get()
        self.assertEqual((finding.agent_id, finding.territory_id), (None, self.t93.pk))
        self.assertEqual(finding.evidence["billed_seconds"], 120)
        self.assertFalse(Finding.objects.filter(carrier_call=unknown).exists())

    def test_an_answered_call_on_an_assignment_with_no_attempt_is_on_its_agent(self):
        held = self.assignment(self.alice)
        call = self.carrier("x-1", assignment=held)
        rang = self.assignment(self.anna)
        self.carrier("x-2", assignment=rang, answered_by="", billed=0)  # nobody answered
        reconcile(now=LATER)
        self.assertEqual(self.found(), [(Kind.CALL_OUTSIDE_DESK, call.pk)])
        self.assertEqual(Finding.objects.get().agent_id, self.alice.agent.pk)

    def test_a_carrier_call_with_its_attempt_is_not_outside_the_desk(self):
        held = self.assignment(self.alice)
        attempt = self.call(self.alice, call_id="x-1")
        CallAttempt.objects.filter(pk=attempt.pk).update(assignment=held)
        self.carrier("x-1", assignment=held)
        self.assertEqual(reconcile(now=LATER), 0)


class IdempotencyAndWindowTests(ReconciliationTestCase):
    @override_settings(INTEGRITY_EXPECT_CARRIER=True)
    def test_running_twice_finds_the_same(self):
        self.call(self.alice, call_id="c-1")
        self.carrier("c-1", answered_by="", billed=0)
        self.call(self.alice, call_id="c-2", connected_seconds=500)
        self.carrier("c-2", billed=100)
        self.call(self.anna, call_id="")
        self.carrier("x-1", assignment=None)
        CarrierCall.objects.filter(carrier_call_id="x-1").update(number="")
        first = reconcile(now=LATER)
        self.assertEqual(first, 4)
        before = sorted(Finding.objects.values_list("kind", "attempt_id", "carrier_call_id"))
        self.assertEqual(reconcile(now=LATER), 0)
        self.assertEqual(reconcile(now=LATER + H), 0)
        after = sorted(Finding.objects.values_list("kind", "attempt_id", "carrier_call_id"))
        self.assertEqual(before, after)

    def test_it_looks_back_only_so_far(self):
        self.call(self.alice, call_id="c-1")
        self.carrier("c-1", answered_by="", billed=0)
        self.assertEqual(reconcile(now=T0 + 200 * H), 0)

    def test_the_finding_is_on_the_agents_local_day(self):
        # 21:30 UTC is 01:30 the next day in La Réunion.
        attempt = self.call(self.zoe, call_id="c-1", at=T0 + 12 * H + 30 * 60 * S)
        self.carrier("c-1", answered_by="", billed=0, at=attempt.started_at)
        reconcile(now=T0 + 20 * H)
        finding = Finding.objects.get(kind=Kind.NO_CARRIER_ANSWER)
        self.assertEqual(
            (finding.territory_id, finding.day.isoformat()), (self.t974.pk, "2026-01-16")
        )
