"""The carrier's signed webhook: signature, tolerance, replay, idempotency, bad payloads, and
what its events do to the desk's call (docs/telephony.md)."""

import json
import time
from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agents.models import Agent
from calls.models import Assignment, CallAttempt, CarrierCall, CarrierEvent
from calls.services.carrier import record_dial
from calls.services.outcomes import mark_connected, mark_dialled, record_outcome
from calls.telephony import sign
from tests.calls.test_desk import DeskTestCase

SECRET = "test-carrier-secret"
URL = reverse("api:carrier-events", args=["sim"])


def event(**values) -> dict:
    return {
        "event_id": "ev-1",
        "call_id": "sim-1",
        "type": "ringing",
        "occurred_at": timezone.now().isoformat(),
        **values,
    }


class WebhookTestCase(DeskTestCase):
    def post(self, body, *, secret=SECRET, timestamp=None, signature=None, carrier="sim"):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        timestamp = str(int(time.time())) if timestamp is None else timestamp
        if signature is None:
            signature = sign(secret=secret, timestamp=timestamp, body=raw)
        return self.client.post(
            reverse("api:carrier-events", args=[carrier]),
            data=raw,
            content_type="application/json",
            headers={"X-Carrier-Timestamp": timestamp, "X-Carrier-Signature": signature},
        )

    def dialled(self, call_id="sim-1") -> Assignment:
        assignment = self.claim()
        agent = self.alice.agent
        now = timezone.now() - timedelta(minutes=1)  # Dialled a minute ago.
        mark_dialled(assignment=assignment, agent=agent, phone="+33612345678", now=now)
        record_dial(assignment=assignment, agent=agent, carrier="sim", call_id=call_id, now=now)
        return assignment


class SignatureTests(WebhookTestCase):
    def test_a_signed_event_is_recorded(self):
        response = self.post(event())
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"event_id": "ev-1", "duplicate": False})
        call = CarrierCall.objects.get(carrier="sim", carrier_call_id="sim-1")
        self.assertEqual(call.state, CarrierCall.State.RINGING)
        self.assertIsNotNone(call.ringing_at)

    def test_a_bad_signature_is_refused_and_writes_nothing(self):
        for kwargs in (
            {"secret": "another-secret"},
            {"signature": "sha256=" + "0" * 64},
            {"signature": ""},
        ):
            with self.subTest(**kwargs):
                response = self.post(event(), **kwargs)
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response.json()["code"], "bad_signature")
        self.assertFalse(CarrierEvent.objects.exists())
        self.assertFalse(CarrierCall.objects.exists())

    def test_a_body_changed_after_signing_is_refused(self):
        raw = json.dumps(event()).encode()
        timestamp = str(int(time.time()))
        signature = sign(secret=SECRET, timestamp=timestamp, body=raw)
        tampered = raw.replace(b"ringing", b"answered")
        response = self.post(tampered, timestamp=timestamp, signature=signature)
        self.assertEqual(response.status_code, 401)
        self.assertFalse(CarrierEvent.objects.exists())

    def test_an_old_or_future_timestamp_is_refused_as_a_replay(self):
        for shift in (-301, 301):
            with self.subTest(shift=shift):
                response = self.post(event(), timestamp=str(int(time.time()) + shift))
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response.json()["code"], "stale_timestamp")
        with override_settings(CARRIER_WEBHOOK_TOLERANCE=1000):
            self.assertEqual(
                self.post(event(), timestamp=str(int(time.time()) - 600)).status_code, 200
            )

    def test_an_unknown_carrier_is_not_found(self):
        response = self.post(event(), carrier="acme")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(CarrierEvent.objects.exists())

    def test_it_needs_no_session_nor_csrf_token(self):
        self.client.force_login(self.alice)  # A session changes nothing either way.
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        raw = json.dumps(event()).encode()
        timestamp = str(int(time.time()))
        response = client.post(
            URL,
            data=raw,
            content_type="application/json",
            headers={
                "X-Carrier-Timestamp": timestamp,
                "X-Carrier-Signature": sign(secret=SECRET, timestamp=timestamp, body=raw),
            },
        )
        self.assertEqual(response.status_code, 200)


