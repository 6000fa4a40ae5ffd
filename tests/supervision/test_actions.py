"""Supervisor actions: release a stuck lease, reassign an owned callback, put an agent in pause,
log them out; each logged, each scoped to the supervisor's territory."""

import importlib
from datetime import time, timedelta

from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Agent, PauseReason, Territory
from calls.models import Assignment, CallAttempt, CallTask
from calls.services.dispatch import claim_next_task
from calls.services.outcomes import record_outcome
from supervision.models import SupervisorAction
from tests.base import make_user
from tests.calls.test_dispatch import QueueTestCase

Status = Agent.Status
Kind = SupervisorAction.Kind
ACTION_LOG = reverse("supervision:action-log")


class ActionTestCase(QueueTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Calling hours around the clock: the actions run at the real time of the test run.
        Territory.objects.update(calling_hours_start=time(0, 0), calling_hours_end=time(23, 59, 59))
        for territory in (cls.t93, cls.t75, cls.t974):
            territory.refresh_from_db()
        cls.paul = make_user(
            "paul",
            roles.TELECONSEILLER,
            territory=cls.t75,
            languages=("fr",),
            plateau=cls.paris_plateau,
        )

    def setUp(self):
        # Each step of a test happens ten seconds after the previous one, all before now; the
        # leases taken are still running.
        self.clock = timezone.now() - timedelta(minutes=10)

    def tick(self):
        self.clock += timedelta(seconds=10)
        return self.clock

    def hold_a_call(self, user) -> Assignment:
        self.make_task(territory=user.agent.territory)
        self.ready(user, at=self.tick())
        assignment = claim_next_task(agent=user.agent, now=self.tick())
        self.assertIsNotNone(assignment)
        return assignment

    def owned_callback(self, user, *, language: str = "fr") -> CallTask:
        # Due tomorrow: a callback is booked before the deadline.
        task = self.make_task(
            territory=user.agent.territory,
            language=language,
            deadline_at=timezone.now() + timedelta(hours=24),
        )
        self.ready(user, at=self.tick())
        assignment = claim_next_task(agent=user.agent, now=self.tick())
        self.assertEqual(assignment.task_id, task.pk)
        record_outcome(
            assignment=assignment,
            agent=user.agent,
            outcome=CallAttempt.Outcome.CALLBACK,
            callback_at=timezone.now() + timedelta(hours=2),
            now=self.tick(),
        )
        task.refresh_from_db()
        self.assertEqual(task.reserved_for, user.agent)
        return task

    def assert_refusals(self, url: str, data: dict | None = None) -> None:
        """Anonymous → login, téléconseiller → 403, GET → 405, a supervisor of 75 → 404."""
        data = data or {}
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.client.force_login(self.anna)
        self.assertEqual(self.client.post(url, data).status_code, 403)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(url).status_code, 405)
        self.client.force_login(self.erin)
        self.assertEqual(self.client.post(url, data).status_code, 404)
        self.assertFalse(SupervisorAction.objects.exists())


class ReleaseLeaseTests(ActionTestCase):
    def test_it_gives_a_held_call_back_to_the_queue_and_logs_it(self):
        assignment = self.hold_a_call(self.alice)
        url = reverse("supervision:release-lease", args=[assignment.task_id])
        self.assert_refusals(url)
        self.client.force_login(self.bob)
        response = self.client.post(url, {"next": ACTION_LOG})
        self.assertRedirects(response, ACTION_LOG)
        assignment.refresh_from_db()
        task = CallTask.objects.get(pk=assignment.task_id)
        self.assertIsNotNone(assignment.closed_at)
        self.assertEqual((task.status, task.lease_holder), (CallTask.Status.QUEUED, None))
        self.alice.agent.refresh_from_db()
        self.assertEqual(self.alice.agent.status, Status.WRAP_UP)
        action = SupervisorAction.objects.get()
        self.assertEqual(
            (action.kind, action.actor, action.agent, action.task, action.territory),
            (Kind.RELEASE_LEASE, self.bob, self.alice.agent, task, self.t93),
        )

    def test_it_refuses_a_call_nobody_holds(self):
        task = self.make_task()
        self.client.force_login(self.carol)
        response = self.client.post(
            reverse("supervision:release-lease", args=[task.pk]), follow=True
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual([m.level_tag for m in response.context["messages"]], ["error"])
        self.assertFalse(SupervisorAction.objects.exists())

    def test_it_never_redirects_elsewhere(self):
        assignment = self.hold_a_call(self.alice)
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("supervision:release-lease", args=[assignment.task_id]),
            {"next": "https://evil.example/"},
        )
        self.assertRedirects(response, ACTION_LOG)


