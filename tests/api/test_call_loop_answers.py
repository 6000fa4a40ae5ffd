"""The call loop's answers are built as plain dicts (calls.serializers.queue_next_answer and
outcome_answer): they give the JSON of the serializers that document them."""

import json
from datetime import timedelta

from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from calls.models import CallAttempt, CallTask
from calls.serializers import OutcomeResultSerializer, QueueNextSerializer
from tests.api.test_outcome import OutcomeApiTestCase


def as_json(data) -> dict:
    return json.loads(JSONRenderer().render(data))


class CallLoopAnswerTests(OutcomeApiTestCase):
    def assert_outcome_answer_is_the_serializers(self, response) -> dict:
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        attempt = CallAttempt.objects.get(pk=body["attempt"]["id"])
        task = CallTask.objects.get(pk=body["task"]["id"])
        self.assertEqual(
            body, as_json(OutcomeResultSerializer({"attempt": attempt, "task": task}).data)
        )
        return body

    def test_the_claim_answers_what_its_serializer_gives(self):
        response = self.post_to("api:claim-next", user=self.alice)
        self.assertEqual(response.status_code, 200)
        assignment = self.claim(self.alice)  # asked again while the lease holds: the same one
        self.assertEqual(response.json(), as_json(QueueNextSerializer(assignment).data))
        self.assertEqual(response.json()["assignment"]["id"], assignment.pk)
        self.assertTrue(response.json()["assignment"]["task"]["person"]["phone"].startswith("+33"))

    def test_each_outcome_answers_what_its_serializer_gives(self):
        # A retry time (no answer), none (reached: connected and ended), a callback's.
        body = self.assert_outcome_answer_is_the_serializers(
            self.outcome(self.claim(self.alice), {"outcome": "no_answer"})
        )
        self.assertIsNotNone(body["task"]["not_before"])
        self.assertIsNone(body["attempt"]["connected_at"])
        self.make_task(deadline_at=timezone.now() + timedelta(hours=24))
        assignment = self.claim(self.anna)
        callback_at = (timezone.now() + timedelta(hours=2)).isoformat()
        body = self.assert_outcome_answer_is_the_serializers(
            self.outcome(
                assignment, {"outcome": "callback", "callback_at": callback_at}, user=self.anna
            )
        )
        self.assertEqual(body["attempt"]["outcome"], "callback")
        task = self.make_task(deadline_at=timezone.now() + timedelta(hours=12))
        CallTask.objects.exclude(pk=task.pk).update(status=CallTask.Status.DONE)
        body = self.assert_outcome_answer_is_the_serializers(
            self.outcome(self.claim(self.alice), {"outcome": "reached"})
        )
        self.assertEqual(body["task"]["status"], "done")
