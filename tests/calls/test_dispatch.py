"""The claim (DESIGN.md §2, invariants 2, 3 and 4): who is offered which call, and leases."""

import itertools
import random
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db import transaction

from agents import roles
from agents.exceptions import AgentNotReady
from agents.models import Agent, AgentDay, PauseReason, Territory
from agents.services.staff import set_agent_status
from calls.exceptions import LeaseLost
from calls.models import Assignment, CallAttempt, CallTask
from calls.services import sweeps
from calls.services.dispatch import claim_next_task, release_assignment
from calls.services.outcomes import record_outcome
from cases.models import Person, Phone
from tests.base import PersonasTestCase, make_user

# A winter Thursday: Paris is UTC+1, La Réunion UTC+4. 11:00 in Paris, 14:00 in La Réunion.
NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
# Agents go ready before any moment a test uses: status periods must never run backwards.
READY_AT = datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
LEASE = timedelta(minutes=settings.LEASE_MINUTES)
Band = CallTask.Band

_serial = itertools.count(1)


class QueueTestCase(PersonasTestCase):
    """Personas, two more agents of 93 (anna: fr; sidi: fr and Soninké), calling hours 08:30–19:00
    everywhere, and a builder of queued calls."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Territory.objects.update(calling_hours_start=time(8, 30), calling_hours_end=time(19, 0))
        for territory in (cls.t93, cls.t75, cls.t974):
            territory.refresh_from_db()
        cls.anna = make_user(
            "anna",
            roles.TELECONSEILLER,
            territory=cls.t93,
            languages=("fr",),
            plateau=cls.saint_denis,
        )
        cls.sidi = make_user(
            "sidi",
            roles.TELECONSEILLER,
            territory=cls.t93,
            languages=("fr", "snk"),
            plateau=cls.saint_denis,
        )

    def make_task(
        self,
        *,
        territory: Territory | None = None,
        language: str = "fr",
        deadline_at: datetime = NOW + timedelta(hours=24),
        priority: int = 0,
        created_at: datetime = NOW - timedelta(hours=1),
        not_before: datetime | None = None,
        phones: tuple[str, ...] = (),
    ) -> CallTask:
        """Queue a follow-up call to a new person (a follow-up needs no case nor exposure)."""
        n = next(_serial)
        territory = territory or self.t93
        person = Person.objects.create(
            territory=territory,
            first_name="Ana",
            last_name=f"Person{n}",
            language_id=language,
            created_at=created_at,
        )
        for position, number in enumerate(phones or (f"+336{n:08d}",)):
            Phone.objects.create(person=person, number=number, position=position)
        return CallTask.objects.create(
            person=person,
            reason=CallTask.Reason.FOLLOW_UP,
            territory=territory,
            language_id=language,
            deadline_at=deadline_at,
            priority=priority,
            created_at=created_at,
            not_before=not_before,
        )

    @staticmethod
    def ready(*users, at: datetime = READY_AT) -> None:
        for user in users:
            set_agent_status(agent=user.agent, status=Agent.Status.READY, now=at)

    @staticmethod
    def claim(user, at: datetime) -> Assignment | None:
        return claim_next_task(agent=user.agent, now=at)

    @staticmethod
    def take_all(user, *, start: datetime = NOW) -> list[int]:
        """Claim and reach calls one after the other until none is offered; return the task ids."""
        taken, now = [], start
        while (assignment := claim_next_task(agent=user.agent, now=now)) is not None:
            taken.append(assignment.task_id)
            now += timedelta(minutes=1)
            record_outcome(
                assignment=assignment,
                agent=user.agent,
                outcome=CallAttempt.Outcome.REACHED,
                now=now,
            )
            now += timedelta(minutes=1)
        return taken


class OrderTests(QueueTestCase):
    def test_it_offers_the_earliest_deadline_first(self):
        late = self.make_task(deadline_at=NOW + timedelta(hours=10))
        early = self.make_task(deadline_at=NOW + timedelta(hours=2))
        middle = self.make_task(deadline_at=NOW + timedelta(hours=5))
        self.ready(self.alice)
        self.assertEqual(self.take_all(self.alice), [early.pk, middle.pk, late.pk])

    def test_it_breaks_deadline_ties_by_priority_then_age(self):
        deadline = NOW + timedelta(hours=6)
        low_recent = self.make_task(
            deadline_at=deadline, priority=0, created_at=NOW - timedelta(hours=3)
        )
        high_recent = self.make_task(
            deadline_at=deadline, priority=1, created_at=NOW - timedelta(hours=1)
        )
        high_old = self.make_task(
            deadline_at=deadline, priority=1, created_at=NOW - timedelta(hours=2)
        )
        low_old = self.make_task(
            deadline_at=deadline, priority=0, created_at=NOW - timedelta(hours=4)
        )
        # A later deadline loses to all of them, whatever its priority.
        later = self.make_task(
            deadline_at=deadline + timedelta(minutes=1),
            priority=5,
            created_at=NOW - timedelta(days=1),
        )
        self.ready(self.alice)
        self.assertEqual(
            self.take_all(self.alice),
            [high_old.pk, high_recent.pk, low_old.pk, low_recent.pk, later.pk],
        )


class LateQueueTests(QueueTestCase):
    """Past its deadline a call stays callable, after the calls still in time (docs/queue.md)."""

    def late(self, task: CallTask) -> CallTask:
        # As the deadline sweep leaves it.
        sweeps.fallback_at_deadline(now=task.deadline_at)
        task.refresh_from_db()
        self.assertEqual((task.status, task.queue_band), (CallTask.Status.QUEUED, Band.LATE))
        return task

    def test_an_in_time_call_is_claimed_before_an_overdue_one(self):
        overdue = self.late(self.make_task(deadline_at=NOW - timedelta(hours=3)))
        in_time = self.make_task(deadline_at=NOW + timedelta(hours=20))
        self.ready(self.alice)
        # The overdue call's deadline is earlier, and still it comes second.
        self.assertEqual(self.take_all(self.alice), [in_time.pk, overdue.pk])

    def test_an_overdue_call_is_still_claimed_when_nothing_else_is_waiting(self):
        overdue = self.late(self.make_task(deadline_at=NOW - timedelta(hours=3)))
        self.ready(self.anna)
        self.assertEqual(self.claim(self.anna, NOW).task_id, overdue.pk)

    def test_overdue_calls_keep_their_own_order(self):
        later = self.late(self.make_task(deadline_at=NOW - timedelta(hours=1)))
        earlier = self.late(self.make_task(deadline_at=NOW - timedelta(hours=5)))
        self.ready(self.alice)
        self.assertEqual(self.take_all(self.alice), [earlier.pk, later.pk])

    def test_a_call_handed_to_an_agent_comes_first_for_them_only(self):
        in_time = self.make_task(deadline_at=NOW + timedelta(hours=1))
        handed = self.late(self.make_task(deadline_at=NOW - timedelta(hours=5)))
        CallTask.objects.filter(pk=handed.pk).update(
            queue_band=Band.HANDED, reserved_for=self.anna.agent
        )
        self.ready(self.alice, self.anna)
        self.assertEqual(self.claim(self.alice, NOW).task_id, in_time.pk)
        release_assignment(
            assignment=Assignment.objects.get(task=in_time),
            now=NOW,
            reason=Assignment.EndReason.RELEASED,
        )
        self.assertEqual(self.claim(self.anna, NOW + timedelta(minutes=1)).task_id, handed.pk)


class EligibilityTests(QueueTestCase):
    def test_it_offers_only_the_languages_the_agent_speaks(self):
        soninke = self.make_task(language="snk", deadline_at=NOW + timedelta(hours=1))
        turkish = self.make_task(language="tr", deadline_at=NOW + timedelta(hours=2))
        self.ready(self.alice, self.sidi)
        self.assertEqual(self.take_all(self.alice), [turkish.pk])
        soninke.refresh_from_db()
        self.assertEqual(soninke.status, CallTask.Status.QUEUED)
        self.assertEqual(self.take_all(self.sidi), [soninke.pk])

    def test_it_offers_another_territory_only_when_it_lends_to_the_agents(self):
        paris = self.make_task(territory=self.t75)
        self.ready(self.alice)
        self.assertIsNone(self.claim(self.alice, NOW))
        # Lending goes one way: 93 lending to 75 gives 75's agents 93's calls, not the reverse.
        self.t93.lends_to.add(self.t75)
        self.assertIsNone(self.claim(self.alice, NOW))
        self.t75.lends_to.add(self.t93)
        self.assertEqual(self.claim(self.alice, NOW).task_id, paris.pk)

    def test_it_calls_only_inside_the_persons_local_hours(self):
        reunion = self.make_task(territory=self.t974)
        seine_saint_denis = self.make_task(territory=self.t93)
        self.ready(self.alice, self.zoe)
        # 06:00 UTC: 07:00 in Paris, too early; 10:00 in La Réunion.
        six = datetime(2026, 1, 15, 6, 0, tzinfo=UTC)
        self.assertIsNone(self.claim(self.alice, six))
        assignment = self.claim(self.zoe, six)
        self.assertEqual(assignment.task_id, reunion.pk)
        release_assignment(
            assignment=assignment,
            now=six + timedelta(minutes=1),
            reason=Assignment.EndReason.RELEASED,
        )
        # 08:30 in Paris opens, 19:00 closes.
        self.assertIsNone(self.claim(self.alice, datetime(2026, 1, 15, 7, 29, 59, tzinfo=UTC)))
        opening = self.claim(self.alice, datetime(2026, 1, 15, 7, 30, tzinfo=UTC))
        self.assertEqual(opening.task_id, seine_saint_denis.pk)
        release_assignment(
            assignment=opening,
            now=datetime(2026, 1, 15, 7, 31, tzinfo=UTC),
            reason=Assignment.EndReason.RELEASED,
        )
        self.assertIsNone(self.claim(self.alice, datetime(2026, 1, 15, 18, 0, tzinfo=UTC)))
        # 18:30 UTC: 19:30 in Paris, 22:30 in La Réunion: nobody is called.
        half_past_six = datetime(2026, 1, 15, 18, 30, tzinfo=UTC)
        self.assertIsNone(self.claim(self.alice, half_past_six))
        self.assertIsNone(self.claim(self.zoe, half_past_six))
        self.assertEqual(CallTask.objects.filter(status=CallTask.Status.QUEUED).count(), 2)

    def test_it_waits_for_not_before(self):
        task = self.make_task(not_before=NOW + timedelta(minutes=30))
        self.ready(self.alice)
        self.assertIsNone(self.claim(self.alice, NOW + timedelta(minutes=29, seconds=59)))
        self.assertEqual(self.claim(self.alice, NOW + timedelta(minutes=30)).task_id, task.pk)

    def test_it_refuses_an_agent_who_is_not_ready(self):
        self.make_task()
        with self.assertRaises(AgentNotReady):
            self.claim(self.alice, NOW)  # offline
        set_agent_status(
            agent=self.alice.agent,
            status=Agent.Status.PAUSED,
            now=READY_AT,
            pause_reason=PauseReason.objects.get(code="pause"),
        )
        with self.assertRaises(AgentNotReady):
            self.claim(self.alice, NOW)
        self.assertFalse(Assignment.objects.exists())


class WaitingRetryTests(QueueTestCase):
    """Retries open to all wait in their own index until the rejoin sweep lets them back into the
    fresh queue (docs/queue.md, "Claiming"): the claim takes the same task either way."""

    def first_offered(self, user, at: datetime) -> int | None:
        """The task a claim would take now, the claim rolled back."""
        with transaction.atomic():
            assignment = self.claim(user, at)
            transaction.set_rollback(True)
        return assignment.task_id if assignment else None

    def test_a_due_retry_is_claimed_in_deadline_order_before_and_after_the_sweep(self):
        self.make_task(deadline_at=NOW + timedelta(hours=6))
        second = self.make_task(deadline_at=NOW + timedelta(hours=5))
        retry = self.make_task(
            deadline_at=NOW + timedelta(hours=4), not_before=NOW - timedelta(minutes=5)
        )
        self.ready(self.alice)
        self.assertEqual(self.first_offered(self.alice, NOW), retry.pk)
        self.assertEqual(sweeps.rejoin_due_retries(now=NOW), 1)
        retry.refresh_from_db()
        # The retry time stays what the outcome set: only the index it sits in changed.
        self.assertEqual((retry.not_before, retry.rejoined_at), (NOW - timedelta(minutes=5),) * 2)
        self.assertEqual(self.first_offered(self.alice, NOW), retry.pk)
        # Behind an earlier fresh deadline, in either index.
        CallTask.objects.filter(pk=second.pk).update(deadline_at=NOW + timedelta(hours=3))
        self.assertEqual(self.first_offered(self.alice, NOW), second.pk)
        CallTask.objects.filter(pk=retry.pk).update(rejoined_at=None)
        self.assertEqual(self.first_offered(self.alice, NOW), second.pk)

    def test_a_retry_not_yet_due_is_never_claimed(self):
        retry = self.make_task(
            deadline_at=NOW + timedelta(hours=1), not_before=NOW + timedelta(minutes=30)
        )
        fresh = self.make_task(deadline_at=NOW + timedelta(hours=8))
        self.ready(self.alice)
        self.assertEqual(sweeps.rejoin_due_retries(now=NOW), 0)
        self.assertEqual(self.first_offered(self.alice, NOW), fresh.pk)
        CallTask.objects.filter(pk=fresh.pk).update(status=CallTask.Status.DONE)
        self.assertIsNone(self.first_offered(self.alice, NOW + timedelta(minutes=29)))
        self.assertEqual(self.first_offered(self.alice, NOW + timedelta(minutes=30)), retry.pk)

    def test_a_new_retry_time_takes_a_rejoined_task_out_of_the_queue(self):
        """A task the sweep let through, called again without an answer, waits for its new time:
        nobody resets rejoined_at, the later not_before is enough."""
        task = self.make_task(not_before=NOW - timedelta(hours=1))
        self.ready(self.alice)
        self.assertEqual(sweeps.rejoin_due_retries(now=NOW), 1)
        assignment = self.claim(self.alice, NOW)
        self.assertEqual(assignment.task_id, task.pk)
        record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome=CallAttempt.Outcome.NO_ANSWER,
            now=NOW + timedelta(minutes=1),
        )
        task.refresh_from_db()
        self.assertGreater(task.not_before, NOW + timedelta(minutes=1))
        self.assertFalse(CallTask.objects.fresh().filter(pk=task.pk).exists())
        self.assertTrue(CallTask.objects.waiting().filter(pk=task.pk).exists())
        self.assertIsNone(self.first_offered(self.alice, NOW + timedelta(minutes=2)))
        self.assertEqual(self.first_offered(self.alice, task.not_before), task.pk)

    def test_the_sweep_is_idempotent(self):
        due = [self.make_task(not_before=NOW - timedelta(minutes=m)).pk for m in (1, 10, 100)]
        later = self.make_task(not_before=NOW + timedelta(minutes=1))
        self.assertEqual(sweeps.rejoin_due_retries(now=NOW, batch_size=2), 2)
        self.assertEqual(sweeps.rejoin_due_retries(now=NOW, batch_size=2), 1)
        self.assertEqual(sweeps.rejoin_due_retries(now=NOW), 0)
        self.assertEqual(set(CallTask.objects.fresh().values_list("pk", flat=True)), set(due))
        self.assertEqual(list(CallTask.objects.waiting().values_list("pk", flat=True)), [later.pk])
        for task in CallTask.objects.filter(pk__in=due):
            self.assertEqual(task.rejoined_at, task.not_before)

    def test_an_owned_callback_goes_only_to_its_agent_at_its_time(self):
        callback = self.make_task(
            deadline_at=NOW + timedelta(hours=1), not_before=NOW + timedelta(minutes=30)
        )
        CallTask.objects.filter(pk=callback.pk).update(
            reserved_for=self.anna.agent, callback_at=NOW + timedelta(minutes=30)
        )
        self.ready(self.anna, self.sidi)
        due = NOW + timedelta(minutes=31)
        self.assertIsNone(self.first_offered(self.anna, NOW))
        # The sweep leaves an owned callback to its owner, and its promised time as it is.
        self.assertEqual(sweeps.rejoin_due_retries(now=due), 0)
        callback.refresh_from_db()
        self.assertEqual(
            (callback.not_before, callback.rejoined_at), (NOW + timedelta(minutes=30), None)
        )
        self.assertIsNone(self.first_offered(self.sidi, due))
        self.assertEqual(self.first_offered(self.anna, due), callback.pk)

    def test_the_claim_takes_what_the_queue_order_says_whatever_the_index(self):
        """Against the ORM's eligible_for() (the SQLite claim): tasks fresh, waiting and due,
        waiting and not due, let through then retried, owned by one agent or another, claimed at
        several times with the sweep run or not."""
        rng = random.Random(17)
        times = [NOW + timedelta(minutes=m) for m in (0, 20, 45, 90)]
        for i in range(40):
            task = self.make_task(
                language=rng.choice(("fr", "fr", "snk")),
                deadline_at=NOW + timedelta(minutes=rng.randrange(30, 600)),
                priority=rng.choice((0, 0, 1, 2)),
                created_at=NOW - timedelta(minutes=i),
                not_before=rng.choice((None, None, *(t - timedelta(minutes=10) for t in times))),
            )
            changes = {}
            if task.not_before and rng.random() < 0.3:  # let through once, then retried later
                changes["rejoined_at"] = task.not_before - timedelta(hours=2)
            if rng.random() < 0.15:
                changes["reserved_for"] = rng.choice((self.anna, self.sidi)).agent
            if rng.random() < 0.2:
                changes["queue_band"] = Band.LATE
            CallTask.objects.filter(pk=task.pk).update(**changes)
        self.ready(self.anna, self.sidi)
        territory_ids = [self.t93.pk]
        checked = 0
        for at in times:
            for user, languages in ((self.anna, ["fr"]), (self.sidi, ["fr", "snk"])):
                expected = (
                    CallTask.objects.eligible_for(
                        agent=user.agent,
                        territory_ids=territory_ids,
                        language_codes=languages,
                        now=at,
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
                self.assertEqual(self.first_offered(user, at), expected, (at, user))
                checked += expected is not None
            sweeps.rejoin_due_retries(now=at)
        self.assertGreater(checked, 4)


class LeaseTests(QueueTestCase):
    def test_it_gives_the_same_call_back_while_the_lease_holds(self):
        task = self.make_task()
        self.make_task(deadline_at=NOW + timedelta(hours=30))
        self.ready(self.alice)
        first = self.claim(self.alice, NOW)
        again = self.claim(self.alice, NOW + LEASE - timedelta(seconds=1))
        self.assertEqual(
            (again.pk, again.task_id, again.lease_expires_at), (first.pk, task.pk, NOW + LEASE)
        )
        self.assertEqual(Assignment.objects.count(), 1)
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.lease_holder, task.lease_expires_at),
            (CallTask.Status.ASSIGNED, self.alice.agent, NOW + LEASE),
        )

    def test_it_never_offers_a_leased_call_to_another_agent(self):
        self.make_task()
        self.ready(self.alice, self.anna)
        self.assertIsNotNone(self.claim(self.alice, NOW))
        self.assertIsNone(self.claim(self.anna, NOW))
        # Expired, it stays the holder's until their next claim or the sweep gives it back.
        self.assertIsNone(self.claim(self.anna, NOW + LEASE + timedelta(minutes=1)))

    def test_it_gives_back_an_expired_lease_on_the_holders_next_claim(self):
        task = self.make_task()
        self.ready(self.alice, self.anna)
        expired = self.claim(self.alice, NOW)
        later = NOW + LEASE + timedelta(minutes=1)
        renewed = self.claim(self.alice, later)
        expired.refresh_from_db()
        self.assertEqual(expired.closed_at, later)
        self.assertNotEqual(renewed.pk, expired.pk)
        self.assertEqual((renewed.task_id, renewed.lease_expires_at), (task.pk, later + LEASE))
        self.assertEqual(
            Assignment.objects.filter(task=task, closed_at__isnull=True).get(), renewed
        )
        # A late outcome on the expired lease is refused, and recorded.
        with self.assertRaises(LeaseLost) as refused:
            record_outcome(
                assignment=expired,
                agent=self.alice.agent,
                outcome="reached",
                now=later + timedelta(minutes=1),
            )
        attempt = CallAttempt.objects.get(pk=refused.exception.attempt_id)
        self.assertFalse(attempt.accepted)
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.lease_holder, task.attempts),
            (CallTask.Status.ASSIGNED, self.alice.agent, 0),
        )

    def test_it_offers_a_released_call_to_another_agent(self):
        task = self.make_task()
        self.ready(self.alice, self.anna)
        held = self.claim(self.alice, NOW)
        release_assignment(
            assignment=held, now=NOW + timedelta(minutes=3), reason=Assignment.EndReason.RELEASED
        )
        held.refresh_from_db()
        self.assertEqual(held.closed_at, NOW + timedelta(minutes=3))
        taken = self.claim(self.anna, NOW + timedelta(minutes=4))
        self.assertEqual(taken.task_id, task.pk)
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.lease_holder), (CallTask.Status.ASSIGNED, self.anna.agent)
        )
        with self.assertRaises(LeaseLost):
            record_outcome(
                assignment=held,
                agent=self.alice.agent,
                outcome="reached",
                now=NOW + timedelta(minutes=5),
            )
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.lease_holder, task.attempts),
            (CallTask.Status.ASSIGNED, self.anna.agent, 0),
        )

    def test_it_refuses_an_outcome_on_a_lost_lease_and_records_the_attempt(self):
        task = self.make_task()
        self.ready(self.alice)
        assignment = self.claim(self.alice, NOW)
        late = NOW + LEASE + timedelta(minutes=1)
        with self.assertRaises(LeaseLost) as refused:
            record_outcome(
                assignment=assignment, agent=self.alice.agent, outcome="no_answer", now=late
            )
        attempt = CallAttempt.objects.get()
        self.assertEqual(refused.exception.attempt_id, attempt.pk)
        self.assertEqual(
            (
                attempt.accepted,
                attempt.outcome,
                attempt.task_id,
                attempt.started_at,
                attempt.ended_at,
            ),
            (False, "no_answer", task.pk, NOW, late),
        )
        # The outcome is not applied; the expired lease goes back to the queue at once.
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.lease_holder, task.attempts, task.not_before, task.phone_position),
            (CallTask.Status.QUEUED, None, 0, None, 0),
        )
        day = AgentDay.objects.get(agent=self.alice.agent)
        self.assertEqual((day.calls, day.refused_outcomes), (1, 1))

    def test_it_refuses_an_outcome_posted_twice(self):
        task = self.make_task()
        self.ready(self.alice)
        assignment = self.claim(self.alice, NOW)
        first = record_outcome(
            assignment=assignment,
            agent=self.alice.agent,
            outcome="busy",
            now=NOW + timedelta(minutes=1),
        ).attempt
        with self.assertRaises(LeaseLost) as refused:
            record_outcome(
                assignment=assignment,
                agent=self.alice.agent,
                outcome="reached",
                now=NOW + timedelta(minutes=2),
            )
        self.assertEqual(CallAttempt.objects.get(accepted=True), first)
        self.assertEqual(CallAttempt.objects.get(accepted=False).pk, refused.exception.attempt_id)
        task.refresh_from_db()
        self.assertEqual((task.status, task.attempts), (CallTask.Status.QUEUED, 1))
