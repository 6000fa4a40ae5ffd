"""Statuses follow reality: an expired lease takes the agent off the call, and a desk that stops
beating (a tab closed, a crash) sets its agent offline, their period closed when last seen."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from agents.models import Agent, AgentDay, AgentStatusPeriod
from agents.services.staff import record_heartbeat
from calls.models import Assignment, CallTask
from calls.services.dispatch import release_assignment
from calls.services.sweeps import expire_leases, set_absent_agents_offline
from tests.calls.test_dispatch import LEASE, NOW, READY_AT, QueueTestCase

ABSENT = timedelta(minutes=settings.AGENT_ABSENT_AFTER_MINUTES)


class LeaseExpiryStatusTests(QueueTestCase):
    def test_an_agent_whose_desk_is_still_alive_goes_back_to_ready(self):
        task = self.make_task()
        self.ready(self.alice)
        self.claim(self.alice, NOW)
        # The desk kept beating; the lease was not renewed (a failed renewal, a long call).
        record_heartbeat(agent=self.alice.agent, now=NOW + LEASE - timedelta(minutes=1))
        expire_leases(now=NOW + LEASE + timedelta(seconds=1))
        agent = Agent.objects.get(pk=self.alice.agent.pk)
        task.refresh_from_db()
        self.assertEqual(task.status, CallTask.Status.QUEUED)
        self.assertEqual(agent.status, Agent.Status.READY)

    def test_an_agent_whose_desk_went_silent_goes_offline_from_when_last_seen(self):
        self.make_task()
        self.ready(self.alice)
        self.claim(self.alice, NOW)
        record_heartbeat(agent=self.alice.agent, now=NOW + timedelta(minutes=2))
        expire_leases(now=NOW + LEASE + timedelta(seconds=1))
        agent = Agent.objects.get(pk=self.alice.agent.pk)
        self.assertEqual(agent.status, Agent.Status.OFFLINE)
        on_call = AgentStatusPeriod.objects.get(agent=agent, status=Agent.Status.ON_CALL)
        self.assertEqual(on_call.ended_at, NOW + timedelta(minutes=2))
        self.assertEqual(AgentDay.objects.get(agent=agent).on_call_seconds, 120)

    def test_it_runs_twice_without_changing_anything_more(self):
        self.make_task()
        self.ready(self.alice)
        self.claim(self.alice, NOW)
        expire_leases(now=NOW + LEASE + timedelta(seconds=1))
        periods = AgentStatusPeriod.objects.count()
        expire_leases(now=NOW + LEASE + timedelta(seconds=2))
        self.assertEqual(AgentStatusPeriod.objects.count(), periods)

    def test_a_freed_call_does_not_leave_its_agent_on_a_call(self):
        # A supervisor freed the call: the agent holds nothing and is settled like an expiry.
        self.make_task()
        self.ready(self.alice)
        assignment = self.claim(self.alice, NOW)
        record_heartbeat(agent=self.alice.agent, now=NOW + timedelta(minutes=4))
        release_assignment(
            assignment=Assignment.objects.get(pk=assignment.pk),
            now=NOW,
            reason=Assignment.EndReason.RELEASED,
        )
        expire_leases(now=NOW + timedelta(minutes=5))
        self.assertEqual(Agent.objects.get(pk=self.alice.agent.pk).status, Agent.Status.READY)


class AbsentDeskTests(QueueTestCase):
    def test_a_silent_desk_sets_its_agent_offline_closing_the_period_when_last_seen(self):
        self.ready(self.alice, at=NOW)
        record_heartbeat(agent=self.alice.agent, now=NOW + timedelta(minutes=10))
        self.assertEqual(set_absent_agents_offline(now=NOW + timedelta(minutes=10) + ABSENT), 0)
        moved = set_absent_agents_offline(now=NOW + timedelta(minutes=11) + ABSENT)
        self.assertEqual(moved, 1)
        agent = Agent.objects.get(pk=self.alice.agent.pk)
        self.assertEqual(agent.status, Agent.Status.OFFLINE)
        ready = AgentStatusPeriod.objects.get(agent=agent, status=Agent.Status.READY)
        self.assertEqual(ready.ended_at, NOW + timedelta(minutes=10))
        # Ready time counts until the last sign of life, not until the sweep.
        self.assertEqual(AgentDay.objects.get(agent=agent).ready_seconds, 600)
        self.assertEqual(set_absent_agents_offline(now=NOW + timedelta(hours=1)), 0)

    def test_it_gives_back_the_call_an_absent_agent_held(self):
        task = self.make_task()
        self.ready(self.alice)
        self.claim(self.alice, NOW)
        set_absent_agents_offline(now=NOW + ABSENT + timedelta(minutes=1))
        task.refresh_from_db()
        self.assertEqual((task.status, task.lease_holder), (CallTask.Status.QUEUED, None))
        self.assertEqual(Agent.objects.get(pk=self.alice.agent.pk).status, Agent.Status.OFFLINE)

    def test_it_leaves_alone_desks_that_beat_and_agents_already_offline(self):
        self.ready(self.alice, self.anna, at=READY_AT)
        record_heartbeat(agent=self.alice.agent, now=NOW)
        record_heartbeat(agent=self.anna.agent, now=NOW - ABSENT - timedelta(minutes=1))
        self.assertEqual(set_absent_agents_offline(now=NOW + timedelta(minutes=1)), 1)
        statuses = dict(Agent.objects.values_list("user__username", "status"))
        self.assertEqual(statuses["alice"], Agent.Status.READY)
        self.assertEqual(statuses["anna"], Agent.Status.OFFLINE)
        self.assertEqual(statuses["sidi"], Agent.Status.OFFLINE)  # never logged in

    def test_a_status_change_counts_as_a_sign_of_life(self):
        self.ready(self.alice, at=NOW)
        self.assertEqual(set_absent_agents_offline(now=NOW + ABSENT - timedelta(seconds=1)), 0)

    def test_a_heartbeat_is_written_at_most_every_thirty_seconds(self):
        self.assertTrue(record_heartbeat(agent=self.alice.agent, now=NOW))
        self.assertFalse(record_heartbeat(agent=self.alice.agent, now=NOW + timedelta(seconds=20)))
        self.assertTrue(record_heartbeat(agent=self.alice.agent, now=NOW + timedelta(seconds=31)))


class HeartbeatPageTests(QueueTestCase):
    def test_the_desk_beats_while_open(self):
        self.client.force_login(self.alice)
        page = self.client.get(reverse("calls:desk"))
        self.assertContains(page, 'id="heartbeat-form"')
        self.assertContains(page, reverse("calls:heartbeat"))
        response = self.client.post(reverse("calls:heartbeat"))
        self.assertEqual(response.status_code, 204)
        self.assertIsNotNone(Agent.objects.get(pk=self.alice.agent.pk).last_seen_at)

    def test_it_is_for_agents_only_and_post_only(self):
        self.assertEqual(self.client.post(reverse("calls:heartbeat")).status_code, 302)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(reverse("calls:heartbeat")).status_code, 403)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("calls:heartbeat")).status_code, 405)

    def test_an_api_client_asking_an_empty_queue_is_not_absent(self):
        self.client.force_login(self.alice)
        self.client.post(reverse("api:set-my-status"), {"status": "ready"}, "application/json")
        Agent.objects.filter(pk=self.alice.agent.pk).update(last_seen_at=None)
        response = self.client.post(reverse("api:claim-next"))
        self.assertEqual(response.status_code, 204)
        self.assertIsNotNone(Agent.objects.get(pk=self.alice.agent.pk).last_seen_at)
