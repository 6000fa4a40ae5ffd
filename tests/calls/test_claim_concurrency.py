"""Invariant 1 on PostgreSQL: no two agents ever hold the same task at once, under real
concurrency."""

import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext

from agents import roles
from agents.models import Agent, Territory
from agents.services.staff import set_agent_status
from calls.exceptions import TransitionRefused
from calls.models import Assignment, CallAttempt, CallTask, TaskEvent
from calls.services.dispatch import claim_next_task, release_assignment
from calls.services.lifecycle import call_task_now, requeue_task
from calls.services.outcomes import record_outcome
from cases.models import Person, Phone
from tests.base import make_user
from tests.threads import second_waits_for_first

THREADS = 32
NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


@pytest.mark.postgres
class ConcurrentClaimTests(TransactionTestCase):
    # Keep the languages, roles and retry rules that migrations load: a flush would drop them.
    serialized_rollback = True

    def setUp(self):
        self.territory = Territory.objects.create(
            code="93",
            name="CPAM 93",
            timezone="Europe/Paris",
            calling_hours_start=time(8, 30),
            calling_hours_end=time(19, 0),
        )
        self.agents = []
        for i in range(THREADS):
            agent = make_user(
                f"agent{i:02d}", roles.TELECONSEILLER, territory=self.territory, languages=("fr",)
            ).agent
            set_agent_status(agent=agent, status=Agent.Status.READY, now=NOW - timedelta(hours=1))
            self.agents.append(agent)

    def queue(self, count: int) -> list[int]:
        persons = Person.objects.bulk_create(
            Person(
                territory=self.territory, first_name="Ana", last_name=f"Person{i}", language_id="fr"
            )
            for i in range(count)
        )
        Phone.objects.bulk_create(
            Phone(person=p, number=f"+336{i:08d}") for i, p in enumerate(persons)
        )
        tasks = CallTask.objects.bulk_create(
            CallTask(
                person=p,
                reason=CallTask.Reason.FOLLOW_UP,
                territory=self.territory,
                language_id="fr",
                # Many equal deadlines: every claim wants the same few rows.
                deadline_at=NOW + timedelta(hours=1 + i % 3),
                created_at=NOW - timedelta(hours=1),
            )
            for i, p in enumerate(persons)
        )
        return [t.pk for t in tasks]

    def race(self, work) -> list:
        """Run work(i) in THREADS threads released at once; fail on any exception."""
        barrier = threading.Barrier(THREADS)
        results: list = [None] * THREADS
        errors: list = []

        def run(i):
            try:
                barrier.wait()
                results[i] = work(i)
            except Exception as exc:  # noqa: BLE001 - the test reports every failure
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(errors, [])
        return results

    def test_it_leases_each_task_to_one_agent_when_all_claim_at_once(self):
        task_ids = self.queue(20)
        results = self.race(lambda i: claim_next_task(agent=self.agents[i], now=NOW))
        claimed = [a for a in results if a is not None]
        self.assertEqual(len(claimed), min(THREADS, len(task_ids)))
        self.assertEqual(sorted(a.task_id for a in claimed), sorted(task_ids))
        self.assertEqual(len({a.agent_id for a in claimed}), len(claimed))
        open_rows = Counter(
            Assignment.objects.filter(closed_at__isnull=True).values_list("task_id", flat=True)
        )
        self.assertEqual(open_rows, Counter(task_ids))
        leases = dict(CallTask.objects.values_list("pk", "lease_holder_id"))
        self.assertEqual(leases, {a.task_id: a.agent_id for a in claimed})

    def test_one_agent_claiming_twice_at_once_gets_one_call(self):
        """Two tabs of one agent: the claim that waited for the agent's lock gives back the call
        the other just took (its snapshot predates it), not a second one."""
        self.queue(5)
        agent = self.agents[0]
        results, errors = second_waits_for_first(
            lambda: claim_next_task(agent=agent, now=NOW),
            lambda: claim_next_task(agent=agent, now=NOW),
        )
        self.assertEqual(errors, [])
        self.assertEqual(results["first"].pk, results["second"].pk)
        self.assertEqual(Assignment.objects.filter(agent=agent, closed_at=None).count(), 1)

    def test_it_calls_each_task_once_when_agents_loop_claim_and_outcome(self):
        task_ids = self.queue(200)

        def work(i):
            agent, now, reached, claims = self.agents[i], NOW, [], 0
            while (assignment := claim_next_task(agent=agent, now=now)) is not None:
                claims += 1
                now += timedelta(seconds=1)
                if claims % 5 == 0:
                    # Given back untouched: another agent (or this one) takes it again.
                    release_assignment(
                        assignment=assignment, now=now, reason=Assignment.EndReason.RELEASED
                    )
                else:
                    record_outcome(
                        assignment=assignment,
                        agent=agent,
                        outcome=CallAttempt.Outcome.REACHED,
                        now=now,
                    )
                    reached.append(assignment.task_id)
                now += timedelta(seconds=1)
                # Back to the pool between calls, like a web request: 32 threads share fewer
                # connections.
                connection.close()
            return reached

        results = self.race(work)
        reached = [task_id for done in results for task_id in done]
        self.assertEqual(sorted(reached), sorted(task_ids))  # every task once, none twice
        accepted = CallAttempt.objects.filter(accepted=True)
        self.assertEqual(accepted.count(), len(set(reached)))
        self.assertEqual(Counter(accepted.values_list("task_id", flat=True)), Counter(task_ids))
        self.assertFalse(CallAttempt.objects.filter(accepted=False).exists())
        self.assertEqual(
            CallTask.objects.filter(status=CallTask.Status.DONE).count(), len(task_ids)
        )
        self.assertFalse(Assignment.objects.filter(closed_at__isnull=True).exists())
        self.assertGreater(
            Assignment.objects.count(), len(task_ids)
        )  # the released ones were claimed again

    def test_a_supervisor_calling_now_and_agents_claiming_lease_the_task_once(self):
        [task_id] = self.queue(1)
        # Past its deadline and escalated: the supervisor calls it while agents ask for calls.
        CallTask.objects.filter(pk=task_id).update(
            status=CallTask.Status.ESCALATED,
            escalation_reason=CallTask.Escalation.DEADLINE,
            escalated_at=NOW,
        )
        supervisor = make_user(
            "sam", roles.SUPERVISEUR, territory=self.territory, languages=("fr",)
        )
        supervisor.groups.add(Group.objects.get(name=roles.TELECONSEILLER))
        task = CallTask.objects.get(pk=task_id)
        # Put back in the queue, it is offered to the agents as the supervisor calls it.
        requeue_task(actor=supervisor, task=task, now=NOW - timedelta(minutes=1))

        def work(i):
            if i == 0:
                try:
                    return call_task_now(actor=supervisor, task=task, now=NOW)
                except TransitionRefused:
                    return None
            return claim_next_task(agent=self.agents[i], now=NOW)

        results = self.race(work)
        leased = [a for a in results if a is not None]
        self.assertEqual(len(leased), 1)
        self.assertEqual(Assignment.objects.filter(closed_at__isnull=True).count(), 1)
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.lease_holder_id), (CallTask.Status.ASSIGNED, leased[0].agent_id)
        )
        called_now = TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.CALLED_NOW)
        self.assertEqual(called_now.exists(), leased[0].agent_id == supervisor.agent.pk)

    def test_the_claim_walks_the_queue_index_with_late_calls_in_it(self):
        """The late band leads the index as it leads the order: still one short index walk per
        (territory, language) pair, never a sort of the backlog."""
        task_ids = self.queue(3000)
        CallTask.objects.filter(pk__in=task_ids[::2]).update(queue_band=CallTask.Band.LATE)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE calls_calltask")
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            claim_next_task(agent=self.agents[0], now=NOW)
            transaction.set_rollback(True)
        claim_sql = next(q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"])
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + claim_sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        self.assertIn("call_task_fresh_queue", plan)
        self.assertNotIn("Seq Scan on calls_calltask", plan)
