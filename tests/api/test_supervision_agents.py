"""API v1: GET supervision/agents/ (DESIGN.md §7), from the plateau board's snapshot."""

from datetime import time, timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agents.models import Agent, PauseReason, Territory
from agents.services.staff import set_agent_status
from calls.models import CallAttempt
from calls.services.dispatch import claim_next_task
from calls.services.outcomes import mark_connected, mark_dialled, record_outcome
from supervision.services.board import refresh_boards
from tests.api.base import ApiTestCase
from tests.calls.test_dispatch import QueueTestCase

Status = Agent.Status
FIELDS = {"username", "status", "status_since", "calls_today", "reached_today", "last_call_at"}


class SupervisionAgentsApiTests(ApiTestCase, QueueTestCase):
    url_name = "api:supervision-agents"

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # The API reads the wall clock: calling hours are opened all day.
        Territory.objects.update(
            calling_hours_start=time(0, 0), calling_hours_end=time(23, 59, 59, 999999)
        )

    def setUp(self):
        super().setUp()
        cache.clear()
        now = timezone.now()
        self.start = now - timedelta(minutes=10)
        self.ended = now - timedelta(minutes=2)
        self.make_task()
        self.ready(self.alice, self.zoe, at=self.start)
        agent = self.alice.agent
        assignment = claim_next_task(agent=agent, now=self.start + timedelta(minutes=1))
        mark_dialled(
            assignment=assignment,
            agent=agent,
            phone=assignment.phone,
            now=self.start + timedelta(minutes=1),
        )
        mark_connected(assignment=assignment, agent=agent, now=self.start + timedelta(minutes=2))
        record_outcome(
            assignment=assignment, agent=agent, outcome=CallAttempt.Outcome.REACHED, now=self.ended
        )
        self.ready(self.anna, at=self.start)

    def get(self, user=None, **params):
        if user is not None:
            self.as_token(user)
        return self.api.get(self.url, params)

    def test_it_answers_401_to_anonymous_callers(self):
        self.assertEqual(self.get().status_code, 401)

    def test_it_answers_403_to_a_teleconseiller_and_a_lab_feed(self):
        for user in (self.alice, self.labfeed):
            with self.subTest(user=user.username):
                self.assertEqual(self.get(user).status_code, 403)

    def test_it_refuses_other_methods(self):
        self.assertEqual(self.as_token(self.bob).post(self.url, {}, format="json").status_code, 405)

    def test_it_lists_the_agents_of_the_supervisors_territory(self):
        response = self.get(self.bob)
        self.assertEqual(response.status_code, 200)
        agents = {a["username"]: a for a in response.json()}
        self.assertEqual(set(agents), {"alice", "anna"})
        alice = agents["alice"]
        self.assertEqual(set(alice), FIELDS)
        self.assertEqual(
            (alice["status"], alice["calls_today"], alice["reached_today"]), (Status.WRAP_UP, 1, 1)
        )
        self.assertEqual(parse_datetime(alice["status_since"]), self.ended)
        self.assertEqual(parse_datetime(alice["last_call_at"]), self.ended)
        anna = agents["anna"]
        self.assertEqual(
            (anna["status"], anna["calls_today"], anna["last_call_at"]), (Status.READY, 0, None)
        )
        self.assertEqual(parse_datetime(anna["status_since"]), self.start)

    def test_it_serves_the_same_snapshot_as_the_board(self):
        refresh_boards(now=timezone.now())
        self.set_paused(self.anna)
        # Until the next refresh, the board's snapshot: anna still ready.
        agents = {a["username"]: a["status"] for a in self.get(self.carol).json()}
        self.assertEqual(agents["anna"], Status.READY)
        cache.clear()
        agents = {a["username"]: a["status"] for a in self.get(self.carol).json()}
        self.assertEqual(agents["anna"], Status.PAUSED)

    @staticmethod
    def set_paused(user):
        set_agent_status(
            agent=user.agent,
            status=Status.PAUSED,
            now=timezone.now(),
            pause_reason=PauseReason.objects.get(code="pause"),
        )

    def test_it_never_lists_another_territorys_agents(self):
        self.ready(self.erin, at=self.start)
        for user in (self.erin, self.dave):
            with self.subTest(user=user.username):
                response = self.get(user)
                self.assertEqual([a["username"] for a in response.json()], ["erin"])
                # A territory in the query is ignored but for superusers.
                self.assertEqual(
                    [a["username"] for a in self.get(user, territory="93").json()], ["erin"]
                )

    def test_a_superuser_sees_every_territory_or_one(self):
        self.assertEqual(
            {a["username"] for a in self.get(self.root).json()}, {"alice", "anna", "zoe"}
        )
        self.assertEqual(
            [a["username"] for a in self.get(self.root, territory="974").json()], ["zoe"]
        )

    def test_it_works_with_a_session_too(self):
        self.as_session(self.bob)
        self.assertEqual(self.api.get(self.url).status_code, 200)

    def test_its_query_count_does_not_grow_with_the_agents(self):
        refresh_boards(now=timezone.now())
        self.as_token(self.bob)
        # The token with its user and roles, the territory (id, then row); the rows come from the
        # cache.
        with self.assertNumQueries(3):
            self.api.get(self.url)
        self.ready(self.sidi, at=self.start)
        refresh_boards(now=timezone.now())
        with self.assertNumQueries(3):
            self.assertEqual(len(self.api.get(self.url).json()), 3)

    def test_it_is_described_in_the_schema(self):
        schema = self.client.get("/api/schema/", {"format": "json"}).json()
        operation = schema["paths"]["/api/v1/supervision/agents/"]["get"]
        response = operation["responses"]["200"]["content"]["application/json"]["schema"]
        self.assertEqual(
            response, {"type": "array", "items": {"$ref": "#/components/schemas/SupervisedAgent"}}
        )
        self.assertEqual(
            set(schema["components"]["schemas"]["SupervisedAgent"]["properties"]), FIELDS
        )
