"""API v1: an agent's status and the next call (POST agents/me/status/, POST queue/next/)."""

from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agents.models import Agent, AgentStatusPeriod, Territory
from calls.models import Assignment, CallTask
from cases.models import PersonAccess
from tests.api.base import ApiTestCase
from tests.calls.test_dispatch import QueueTestCase

QUEUE_PATHS = {
    "/api/v1/agents/me/status/": ("AgentStatusInput", "200", "AgentStatus"),
    "/api/v1/queue/next/": (None, "200", "QueueNext"),
    "/api/v1/assignments/{assignment_id}/outcome/": ("OutcomeInput", "200", "OutcomeResult"),
    "/api/v1/assignments/{assignment_id}/renew/": (None, "200", "Lease"),
}


class CallApiTestCase(ApiTestCase, QueueTestCase):
    """The API reads the wall clock: calling hours are opened all day, agents go ready just
    before."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Territory.objects.update(
            calling_hours_start=time(0, 0), calling_hours_end=time(23, 59, 59, 999999)
        )

    def go_ready(self, *users) -> None:
        self.ready(*users, at=timezone.now() - timedelta(hours=1))

    def post_to(self, url_name: str, data=None, *, user=None, **kwargs):
        if user is not None:
            self.as_token(user)
        return self.api.post(reverse(url_name, kwargs=kwargs), data, format="json")


class ClaimNextTests(CallApiTestCase):
    url_name = "api:claim-next"

    def test_it_leases_the_most_urgent_call(self):
        self.make_task(deadline_at=timezone.now() + timedelta(hours=20))
        task = self.make_task(
            language="tr",
            deadline_at=timezone.now() + timedelta(hours=2),
            phones=("+33611111111", "+33622222222"),
        )
        self.go_ready(self.alice)
        before = timezone.now()
        response = self.post(None, user=self.alice)
        self.assertEqual(response.status_code, 200)
        assignment = Assignment.objects.get()
        body = response.json()
        lease_expires_at = parse_datetime(body["assignment"].pop("lease_expires_at"))
        deadline_at = parse_datetime(body["assignment"]["task"].pop("deadline_at"))
        self.assertEqual(
            body,
            {
                "assignment": {
                    "id": assignment.pk,
                    "task": {
                        "id": task.pk,
                        "reason": "follow_up",
                        "language": "tr",
                        "person": {
                            "first_name": "Ana",
                            "last_name": task.person.last_name,
                            "phone": "+33611111111",
                        },
                    },
                }
            },
        )
        self.assertEqual(
            (lease_expires_at, deadline_at), (assignment.lease_expires_at, task.deadline_at)
        )
        self.assertGreaterEqual(assignment.claimed_at, before)
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.lease_holder), (CallTask.Status.ASSIGNED, self.alice.agent)
        )
        # The answer names the person to call: the read is logged.
        access = PersonAccess.objects.get()
        self.assertEqual(
            (access.person, access.user, access.what), (task.person, self.alice, "queue-next")
        )

    def test_it_answers_the_same_call_while_the_lease_holds(self):
        self.make_task()
        self.make_task()
        self.go_ready(self.alice)
        first = self.post(None, user=self.alice).json()
        second = self.post(None).json()
        self.assertEqual(first, second)
        self.assertEqual(Assignment.objects.count(), 1)

    def test_it_answers_204_when_nothing_is_eligible(self):
        self.make_task(language="snk")
        self.make_task(territory=self.t75)
        self.go_ready(self.alice)
        response = self.post(None, user=self.alice)
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.content, b"")
        self.assertFalse(Assignment.objects.exists())

    def test_it_answers_409_to_an_agent_who_is_not_ready(self):
        self.make_task()
        response = self.post(None, user=self.alice)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "agent_not_ready")
        self.assertFalse(Assignment.objects.exists())

    def test_it_works_with_a_session_too(self):
        self.go_ready(self.zoe)
        self.make_task(territory=self.t974)
        self.assertEqual(self.post(None, user=self.zoe, session=True).status_code, 200)

    def test_it_asks_anonymous_callers_to_authenticate(self):
        self.make_task()
        for url in (
            reverse("api:claim-next"),
            reverse("api:set-my-status"),
            reverse("api:record-outcome", kwargs={"assignment_id": 1}),
            reverse("api:renew-lease", kwargs={"assignment_id": 1}),
        ):
            with self.subTest(url=url):
                self.assertEqual(
                    self.api.post(
                        url, {"status": "ready", "outcome": "reached"}, format="json"
                    ).status_code,
                    401,
                )
        self.assertFalse(Assignment.objects.exists())

    def test_it_refuses_other_roles_and_users_without_an_agent_profile(self):
        self.make_task()
        for user in (self.bob, self.carol, self.erin, self.labfeed, self.root):
            with self.subTest(user=user.username):
                self.assertEqual(self.post(None, user=user).status_code, 403)
                self.assertEqual(
                    self.post_to("api:set-my-status", {"status": "ready"}).status_code, 403
                )
        self.assertFalse(Assignment.objects.exists())

    def test_it_answers_405_to_other_methods(self):
        self.as_token(self.alice)
        for url in (reverse("api:claim-next"), reverse("api:set-my-status")):
            with self.subTest(url=url):
                self.assertEqual(self.api.get(url).status_code, 405)
                self.assertEqual(self.api.put(url, {}, format="json").status_code, 405)


class SetMyStatusTests(CallApiTestCase):
    url_name = "api:set-my-status"

    def test_it_sets_the_agent_ready_then_lets_them_claim(self):
        self.make_task()
        before = timezone.now()
        response = self.post({"status": "ready"}, user=self.alice)
        self.assertEqual(response.status_code, 200)
        agent = Agent.objects.get(user=self.alice)
        self.assertEqual(
            response.json(), {"status": "ready", "status_since": response.json()["status_since"]}
        )
        self.assertEqual(parse_datetime(response.json()["status_since"]), agent.status_since)
        self.assertGreaterEqual(agent.status_since, before)
        self.assertEqual(self.post_to("api:claim-next").status_code, 200)

    def test_it_pauses_with_a_reason_and_goes_offline(self):
        self.assertEqual(
            self.post(
                {"status": "paused", "pause_reason": "dejeuner"}, user=self.alice
            ).status_code,
            200,
        )
        agent = Agent.objects.get(user=self.alice)
        self.assertEqual((agent.status, agent.pause_reason.code), ("paused", "dejeuner"))
        self.assertEqual(self.post({"status": "offline"}).json()["status"], "offline")
        periods = AgentStatusPeriod.objects.filter(agent=agent).order_by("started_at")
        self.assertEqual(
            [(p.status, p.ended_at is None) for p in periods],
            [("paused", False), ("offline", True)],
        )

    def test_it_refuses_bad_input_with_field_errors(self):
        cases = [
            ({"status": "paused"}, "pause_reason"),
            ({"status": "ready", "pause_reason": "dejeuner"}, "pause_reason"),
            ({"status": "paused", "pause_reason": "sieste"}, "pause_reason"),
            # On call and wrap-up follow from claims and outcomes; nobody sets them.
            ({"status": "on_call"}, "status"),
            ({}, "status"),
        ]
        self.as_token(self.alice)
        for data, field in cases:
            with self.subTest(data=data):
                response = self.post(data)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(list(response.json()), [field])
        self.assertFalse(AgentStatusPeriod.objects.exists())


class CallLoopSchemaTests(CallApiTestCase):
    def test_it_lists_the_call_loop_in_the_schema(self):
        schema = self.client.get("/api/schema/", {"format": "json"}).json()
        for path, (request_name, success, response_name) in QUEUE_PATHS.items():
            with self.subTest(path=path):
                operation = schema["paths"][path]["post"]
                self.assertEqual(list(schema["paths"][path]), ["post"])
                if request_name is None:
                    self.assertNotIn("requestBody", operation)
                else:
                    request_schema = operation["requestBody"]["content"]["application/json"][
                        "schema"
                    ]
                    self.assertEqual(
                        request_schema, {"$ref": f"#/components/schemas/{request_name}"}
                    )
                response_schema = operation["responses"][success]["content"]["application/json"][
                    "schema"
                ]
                self.assertEqual(response_schema, {"$ref": f"#/components/schemas/{response_name}"})
                self.assertIn("401", operation["responses"])
                self.assertIn("403", operation["responses"])
        responses = schema["paths"]["/api/v1/queue/next/"]["post"]["responses"]
        self.assertIn("204", responses)
        self.assertIn("409", responses)
        for path in (
            "/api/v1/assignments/{assignment_id}/outcome/",
            "/api/v1/assignments/{assignment_id}/renew/",
        ):
            self.assertLessEqual({"404", "409"}, set(schema["paths"][path]["post"]["responses"]))
        components = schema["components"]["schemas"]
        self.assertEqual(
            set(components["PersonToCall"]["properties"]), {"first_name", "last_name", "phone"}
        )
        self.assertEqual(
            set(components["OutcomeInput"]["properties"]),
            {
                "outcome",
                "callback_at",
                "callback_for_all",
                "notification_given",
                "notes",
                "language",
            },
        )