class ReassignCallbackTests(ActionTestCase):
    def test_it_gives_an_owned_callback_to_an_agent_who_speaks_its_language(self):
        task = self.owned_callback(self.alice, language="tr")
        url = reverse("supervision:reassign-callback", args=[task.pk])
        self.assert_refusals(url, {"agent": self.sidi.agent.pk})
        self.client.force_login(self.bob)
        # sidi speaks French and Soninké, not Turkish.
        response = self.client.post(url, {"agent": self.sidi.agent.pk}, follow=True)
        self.assertEqual([m.level_tag for m in response.context["messages"]], ["error"])
        task.refresh_from_db()
        self.assertEqual(task.reserved_for, self.alice.agent)
        # Nor may a callback go to another territory's agent: as unknown as a missing one.
        self.assertEqual(self.client.post(url, {"agent": self.zoe.agent.pk}).status_code, 404)
        self.assertFalse(SupervisorAction.objects.exists())
        # The page offers only those who may take it.
        candidates = dict(self.client.get(ACTION_LOG).context["callbacks"])[task]
        self.assertEqual(candidates, [])

    def test_it_reassigns_to_another_agent_or_to_all(self):
        task = self.owned_callback(self.alice)
        url = reverse("supervision:reassign-callback", args=[task.pk])
        self.client.force_login(self.carol)
        candidates = dict(self.client.get(ACTION_LOG).context["callbacks"])[task]
        self.assertEqual({a.user.username for a in candidates}, {"anna", "sidi"})
        self.assertRedirects(
            self.client.post(url, {"agent": self.anna.agent.pk, "next": ACTION_LOG}), ACTION_LOG
        )
        task.refresh_from_db()
        self.assertEqual(task.reserved_for, self.anna.agent)
        self.client.post(url, {"agent": "all"})
        task.refresh_from_db()
        self.assertIsNone(task.reserved_for)
        actions = list(
            SupervisorAction.objects.order_by("pk").values_list(
                "kind", "agent", "task", "previous_agent"
            )
        )
        self.assertEqual(
            actions,
            [
                (Kind.REASSIGN_CALLBACK, self.anna.agent.pk, task.pk, self.alice.agent.pk),
                (Kind.REASSIGN_CALLBACK, None, task.pk, self.anna.agent.pk),
            ],
        )
        # Open to all already: nothing more to reassign.
        response = self.client.post(url, {"agent": "all"}, follow=True)
        self.assertEqual([m.level_tag for m in response.context["messages"]][-1], "error")
        self.assertEqual(SupervisorAction.objects.count(), 2)


class PauseAgentTests(ActionTestCase):
    def test_it_puts_a_ready_agent_in_pause_and_logs_it(self):
        self.ready(self.alice, at=self.tick())
        url = reverse("supervision:pause-agent", args=[self.alice.agent.pk])
        self.assert_refusals(url, {"reason": "debrief"})
        self.client.force_login(self.bob)
        self.assertRedirects(
            self.client.post(url, {"reason": "debrief"}), reverse("supervision:plateau")
        )
        self.alice.agent.refresh_from_db()
        self.assertEqual(
            (self.alice.agent.status, self.alice.agent.pause_reason.code),
            (Status.PAUSED, "debrief"),
        )
        action = SupervisorAction.objects.get()
        self.assertEqual(
            (action.kind, action.agent, action.actor),
            (Kind.PAUSE_AGENT, self.alice.agent, self.bob),
        )

    def test_it_refuses_while_the_agent_is_on_a_call(self):
        self.hold_a_call(self.alice)
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("supervision:pause-agent", args=[self.alice.agent.pk]),
            {"reason": "pause"},
            follow=True,
        )
        self.assertEqual([m.level_tag for m in response.context["messages"]], ["error"])
        self.alice.agent.refresh_from_db()
        self.assertEqual(self.alice.agent.status, Status.ON_CALL)
        self.assertFalse(SupervisorAction.objects.exists())

    def test_it_refuses_an_offline_agent_or_an_unknown_reason(self):
        self.client.force_login(self.bob)
        url = reverse("supervision:pause-agent", args=[self.alice.agent.pk])
        for data in ({"reason": "pause"}, {"reason": "nap"}):
            with self.subTest(data=data):
                response = self.client.post(url, data, follow=True)
                self.assertEqual([m.level_tag for m in response.context["messages"]], ["error"])
        self.alice.agent.refresh_from_db()
        self.assertEqual(self.alice.agent.status, Status.OFFLINE)
        self.assertFalse(SupervisorAction.objects.exists())