class IdempotencyTests(WebhookTestCase):
    def test_the_same_event_id_twice_is_acknowledged_without_a_second_write(self):
        answered = event(type="answered", answered_by="person", event_id="ev-9")
        self.assertEqual(self.post(answered).json()["duplicate"], False)
        call = CarrierCall.objects.get()
        first_update = call.updated_at
        # The same id, even with other content (a replay), changes nothing.
        again = {**answered, "answered_by": "machine"}
        response = self.post(again)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"event_id": "ev-9", "duplicate": True})
        self.assertEqual(CarrierEvent.objects.count(), 1)
        call.refresh_from_db()
        self.assertEqual(call.answered_by, "person")
        self.assertEqual(call.updated_at, first_update)

    def test_the_same_event_id_from_another_carrier_is_another_event(self):
        with override_settings(CARRIER_SECRETS={"sim": SECRET, "acme": "acme-secret"}):
            self.post(event())
            response = self.post(event(), carrier="acme", secret="acme-secret")
        self.assertEqual(response.json()["duplicate"], False)
        self.assertEqual(CarrierEvent.objects.count(), 2)

    def test_events_out_of_order_never_move_the_call_back(self):
        self.post(event(type="answered", answered_by="person", event_id="a"))
        self.post(event(type="ringing", event_id="r"))
        self.assertEqual(CarrierCall.objects.get().state, CarrierCall.State.ANSWERED)


