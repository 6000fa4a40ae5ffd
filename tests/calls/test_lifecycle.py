"""The escalation lifecycle (docs/queue.md): assign, put back, call now, close. Each transition
is allowed to a superviseur or CPAM admin of the call's territory (put back and close also to the
agent it is reserved for), refused to others (403) and hidden from other territories (404), and
logged; a refused transition writes nothing."""

from datetime import time, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Agent
from agents.services.staff import set_agent_status
from calls.models import Assignment, CallTask, TaskEvent
from calls.services.dispatch import claim_next_task, move_callback
from calls.services.outcomes import record_outcome
from calls.services.presence import release_owned_callbacks
from calls.services.retention import purge_expired_personal_data
from calls.services.sweeps import release_callbacks
from tests.base import PersonasTestCase, make_user

Status, Band, Kind = CallTask.Status, CallTask.Band, TaskEvent.Kind
LATE_PERIOD = timedelta(hours=settings.LATE_CALLABLE_HOURS)


class LifecycleTestCase(PersonasTestCase):
    """An escalated patient zéro of 93, its deadline passed; anna (93, French) may take it, sam
    is a superviseur of 93 who also takes calls."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for territory in (cls.t93, cls.t75):
            territory.calling_hours_start, territory.calling_hours_end = time(0, 0), time(23, 59)
            territory.save()
        cls.anna = make_user("anna", roles.TELECONSEILLER, territory=cls.t93, languages=("fr",))
        cls.sam = make_user("sam", roles.SUPERVISEUR, territory=cls.t93, languages=("fr",))
        cls.sam.groups.add(Group.objects.get(name=roles.TELECONSEILLER))

    def setUp(self):
        self.now = timezone.now()
        self.task = self.register_case(self.t93, name="Mercier").task
        CallTask.objects.filter(pk=self.task.pk).update(
            status=Status.ESCALATED,
            escalation_reason=CallTask.Escalation.DEADLINE,
            escalated_at=self.now - timedelta(hours=1),
            deadline_at=self.now - timedelta(hours=50),
            queue_band=Band.LATE,
        )
        self.task.refresh_from_db()

    def post(self, user, name: str, data: dict | None = None, *, task: CallTask | None = None):
        if user is not None:
            self.client.force_login(user)
        url = reverse(name, args=[(task or self.task).pk])
        return self.client.post(url, {"next": reverse("supervision:escalations"), **(data or {})})

    def refreshed(self) -> CallTask:
        return CallTask.objects.get(pk=self.task.pk)

    def assert_unchanged(self, before: CallTask) -> None:
        after = self.refreshed()
        self.assertEqual(
            (after.status, after.reserved_for_id, after.queue_band, after.not_before),
            (before.status, before.reserved_for_id, before.queue_band, before.not_before),
        )
        self.assertFalse(TaskEvent.objects.filter(task=self.task).exists())
        self.assertFalse(Assignment.objects.filter(task=self.task).exists())

    def hand_to_anna(self) -> None:
        CallTask.objects.filter(pk=self.task.pk).update(
            status=Status.QUEUED,
            escalation_reason="",
            reserved_for=self.anna.agent,
            queue_band=Band.HANDED,
        )
        self.task.refresh_from_db()


class AccessTests(LifecycleTestCase):
    """The refusals common to every transition."""

    NAMES = ("calls:assign-task", "calls:requeue-task", "calls:call-task-now", "calls:close-task")

    def test_anonymous_users_are_sent_to_the_login_page(self):
        for name in self.NAMES:
            with self.subTest(name):
                response = self.post(None, name)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))
        self.assert_unchanged(self.task)

    def test_other_methods_are_refused(self):
        self.client.force_login(self.bob)
        for name in self.NAMES:
            with self.subTest(name):
                response = self.client.get(reverse(name, args=[self.task.pk]))
                self.assertEqual(response.status_code, 405)

    def test_a_lab_feed_and_an_agent_it_is_not_reserved_for_are_refused(self):
        for user in (self.labfeed, self.alice):
            for name in self.NAMES:
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.post(user, name).status_code, 403)
        self.assert_unchanged(self.task)

    def test_another_territory_sees_nothing(self):
        for user in (self.erin, self.dave, self.zoe):
            for name in self.NAMES:
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.post(user, name).status_code, 404)
        self.assert_unchanged(self.task)

    def test_the_agent_a_call_is_reserved_for_may_only_put_it_back_or_close_it(self):
        self.hand_to_anna()
        for name in ("calls:assign-task", "calls:call-task-now"):
            with self.subTest(name):
                self.assertEqual(self.post(self.anna, name).status_code, 403)
        self.assert_unchanged(self.task)


class AssignTests(LifecycleTestCase):
    def test_a_supervisor_or_admin_hands_the_call_to_a_named_agent_first_in_their_queue(self):
        for user in (self.bob, self.carol):
            with self.subTest(user=user.username):
                TaskEvent.objects.all().delete()
                response = self.post(
                    user, "calls:assign-task", {"agent": self.anna.agent.pk, "note": "Parle fr"}
                )
                self.assertRedirects(
                    response, reverse("supervision:escalations"), fetch_redirect_response=False
                )
                task = self.refreshed()
                self.assertEqual(
                    (task.status, task.reserved_for, task.queue_band, task.escalation_reason),
                    (Status.QUEUED, self.anna.agent, Band.HANDED, ""),
                )
                # Long past its deadline: a whole late period from now, then escalated again.
                self.assertGreaterEqual(task.callable_until, self.now + LATE_PERIOD)
                self.assertLessEqual(task.callable_until, timezone.now() + LATE_PERIOD)
                event = TaskEvent.objects.get(task=task)
                self.assertEqual(
                    (event.kind, event.by, event.agent, event.to_status, event.note),
                    (Kind.ASSIGNED, user, self.anna.agent, Status.QUEUED, "Parle fr"),
                )
        # The first assignment moved it out of the escalations: from escalated, then queued.
        self.assertEqual(event.from_status, Status.QUEUED)
        # Anna gets it at her next call; nobody else does.
        set_agent_status(agent=self.alice.agent, status=Agent.Status.READY, now=self.now)
        self.assertIsNone(claim_next_task(agent=self.alice.agent, now=self.now))
        set_agent_status(agent=self.anna.agent, status=Agent.Status.READY, now=self.now)
        self.assertEqual(claim_next_task(agent=self.anna.agent, now=self.now).task_id, self.task.pk)

    def test_it_refuses_an_agent_who_does_not_speak_the_language_or_works_elsewhere(self):
        CallTask.objects.filter(pk=self.task.pk).update(language_id="tr")
        anna_refused = self.post(self.bob, "calls:assign-task", {"agent": self.anna.agent.pk})
        self.assertEqual(anna_refused.status_code, 302)
        # Another territory's agent is not even a choice.
        self.post(self.bob, "calls:assign-task", {"agent": self.zoe.agent.pk})
        self.post(self.bob, "calls:assign-task", {"agent": ""})
        self.assertEqual(self.refreshed().status, Status.ESCALATED)
        self.assertFalse(TaskEvent.objects.exists())
        # Alice speaks Turkish: she may.
        self.post(self.bob, "calls:assign-task", {"agent": self.alice.agent.pk})
        self.assertEqual(self.refreshed().reserved_for, self.alice.agent)

    def test_it_refuses_a_call_being_made_or_closed(self):
        for status in (Status.DONE, Status.CLOSED):
            with self.subTest(status=status):
                CallTask.objects.filter(pk=self.task.pk).update(
                    status=status, escalation_reason="", closed_at=self.now
                )
                self.post(self.bob, "calls:assign-task", {"agent": self.anna.agent.pk})
                self.assertEqual(self.refreshed().status, status)
        self.assertFalse(TaskEvent.objects.exists())


class RequeueTests(LifecycleTestCase):
    def test_a_supervisor_puts_it_back_for_all_from_a_new_target_time(self):
        target = (
            (self.now + timedelta(hours=3))
            .astimezone(self.t93.zone)
            .replace(second=0, microsecond=0)
        )
        response = self.post(
            self.carol,
            "calls:requeue-task",
            {"target_at": target.strftime("%Y-%m-%dT%H:%M"), "note": "Travaille le matin"},
        )
        self.assertEqual(response.status_code, 302)
        task = self.refreshed()
        self.assertEqual(
            (task.status, task.not_before, task.reserved_for, task.queue_band),
            (Status.QUEUED, target, None, Band.LATE),
        )
        # Its late period starts again from the new target time.
        self.assertEqual(task.callable_until, target + LATE_PERIOD)
        event = TaskEvent.objects.get(task=task)
        self.assertEqual(
            (event.kind, event.by, event.from_status, event.target_at),
            (Kind.REQUEUED, self.carol, Status.ESCALATED, target),
        )

    def test_the_agent_it_is_reserved_for_puts_it_back(self):
        self.hand_to_anna()
        self.assertEqual(self.post(self.anna, "calls:requeue-task").status_code, 302)
        task = self.refreshed()
        self.assertEqual((task.reserved_for, task.not_before), (None, None))
        self.assertEqual(TaskEvent.objects.get(task=task).by, self.anna)

    def test_it_refuses_a_target_time_in_the_past_and_writes_nothing(self):
        past = (self.now - timedelta(hours=1)).astimezone(self.t93.zone)
        self.post(self.bob, "calls:requeue-task", {"target_at": past.strftime("%Y-%m-%dT%H:%M")})
        self.post(self.bob, "calls:requeue-task", {"target_at": "tomorrow"})
        self.assert_unchanged(self.task)


class CallNowTests(LifecycleTestCase):
    def test_a_supervisor_who_takes_calls_leases_it_and_goes_to_the_desk(self):
        response = self.post(self.sam, "calls:call-task-now")
        self.assertRedirects(response, reverse("calls:desk"), fetch_redirect_response=False)
        task = self.refreshed()
        assignment = Assignment.objects.get(task=task)
        self.assertEqual(
            (task.status, task.lease_holder, assignment.agent, assignment.closed_at),
            (Status.ASSIGNED, self.sam.agent, self.sam.agent, None),
        )
        self.assertEqual(task.escalation_reason, "")
        self.sam.agent.refresh_from_db()
        self.assertEqual(self.sam.agent.status, Agent.Status.ON_CALL)
        event = TaskEvent.objects.get(task=task)
        self.assertEqual(
            (event.kind, event.by, event.agent, event.from_status, event.to_status),
            (Kind.CALLED_NOW, self.sam, self.sam.agent, Status.ESCALATED, Status.ASSIGNED),
        )
        # The desk shows the call.
        desk = self.client.get(reverse("calls:desk"))
        self.assertContains(desk, f'data-task-id="{task.pk}"')

    def test_a_supervisor_or_admin_who_takes_no_calls_is_refused_with_a_message(self):
        for user in (self.bob, self.carol):
            with self.subTest(user=user.username):
                response = self.post(user, "calls:call-task-now")
                self.assertRedirects(
                    response, reverse("supervision:escalations"), fetch_redirect_response=False
                )
        self.assert_unchanged(self.task)

    def test_it_refuses_a_call_held_by_an_agent_and_a_caller_already_on_a_call(self):
        self.hand_to_anna()
        set_agent_status(agent=self.anna.agent, status=Agent.Status.READY, now=self.now)
        claim_next_task(agent=self.anna.agent, now=self.now)
        self.post(self.sam, "calls:call-task-now")
        task = self.refreshed()
        self.assertEqual(task.lease_holder, self.anna.agent)
        self.assertFalse(TaskEvent.objects.filter(kind=Kind.CALLED_NOW).exists())

    def test_it_refuses_outside_the_persons_calling_hours(self):
        self.t93.calling_hours_start, self.t93.calling_hours_end = time(0, 0), time(0, 1)
        self.t93.save()
        self.post(self.sam, "calls:call-task-now")
        self.assert_unchanged(self.task)


class CloseTests(LifecycleTestCase):
    def test_a_cpam_admin_closes_it_too(self):
        self.assertEqual(
            self.post(self.carol, "calls:close-task", {"reason": "deceased"}).status_code, 302
        )
        task = self.refreshed()
        self.assertEqual((task.status, task.closed_reason), (Status.CLOSED, "deceased"))
        self.assertEqual(TaskEvent.objects.get(task=task).by, self.carol)

    def test_a_supervisor_closes_it_with_a_reason_and_the_purge_may_then_forget_the_person(self):
        # Issue 12: past the retention period the purge closes an escalated call itself (see
        # tests/calls/test_purge_fields.py); closed by a supervisor, it is forgotten the same way.
        old = self.now + timedelta(days=settings.RETENTION_DAYS + 1)
        response = self.post(
            self.bob, "calls:close-task", {"reason": "reached_elsewhere", "note": "Rappelé"}
        )
        self.assertEqual(response.status_code, 302)
        task = self.refreshed()
        self.assertEqual(
            (task.status, task.closed_reason, task.escalation_reason),
            (Status.CLOSED, CallTask.ClosedReason.REACHED_ELSEWHERE, ""),
        )
        self.assertIsNotNone(task.closed_at)
        event = TaskEvent.objects.get(task=task)
        self.assertEqual(
            (event.kind, event.by, event.reason, event.note, event.to_status),
            (Kind.CLOSED, self.bob, "reached_elsewhere", "Rappelé", Status.CLOSED),
        )
        self.assertEqual(purge_expired_personal_data(now=old), 1)

    def test_the_agent_it_is_reserved_for_closes_it(self):
        self.hand_to_anna()
        self.post(self.anna, "calls:close-task", {"reason": "duplicate"})
        self.assertEqual(self.refreshed().status, Status.CLOSED)

    def test_it_refuses_a_close_without_a_reason_and_writes_nothing(self):
        for reason in ("", "bored"):
            with self.subTest(reason=reason):
                self.post(self.bob, "calls:close-task", {"reason": reason})
        self.assert_unchanged(self.task)

    def test_it_refuses_to_close_a_call_an_agent_is_making(self):
        self.hand_to_anna()
        set_agent_status(agent=self.anna.agent, status=Agent.Status.READY, now=self.now)
        claim_next_task(agent=self.anna.agent, now=self.now)
        self.post(self.bob, "calls:close-task", {"reason": "refused"})
        self.assertEqual(self.refreshed().status, Status.ASSIGNED)
        self.assertFalse(TaskEvent.objects.exists())


class DeskHandedCallsTests(LifecycleTestCase):
    def test_the_agent_sees_the_calls_handed_to_them_on_their_desk(self):
        self.hand_to_anna()
        self.client.force_login(self.anna)
        response = self.client.get(reverse("calls:desk"))
        self.assertContains(response, 'data-testid="handed-calls"')
        self.assertContains(response, f'data-task-id="{self.task.pk}"')
        self.assertEqual(response.context["handed"], [self.task])
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("calls:desk")).context["handed"], [])


class HandedCallsTests(LifecycleTestCase):
    """A call handed to an agent waits for them (it is not a callback), until a supervisor moves
    it, its late period ends, or the agent leaves."""

    def test_it_waits_for_its_agent_while_they_are_offline(self):
        self.hand_to_anna()
        set_agent_status(agent=self.anna.agent, status=Agent.Status.OFFLINE, now=self.now)
        self.assertEqual(release_callbacks(now=self.now + timedelta(hours=1)), 0)
        self.assertEqual(self.refreshed().reserved_for, self.anna.agent)
        # Nor is it reassigned as a callback from the actions page.
        self.assertFalse(move_callback(task=self.task, to=None))

    def test_it_goes_back_to_all_in_its_place_when_its_agent_leaves(self):
        self.hand_to_anna()
        self.assertEqual(release_owned_callbacks(agent=self.anna.agent), 1)
        task = self.refreshed()
        # Past its deadline: after the calls in time, for everyone.
        self.assertEqual((task.reserved_for, task.queue_band), (None, Band.LATE))
        event = TaskEvent.objects.get(task=task)
        self.assertEqual((event.kind, event.by), (Kind.REQUEUED, None))

    def test_once_its_agent_has_called_it_is_everyones_again(self):
        self.hand_to_anna()
        set_agent_status(agent=self.anna.agent, status=Agent.Status.READY, now=self.now)
        assignment = claim_next_task(agent=self.anna.agent, now=self.now)
        record_outcome(
            assignment=assignment,
            agent=self.anna.agent,
            outcome="no_answer",
            now=self.now + timedelta(minutes=1),
        )
        task = self.refreshed()
        self.assertEqual(
            (task.status, task.reserved_for, task.queue_band), (Status.QUEUED, None, Band.LATE)
        )