class LogOutAgentTests(ActionTestCase):
    def test_it_sets_the_agent_offline_gives_back_their_call_and_ends_their_sessions(self):
        assignment = self.hold_a_call(self.alice)
        agent_browser = Client()
        agent_browser.force_login(self.alice)
        self.assertEqual(agent_browser.get(reverse("calls:desk")).status_code, 200)
        other_browser = Client()
        other_browser.force_login(self.anna)
        url = reverse("supervision:log-out-agent", args=[self.alice.agent.pk])
        self.assert_refusals(url)
        self.client.force_login(self.carol)
        self.assertRedirects(self.client.post(url), reverse("supervision:plateau"))
        self.alice.agent.refresh_from_db()
        self.assertEqual(self.alice.agent.status, Status.OFFLINE)
        assignment.refresh_from_db()
        self.assertIsNotNone(assignment.closed_at)
        self.assertEqual(CallTask.objects.get(pk=assignment.task_id).status, CallTask.Status.QUEUED)
        # alice's browser is logged out; anna's and the supervisor's are not.
        response = agent_browser.get(reverse("calls:desk"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.assertEqual(other_browser.get(reverse("calls:desk")).status_code, 200)
        self.assertEqual(self.client.get(ACTION_LOG).status_code, 200)
        action = SupervisorAction.objects.get()
        self.assertEqual(
            (action.kind, action.agent, action.actor),
            (Kind.LOG_OUT_AGENT, self.alice.agent, self.carol),
        )


class ActionLogPageTests(ActionTestCase):
    def test_it_refuses_anonymous_users_teleconseillers_and_other_methods(self):
        response = self.client.get(ACTION_LOG)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(ACTION_LOG).status_code, 403)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(ACTION_LOG).status_code, 405)

    def test_it_lists_the_calls_held_callbacks_and_actions_of_the_territory_only(self):
        held = self.hold_a_call(self.alice)
        callback = self.owned_callback(self.anna)
        self.hold_a_call(self.paul)
        self.client.force_login(self.bob)
        self.client.post(
            reverse("supervision:pause-agent", args=[self.sidi.agent.pk]), {"reason": "pause"}
        )
        self.ready(self.sidi, at=self.tick())
        self.client.post(
            reverse("supervision:pause-agent", args=[self.sidi.agent.pk]), {"reason": "pause"}
        )
        response = self.client.get(ACTION_LOG)
        self.assertEqual([a.pk for a in response.context["held"]], [held.pk])
        self.assertEqual([task for task, _candidates in response.context["callbacks"]], [callback])
        self.assertEqual([a.kind for a in response.context["actions"]], [Kind.PAUSE_AGENT])
        self.client.force_login(self.erin)
        response = self.client.get(ACTION_LOG)
        self.assertEqual([a.agent.user.username for a in response.context["held"]], ["paul"])
        self.assertEqual((response.context["callbacks"], response.context["actions"]), ([], []))
        self.assertNotContains(response, "Alice")

    def test_its_query_count_does_not_grow_with_the_lists(self):
        self.client.force_login(self.bob)
        held = self.hold_a_call(self.alice)
        self.owned_callback(self.anna)
        # Session, user, roles, territory; agents with languages (2), callbacks, calls held,
        # actions; the header's agent and territory.
        with self.assertNumQueries(11):
            self.client.get(ACTION_LOG)
        self.client.post(reverse("supervision:release-lease", args=[held.task_id]))
        self.hold_a_call(self.sidi)
        self.hold_a_call(self.anna)
        with self.assertNumQueries(11):
            response = self.client.get(ACTION_LOG)
        self.assertEqual((len(response.context["held"]), len(response.context["actions"])), (2, 1))


class ActionLogNamesTests(ActionTestCase):
    """The log reads names and labels: the agent, the pause's reason, the owner a callback was taken
    from and the call's person and reason, never a code or a bare id."""

    def test_it_shows_labels_and_names_not_codes(self):
        callback = self.owned_callback(self.alice)
        self.ready(self.sidi, at=self.tick())
        self.client.force_login(self.bob)
        self.client.post(
            reverse("supervision:pause-agent", args=[self.sidi.agent.pk]), {"reason": "debrief"}
        )
        self.client.post(
            reverse("supervision:reassign-callback", args=[callback.pk]),
            {"agent": self.anna.agent.pk},
        )
        response = self.client.get(ACTION_LOG)
        html = response.content.decode()
        debrief = PauseReason.objects.get(code="debrief")
        self.assertIn(f'data-testid="pause-reason">{debrief}</span>', html)
        self.assertIn(str(self.alice.agent), html)  # the owner the callback was taken from
        self.assertIn(callback.person.last_name.upper(), html)
        self.assertIn(str(callback.get_reason_display()), html)
        self.assertNotIn(f"#{callback.pk}<", html)
        self.assertNotIn(">debrief<", html)

    def test_the_migration_moves_the_codes_of_old_notes_into_rows(self):
        old = {"actor": self.bob, "territory": self.t93, "at": timezone.now()}
        paused = SupervisorAction.objects.create(
            kind=Kind.PAUSE_AGENT, agent=self.sidi.agent, note="debrief", **old
        )
        moved = SupervisorAction.objects.create(kind=Kind.REASSIGN_CALLBACK, note="alice", **old)
        free = SupervisorAction.objects.create(kind=Kind.PAUSE_AGENT, note="Formation", **old)
        migration = importlib.import_module("supervision.migrations.0006_action_notes_to_rows")
        migration.notes_to_rows(apps, None)
        for action in (paused, moved, free):
            action.refresh_from_db()
        self.assertEqual((paused.pause_reason.code, paused.note), ("debrief", ""))
        self.assertEqual((moved.previous_agent, moved.note), (self.alice.agent, ""))
        self.assertEqual((free.pause_reason, free.note), (None, "Formation"))