class BadPayloadTests(WebhookTestCase):
    def test_bad_fields_are_named_and_nothing_is_written(self):
        response = self.post(
            {
                "event_id": "",
                "type": "exploded",
                "occurred_at": "yesterday",
                "billed_seconds": -4,
            }
        )
        self.assertEqual(response.status_code, 400)
        errors = response.json()["errors"]
        for name in ("event_id", "call_id", "type", "occurred_at", "billed_seconds"):
            self.assertIn(name, errors)
        self.assertFalse(CarrierEvent.objects.exists())
        self.assertFalse(CarrierCall.objects.exists())

    def test_an_answer_says_who_answered(self):
        response = self.post(event(type="answered"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("answered_by", response.json()["errors"])
        self.assertFalse(CarrierCall.objects.exists())

    def test_a_body_larger_than_one_event_is_refused(self):
        response = self.post(event(padding="x" * 20_000))
        self.assertEqual(response.status_code, 413)
        self.assertFalse(CarrierEvent.objects.exists())

    def test_a_body_that_is_not_a_json_object_is_refused(self):
        for raw in (b"not json", b"[1, 2]"):
            with self.subTest(raw=raw):
                response = self.post(raw)
                self.assertEqual(response.status_code, 400)
        self.assertFalse(CarrierEvent.objects.exists())


class EventApplicationTests(WebhookTestCase):
    def test_an_answer_by_a_person_stamps_the_connected_time_from_the_carrier(self):
        assignment = self.dialled()
        answered_at = timezone.now() - timedelta(seconds=5)
        self.post(event(type="answered", answered_by="person", occurred_at=answered_at.isoformat()))
        assignment.refresh_from_db()
        self.assertEqual(assignment.connected_at, answered_at)
        self.assertEqual(assignment.connected_source, Assignment.ConnectedSource.CARRIER)
        self.assertIsNone(assignment.closed_at)  # The agent is on the call.

        recorded = record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome=CallAttempt.Outcome.NO_ANSWER,
            now=timezone.now(),
        )
        attempt = recorded.attempt
        self.assertEqual(attempt.carrier_call_id, "sim-1")
        self.assertEqual(attempt.connected_at, answered_at)
        self.assertFalse(attempt.connected_unproven)

    def test_a_skewed_carrier_clock_never_makes_a_negative_talk_time(self):
        assignment = self.dialled()
        ahead = timezone.now() + timedelta(minutes=3)
        self.post(event(type="answered", answered_by="person", occurred_at=ahead.isoformat()))
        assignment.refresh_from_db()
        self.assertLessEqual(assignment.connected_at, timezone.now())
        self.assertGreaterEqual(assignment.connected_at, assignment.dialled_at)
        # The carrier's own record keeps its clock, as it said.
        self.assertEqual(CarrierCall.objects.get().answered_at, ahead)

    def test_the_carrier_answer_replaces_the_agents_click(self):
        assignment = self.dialled()
        mark_connected(assignment=assignment, agent=self.alice.agent, now=timezone.now())
        assignment.refresh_from_db()
        self.assertEqual(assignment.connected_source, Assignment.ConnectedSource.AGENT)
        answered_at = timezone.now() - timedelta(seconds=20)
        self.post(event(type="answered", answered_by="person", occurred_at=answered_at.isoformat()))
        assignment.refresh_from_db()
        self.assertEqual(assignment.connected_at, answered_at)
        self.assertEqual(assignment.connected_source, Assignment.ConnectedSource.CARRIER)

    def test_an_outcome_connected_by_the_agents_click_is_unproven(self):
        assignment = self.claim()
        mark_connected(assignment=assignment, agent=self.alice.agent, now=timezone.now())
        attempt = record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome=CallAttempt.Outcome.REACHED,
            now=timezone.now(),
        ).attempt
        self.assertTrue(attempt.connected_unproven)
        self.assertEqual(attempt.carrier_call_id, "")

    def test_an_answering_machine_records_voicemail_and_frees_the_agent(self):
        assignment = self.dialled()
        response = self.post(event(type="answered", answered_by="machine"))
        self.assertEqual(response.status_code, 200)
        assignment.refresh_from_db()
        self.assertIsNotNone(assignment.closed_at)
        self.assertEqual(assignment.end_reason, Assignment.EndReason.MACHINE)
        self.assertIsNone(assignment.connected_at)
        attempt = CallAttempt.objects.get(assignment=assignment)
        self.assertEqual(attempt.outcome, CallAttempt.Outcome.VOICEMAIL)
        self.assertEqual(attempt.carrier_call_id, "sim-1")
        self.assertTrue(attempt.accepted)
        task = assignment.task
        task.refresh_from_db()
        self.assertEqual(task.status, "queued")  # Tried again by the voicemail retry rule.
        self.assertIsNone(task.lease_holder_id)
        agent = Agent.objects.get(pk=self.alice.agent.pk)
        self.assertNotEqual(agent.status, Agent.Status.ON_CALL)

        # The desk learns it from its poll, with words, and may take the next call.
        self.client.force_login(self.alice)
        state = self.client.post(
            reverse("calls:heartbeat"),
            {"assignment": assignment.pk},
            headers={"Accept": "application/json"},
        ).json()
        self.assertIsNone(state["assignment"])
        self.assertEqual(state["ended"]["reason"], "machine")
        self.assertIn("answering machine", state["ended"]["notice"])

    def test_the_poll_shows_the_carrier_state_of_the_call_held(self):
        assignment = self.dialled()
        self.client.force_login(self.alice)

        def poll():
            return self.client.post(
                reverse("calls:heartbeat"),
                {"assignment": assignment.pk},
                headers={"Accept": "application/json"},
            ).json()["carrier"]

        self.assertEqual(poll()["state"], "initiated")
        self.post(event(type="ringing", event_id="r"))
        self.assertEqual(poll()["state"], "ringing")
        self.post(event(type="answered", answered_by="person", event_id="a"))
        carrier = poll()
        self.assertEqual(carrier["state"], "answered")
        self.assertEqual(carrier["answered_by"], "person")
        self.assertIn("carrier", carrier["label"])

    def test_completion_keeps_the_billed_seconds_and_final_status(self):
        self.dialled()
        self.post(event(type="answered", answered_by="person", event_id="a"))
        self.post(event(type="completed", status="answered", billed_seconds=184, event_id="c"))
        call = CarrierCall.objects.get()
        self.assertEqual(call.state, CarrierCall.State.COMPLETED)
        self.assertEqual(call.billed_seconds, 184)
        self.assertEqual(call.final_status, "answered")
        self.assertIsNotNone(call.assignment_id)

    def test_events_before_the_dials_answer_are_linked_by_the_reference(self):
        assignment = self.claim()
        mark_dialled(
            assignment=assignment,
            agent=self.alice.agent,
            phone="+33612345678",
            now=timezone.now(),
        )
        self.post(event(type="answered", answered_by="person", reference=str(assignment.pk)))
        assignment.refresh_from_db()
        self.assertEqual(assignment.connected_source, Assignment.ConnectedSource.CARRIER)
        record_dial(
            assignment=assignment,
            agent=self.alice.agent,
            carrier="sim",
            call_id="sim-1",
            now=timezone.now(),
        )
        self.assertEqual(CarrierCall.objects.get().assignment_id, assignment.pk)

    def test_an_event_after_the_outcome_changes_no_attempt(self):
        assignment = self.dialled()
        attempt = record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome=CallAttempt.Outcome.NO_ANSWER,
            now=timezone.now(),
        ).attempt
        self.post(event(type="answered", answered_by="machine"))
        attempt.refresh_from_db()
        self.assertEqual(attempt.outcome, CallAttempt.Outcome.NO_ANSWER)
        self.assertEqual(CallAttempt.objects.filter(assignment=assignment).count(), 1)
        # The evidence is kept for the reconciliation.
        self.assertEqual(CarrierCall.objects.get().answered_by, "machine")


