"""API v1: the holder's outcome and lease (POST assignments/{id}/outcome/,
assignments/{id}/renew/)."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from calls.models import Assignment, CallAttempt, CallTask, RetryRule
from calls.services.dispatch import claim_next_task
from tests.api.test_queue import CallApiTestCase

LEASE = timedelta(minutes=settings.LEASE_MINUTES)


class OutcomeApiTestCase(CallApiTestCase):
    def setUp(self):
        super().setUp()
        # Due tomorrow: a callback may be booked before the deadline.
        self.task = self.make_task(deadline_at=timezone.now() + timedelta(hours=24))
        self.go_ready(self.alice, self.anna)

    def claim(self, user, at=None) -> Assignment:
        """Claim through the API, or through the service at a past moment (to let the lease
        expire)."""
        if at is not None:
            return claim_next_task(agent=user.agent, now=at)
        response = self.post_to("api:claim-next", user=user)
        self.assertEqual(response.status_code, 200)
        return Assignment.objects.get(pk=response.json()["assignment"]["id"])

    def outcome(self, assignment: Assignment, data: dict, *, user=None):
        return self.post_to("api:record-outcome", data, user=user, assignment_id=assignment.pk)

    def renew(self, assignment: Assignment, *, user=None):
        return self.post_to("api:renew-lease", user=user, assignment_id=assignment.pk)


class RecordOutcomeTests(OutcomeApiTestCase):
    def test_it_records_the_attempt_and_moves_the_task_on(self):
        assignment = self.claim(self.alice)
        delay = timedelta(minutes=RetryRule.objects.get(outcome="no_answer").delay_minutes)
        before = timezone.now()
        response = self.outcome(assignment, {"outcome": "no_answer", "notes": "Messagerie pleine"})
        after = timezone.now()
        self.assertEqual(response.status_code, 200)
        attempt = CallAttempt.objects.get()
        self.task.refresh_from_db()
        body = response.json()
        self.assertEqual(
            body,
            {
                "attempt": {
                    "id": attempt.pk,
                    "outcome": "no_answer",
                    "started_at": body["attempt"]["started_at"],
                    "connected_at": None,
                    "ended_at": body["attempt"]["ended_at"],
                },
                "task": {
                    "id": self.task.pk,
                    "status": "queued",
                    "attempts": 1,
                    "not_before": body["task"]["not_before"],
                },
            },
        )
        self.assertEqual(parse_datetime(body["attempt"]["started_at"]), assignment.claimed_at)
        self.assertEqual(parse_datetime(body["attempt"]["ended_at"]), attempt.ended_at)
        self.assertTrue(before <= attempt.ended_at <= after)
        self.assertEqual(parse_datetime(body["task"]["not_before"]), attempt.ended_at + delay)
        self.assertEqual(
            (attempt.accepted, attempt.notes, attempt.agent),
            (True, "Messagerie pleine", self.alice.agent),
        )
        self.assertEqual(
            (self.task.status, self.task.not_before),
            (CallTask.Status.QUEUED, attempt.ended_at + delay),
        )

    def test_it_closes_a_reached_call(self):
        assignment = self.claim(self.alice)
        body = self.outcome(assignment, {"outcome": "reached"}).json()
        self.assertEqual(
            body["task"], {"id": self.task.pk, "status": "done", "attempts": 1, "not_before": None}
        )
        # No one marked the answer: no talk time is made up from the dialling, the call says it.
        self.assertIsNone(body["attempt"]["connected_at"])
        self.assertTrue(CallAttempt.objects.get(pk=body["attempt"]["id"]).talk_not_marked)

    def test_it_books_a_callback_for_the_agent_or_for_all(self):
        for for_all, owner in ((False, self.alice.agent), (True, None)):
            with self.subTest(for_all=for_all):
                CallTask.objects.filter(pk=self.task.pk).update(not_before=None, reserved_for=None)
                assignment = self.claim(self.alice)
                callback_at = timezone.now() + timedelta(hours=3)
                data = {
                    "outcome": "callback",
                    "callback_at": callback_at.isoformat(),
                    "callback_for_all": for_all,
                }
                response = self.outcome(assignment, data)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(parse_datetime(response.json()["task"]["not_before"]), callback_at)
                self.task.refresh_from_db()
                self.assertEqual(
                    (self.task.reserved_for, self.task.not_before), (owner, callback_at)
                )

    def interview_to_make(self) -> CallTask:
        """Replace the follow-up of setUp with a patient zéro's interview (a follow-up comes
        after the notification by definition)."""
        self.task.delete()
        self.task = self.register_case(self.t93, name="Mercier").task
        return self.task

    def test_it_refuses_a_callback_after_the_deadline_without_the_notification(self):
        self.interview_to_make()
        assignment = self.claim(self.alice)
        after_deadline = (self.task.deadline_at + timedelta(hours=1)).isoformat()
        response = self.outcome(assignment, {"outcome": "callback", "callback_at": after_deadline})
        self.assertEqual(response.status_code, 400)
        self.assertIn("callback_at", response.json())
        self.assertFalse(CallAttempt.objects.exists())
        self.task.refresh_from_db()
        self.assertEqual(self.task.status, CallTask.Status.ASSIGNED)

    def test_a_callback_after_the_notification_is_a_follow_up_of_a_reached_person(self):
        self.interview_to_make()
        assignment = self.claim(self.alice)
        callback_at = self.task.deadline_at + timedelta(hours=30)
        data = {
            "outcome": "callback",
            "callback_at": callback_at.isoformat(),
            "notification_given": True,
        }
        response = self.outcome(assignment, data)
        self.assertEqual(response.status_code, 200, response.json())
        body = response.json()
        self.assertEqual((body["attempt"]["outcome"], body["task"]["status"]), ("reached", "done"))
        follow_up = CallTask.objects.get(person=self.task.person, reason=CallTask.Reason.FOLLOW_UP)
        self.assertEqual(
            (follow_up.status, follow_up.not_before, follow_up.reserved_for),
            (CallTask.Status.QUEUED, callback_at, self.alice.agent),
        )
        # The interview is still to do: it goes with the follow-up.
        self.assertEqual(follow_up.index_case, self.task.index_case)
        self.assertTrue(follow_up.needs_interview)

    def test_a_follow_up_may_be_called_back_after_its_deadline(self):
        assignment = self.claim(self.alice)
        callback_at = self.task.deadline_at + timedelta(hours=30)
        response = self.outcome(
            assignment, {"outcome": "callback", "callback_at": callback_at.isoformat()}
        )
        self.assertEqual(response.status_code, 200)
        self.task.refresh_from_db()
        self.assertEqual((self.task.status, self.task.callback_at), ("queued", callback_at))

    def test_it_refuses_the_notification_flag_without_a_callback(self):
        assignment = self.claim(self.alice)
        response = self.outcome(assignment, {"outcome": "no_answer", "notification_given": True})
        self.assertEqual(response.status_code, 400)
        self.assertIn("notification_given", response.json())
        self.assertFalse(CallAttempt.objects.exists())

    def test_it_requeues_a_language_barrier_in_the_language_given(self):
        assignment = self.claim(self.alice)
        response = self.outcome(assignment, {"outcome": "language_barrier", "language": "SNK"})
        self.assertEqual(response.status_code, 200)
        self.task.refresh_from_db()
        self.assertEqual((self.task.status, self.task.language_id), (CallTask.Status.QUEUED, "snk"))

    def test_it_escalates_a_language_barrier_without_a_language(self):
        assignment = self.claim(self.alice)
        response = self.outcome(assignment, {"outcome": "language_barrier"})
        self.assertEqual(response.json()["task"]["status"], "escalated")

    def test_it_refuses_bad_input_with_field_errors_and_writes_nothing(self):
        assignment = self.claim(self.alice)
        past = (timezone.now() - timedelta(minutes=5)).isoformat()
        future = (timezone.now() + timedelta(hours=1)).isoformat()
        far_ahead = (timezone.now() + timedelta(days=400)).isoformat()
        cases = [
            ({"outcome": "hung_up"}, "outcome"),
            ({}, "outcome"),
            ({"outcome": "callback"}, "callback_at"),
            ({"outcome": "callback", "callback_at": None}, "callback_at"),
            ({"outcome": "callback", "callback_at": past}, "callback_at"),
            ({"outcome": "callback", "callback_at": "tomorrow"}, "callback_at"),
            ({"outcome": "no_answer", "callback_at": future}, "callback_at"),
            ({"outcome": "language_barrier", "language": "xx"}, "language"),
            ({"outcome": "reached", "language": "tr"}, "language"),
            ({"outcome": "reached", "notes": "x" * 4001}, "notes"),
            ({"outcome": "reached", "notes": "a\x00b"}, "notes"),
            ({"outcome": "callback", "callback_at": "0001-01-01T10:00:00Z"}, "callback_at"),
            ({"outcome": "callback", "callback_at": "9999-12-31T10:00:00+01:00"}, "callback_at"),
            (
                {"outcome": "callback", "callback_at": far_ahead, "notification_given": True},
                "callback_at",
            ),
        ]
        for data, field in cases:
            with self.subTest(data=data):
                response = self.outcome(assignment, data)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(list(response.json()), [field])
        self.assertFalse(CallAttempt.objects.exists())
        assignment.refresh_from_db()
        self.assertIsNone(assignment.closed_at)
        self.task.refresh_from_db()
        self.assertEqual((self.task.status, self.task.attempts), (CallTask.Status.ASSIGNED, 0))


class LostLeaseTests(OutcomeApiTestCase):
    def test_it_refuses_an_outcome_on_an_expired_lease_and_records_it(self):
        assignment = self.claim(self.alice, at=timezone.now() - LEASE - timedelta(minutes=1))
        response = self.outcome(assignment, {"outcome": "reached"}, user=self.alice)
        self.assertEqual(response.status_code, 409)
        attempt = CallAttempt.objects.get()
        self.assertEqual(
            response.json(),
            {"detail": response.json()["detail"], "code": "lease_lost", "attempt_id": attempt.pk},
        )
        self.assertFalse(attempt.accepted)
        self.task.refresh_from_db()
        self.assertEqual(
            (self.task.status, self.task.lease_holder, self.task.attempts),
            (CallTask.Status.QUEUED, None, 0),
        )

    def test_it_refuses_an_outcome_posted_twice(self):
        assignment = self.claim(self.alice)
        self.assertEqual(self.outcome(assignment, {"outcome": "busy"}).status_code, 200)
        response = self.outcome(assignment, {"outcome": "reached"})
        self.assertEqual(response.status_code, 409)
        second = CallAttempt.objects.get(accepted=False)
        self.assertEqual(
            (response.json()["code"], response.json()["attempt_id"]), ("lease_lost", second.pk)
        )
        self.task.refresh_from_db()
        self.assertEqual((self.task.status, self.task.attempts), (CallTask.Status.QUEUED, 1))

    def test_it_renews_a_lease_the_agent_still_holds(self):
        claimed_at = timezone.now() - timedelta(minutes=5)
        assignment = self.claim(self.alice, at=claimed_at)
        response = self.renew(assignment, user=self.alice)
        self.assertEqual(response.status_code, 200)
        assignment.refresh_from_db()
        self.assertEqual(
            (response.json()["id"], parse_datetime(response.json()["lease_expires_at"])),
            (assignment.pk, assignment.lease_expires_at),
        )
        self.assertGreater(assignment.lease_expires_at, claimed_at + LEASE)
        self.task.refresh_from_db()
        self.assertEqual(self.task.lease_expires_at, assignment.lease_expires_at)

    def test_it_refuses_to_renew_a_lost_lease(self):
        expired = self.claim(self.alice, at=timezone.now() - LEASE - timedelta(minutes=1))
        response = self.renew(expired, user=self.alice)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "lease_lost")
        expired.refresh_from_db()
        self.assertLess(expired.lease_expires_at, timezone.now())


class AccessTests(OutcomeApiTestCase):
    def test_it_hides_another_agents_assignment(self):
        theirs = self.claim(self.anna)
        self.as_token(self.alice)
        for response in (
            self.outcome(theirs, {"outcome": "reached"}),
            self.outcome(theirs, {"outcome": "bogus"}),
            self.renew(theirs),
        ):
            self.assertEqual(response.status_code, 404)
            self.assertNotIn(self.task.person.last_name, response.content.decode())
        self.assertFalse(CallAttempt.objects.exists())
        theirs.refresh_from_db()
        self.assertIsNone(theirs.closed_at)

    def test_it_answers_404_to_an_unknown_assignment(self):
        response = self.post_to(
            "api:record-outcome", {"outcome": "reached"}, user=self.alice, assignment_id=987654
        )
        self.assertEqual(response.status_code, 404)

    def test_it_asks_anonymous_callers_to_authenticate(self):
        assignment = self.claim(self.alice)
        self.api.credentials()
        self.assertEqual(self.outcome(assignment, {"outcome": "reached"}).status_code, 401)
        self.assertEqual(self.renew(assignment).status_code, 401)
        self.assertFalse(CallAttempt.objects.exists())

    def test_it_refuses_other_roles(self):
        assignment = self.claim(self.alice)
        for user in (self.bob, self.carol, self.labfeed, self.root):
            with self.subTest(user=user.username):
                self.assertEqual(
                    self.outcome(assignment, {"outcome": "reached"}, user=user).status_code, 403
                )
                self.assertEqual(self.renew(assignment, user=user).status_code, 403)
        self.assertFalse(CallAttempt.objects.exists())

    def test_it_answers_405_to_other_methods(self):
        assignment = self.claim(self.alice)
        for name in ("api:record-outcome", "api:renew-lease"):
            url = reverse(name, kwargs={"assignment_id": assignment.pk})
            with self.subTest(url=url):
                self.assertEqual(self.api.get(url).status_code, 405)
                self.assertEqual(self.api.delete(url).status_code, 405)