class RecordingCarrier:
    """A carrier backend that records its dial requests (the boundary, mocked)."""

    carrier = "sim"
    requests: list[dict] = []

    def dial(self, *, agent, number, assignment_id, voicemail=None) -> str:
        RecordingCarrier.requests.append({"number": number, "voicemail": voicemail})
        return f"sim-rec-{assignment_id}"


@override_settings(TELEPHONY_BACKEND="tests.calls.test_carrier_webhook.RecordingCarrier")
class DeskDialTests(WebhookTestCase):
    def setUp(self):
        super().setUp()
        RecordingCarrier.requests = []

    def test_the_desk_keeps_the_carriers_call_id_and_sends_the_voicemail_drop(self):
        from calls.models import VoicemailDrop

        VoicemailDrop.objects.create(
            territory=self.t75, reason="index_interview", message_id="msg-75"
        )
        VoicemailDrop.objects.create(
            territory=self.t93, reason="index_interview", message_id="old", active=False
        )
        VoicemailDrop.objects.create(
            territory=self.t93, reason="index_interview", message_id="msg-93"
        )
        assignment = self.claim()
        self.client.force_login(self.alice)
        self.client.post(reverse("calls:dial", args=[assignment.pk]), {"number": "+33612345678"})
        self.assertEqual(
            RecordingCarrier.requests,
            [{"number": "+33612345678", "voicemail": {"message_id": "msg-93", "audio_url": ""}}],
        )
        assignment.refresh_from_db()
        self.assertEqual(
            (assignment.carrier, assignment.carrier_call_id), ("sim", f"sim-rec-{assignment.pk}")
        )
        call = CarrierCall.objects.get(carrier_call_id=f"sim-rec-{assignment.pk}")
        self.assertEqual(call.assignment_id, assignment.pk)
        self.assertEqual(call.state, CarrierCall.State.INITIATED)
        # The card says the manual « Answered » proves nothing once a carrier places the call.
        page = self.client.get(reverse("calls:desk")).content.decode()
        self.assertIn('data-testid="connected-manual-note"', page)
        self.assertIn('data-carrier-state="initiated"', page)

    def test_no_drop_without_an_active_one_for_the_territory_and_reason(self):
        from calls.models import VoicemailDrop

        VoicemailDrop.objects.create(
            territory=self.t93, reason="contact_notification", audio_url="https://x.test/a.mp3"
        )
        assignment = self.claim()
        self.client.force_login(self.alice)
        self.client.post(reverse("calls:dial", args=[assignment.pk]), {"number": "+33612345678"})
        self.assertEqual(RecordingCarrier.requests[0]["voicemail"], None)

    def test_carrier_records_are_scoped_by_territory(self):
        from calls.models import VoicemailDrop

        drop = VoicemailDrop.objects.create(
            territory=self.t75, reason="index_interview", message_id="m"
        )
        self.dialled()
        self.assertFalse(VoicemailDrop.objects.for_user(self.carol).filter(pk=drop.pk).exists())
        self.assertTrue(VoicemailDrop.objects.for_user(self.dave).filter(pk=drop.pk).exists())
        self.assertEqual(CarrierCall.objects.for_user(self.carol).count(), 1)
        self.assertEqual(CarrierCall.objects.for_user(self.dave).count(), 0)


class EvidenceSelectorTests(WebhookTestCase):
    def test_each_attempt_gets_its_carriers_record(self):
        from calls.selectors import carrier_evidence

        assignment = self.dialled()
        self.post(event(type="answered", answered_by="person"))
        proven = record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome=CallAttempt.Outcome.REACHED,
            now=timezone.now(),
        ).attempt
        self.register_case(self.t93, name="Durand", phone="0698765432")
        unproven = record_outcome(
            assignment=self.claim(),
            agent=self.alice.agent,
            outcome=CallAttempt.Outcome.REACHED,
            now=timezone.now(),
        ).attempt
        with self.assertNumQueries(1):
            evidence = carrier_evidence(attempts=[proven, unproven])
        self.assertEqual(list(evidence), [proven.pk])
        self.assertEqual(evidence[proven.pk].answered_by, "person")


class CarrierSettingsTests(WebhookTestCase):
    def test_the_settings_refuse_a_carrier_without_its_url_or_secret(self):
        from tests.test_settings_env import run_manage

        production = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "t.example.org"}
        result = run_manage(
            "check", TELEPHONY_BACKEND="calls.telephony.CarrierBackend", **production
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("needs CARRIER_URL and a secret", result.stderr)
        result = run_manage("check", CARRIER_SECRETS='["not", "an object"]', **production)
        self.assertIn("CARRIER_SECRETS must be a JSON object", result.stderr)
        result = run_manage(
            "check",
            TELEPHONY_BACKEND="calls.telephony.CarrierBackend",
            CARRIER_URL="https://carrier.example.org",
            CARRIER_SECRETS='{"sim": "s3cret"}',
            **production,
        )
        self.assertEqual(result.returncode, 0, result.stderr)


class RedialTests(WebhookTestCase):
    def test_a_late_event_of_an_earlier_dial_does_not_touch_the_new_one(self):
        assignment = self.dialled(call_id="sim-old")
        # The agent dials again (another number): until the carrier answers, no id is kept.
        mark_dialled(
            assignment=assignment,
            agent=self.alice.agent,
            phone="+33148000000",
            now=timezone.now(),
        )
        self.post(event(call_id="sim-old", type="answered", answered_by="machine"))
        assignment.refresh_from_db()
        self.assertIsNone(assignment.closed_at)
        self.assertIsNone(assignment.connected_at)
        self.assertFalse(CallAttempt.objects.filter(assignment=assignment).exists())


class CarrierCallsBetweenTests(WebhookTestCase):
    def test_it_lists_the_days_calls_matched_or_not(self):
        from calls.selectors import carrier_calls_between

        assignment = self.dialled(call_id="sim-desk")
        self.post(event(call_id="sim-outside", type="initiated", event_id="o"))
        now = timezone.now()
        calls = list(
            carrier_calls_between(start=now - timedelta(hours=1), end=now + timedelta(minutes=1))
        )
        self.assertEqual(
            {(c.carrier_call_id, c.assignment_id) for c in calls},
            {("sim-desk", assignment.pk), ("sim-outside", None)},
        )
        self.assertEqual(
            list(
                carrier_calls_between(
                    start=now + timedelta(minutes=1), end=now + timedelta(hours=1)
                )
            ),
            [],
        )
