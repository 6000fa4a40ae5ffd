from datetime import UTC, date, datetime, time, timedelta

from agents.models import Agent
from agents.services.staff import set_agent_status
from calls.models import CallTask, SmsMessage
from calls.services.dispatch import claim_next_task
from calls.services.fallback import queue_fallback_sms
from calls.services.outcomes import record_outcome
from calls.services.sweeps import fallback_at_deadline
from intake.services import register_index_case
from supervision.models import SlaDay
from supervision.services.sla import days_to_recompute, roll_up_sla
from tests.base import PersonasTestCase, contact, person

T = datetime(
    2026, 1, 15, 9, 0, tzinfo=UTC
)  # 10:00 in Paris; every deadline falls on 16 January, 10:00
DUE_DAY = date(2026, 1, 16)
MINUTE = timedelta(minutes=1)
H24 = timedelta(hours=24)


class SlaRollupTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for territory in (cls.t93, cls.t75, cls.t974):
            territory.calling_hours_start, territory.calling_hours_end = time(0, 0), time(23, 59)
            territory.save()

    def register(self, territory, *, name="Martin", phone="0612345678", contacts=(), at=T):
        return register_index_case(
            territory=territory,
            person=person("Paul", name, phone),
            sampled_at=at,
            source="form",
            now=at,
            contacts=list(contacts),
        )

    def reach_next(self, *, claimed_at, reached_at, agent=None) -> CallTask:
        """Claim the next call as a real agent would and record that the person was reached."""
        agent = agent or self.alice.agent
        set_agent_status(agent=agent, status=Agent.Status.READY, now=claimed_at)
        assignment = claim_next_task(agent=agent, now=claimed_at)
        record_outcome(assignment=assignment, agent=agent, outcome="reached", now=reached_at)
        return CallTask.objects.get(pk=assignment.task_id)

    def sla(self, territory=None, day=DUE_DAY) -> SlaDay:
        return SlaDay.objects.get(territory=territory or self.t93, day=day)

    def test_it_counts_a_contact_reached_at_23_h_59_in_time(self):
        self.register(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        index_task = self.reach_next(
            claimed_at=T + H24 - 3 * MINUTE, reached_at=T + H24 - 2 * MINUTE
        )
        contact_task = self.reach_next(claimed_at=T + H24 - 2 * MINUTE, reached_at=T + H24 - MINUTE)
        self.assertEqual(
            (index_task.reason, contact_task.reason),
            (CallTask.Reason.INDEX_INTERVIEW, CallTask.Reason.CONTACT_NOTIFICATION),
        )
        roll_up_sla(now=T + timedelta(hours=25))
        sla = self.sla()
        self.assertEqual(
            (sla.contacts_due, sla.contacts_reached_in_time, sla.contacts_notified_in_time),
            (1, 1, 0),
        )
        self.assertEqual((sla.index_due, sla.index_reached_in_time), (1, 1))
        # First attempts 23 h 57 and 23 h 58 after the calls were queued.
        self.assertEqual(sla.first_attempt_median_seconds, 23 * 3600 + 57 * 60 + 30)
        self.assertEqual(sla.computed_at, T + timedelta(hours=25))

    def test_it_counts_a_contact_reached_at_24_h_01_late(self):
        self.register(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        self.reach_next(
            claimed_at=T + H24 - 2 * MINUTE, reached_at=T + H24 - MINUTE
        )  # the patient zéro, in time
        contact_task = self.reach_next(claimed_at=T + H24, reached_at=T + H24 + MINUTE)
        self.assertEqual(contact_task.status, CallTask.Status.DONE)
        roll_up_sla(now=T + timedelta(hours=25))
        sla = self.sla()
        self.assertEqual(
            (sla.contacts_due, sla.contacts_reached_in_time, sla.contacts_notified_in_time),
            (1, 0, 0),
        )
        self.assertEqual((sla.index_due, sla.index_reached_in_time), (1, 1))

    def test_it_counts_a_fallback_sms_sent_before_the_deadline_as_notified(self):
        result = self.register(
            self.t93,
            contacts=[
                contact("Ana", "Silva", "0611111111"),
                contact("Rui", "Costa", "0622222222"),
                contact("Eva", "Lima", "0633333333"),
            ],
        )
        ana, rui, eva = (c.task for c in result.contacts)
        # The SMS provider is the boundary: its messages are marked sent as calls.tasks.send_sms
        # does.
        for task, sent_at in ((ana, T + H24 - MINUTE), (rui, T + H24 + MINUTE)):
            sms = queue_fallback_sms(task=task, now=T + timedelta(hours=2))
            SmsMessage.objects.filter(pk=sms.pk).update(
                status=SmsMessage.Status.SENT, sent_at=sent_at
            )
        # A message queued but never sent notifies nobody.
        queue_fallback_sms(task=eva, now=T + timedelta(hours=2))
        roll_up_sla(now=T + timedelta(hours=25))
        sla = self.sla()
        self.assertEqual(
            (sla.contacts_due, sla.contacts_reached_in_time, sla.contacts_notified_in_time),
            (3, 0, 1),
        )
        self.assertEqual((sla.index_due, sla.index_reached_in_time), (1, 0))
        self.assertIsNone(sla.first_attempt_median_seconds)

    def test_it_counts_a_contact_reached_in_time_once_even_with_an_sms(self):
        result = self.register(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        sms = queue_fallback_sms(task=result.contacts[0].task, now=T + timedelta(hours=2))
        SmsMessage.objects.filter(pk=sms.pk).update(
            status=SmsMessage.Status.SENT, sent_at=T + timedelta(hours=3)
        )
        self.reach_next(
            claimed_at=T + timedelta(hours=4), reached_at=T + timedelta(hours=4, minutes=5)
        )  # the index
        self.reach_next(
            claimed_at=T + timedelta(hours=5), reached_at=T + timedelta(hours=5, minutes=5)
        )
        roll_up_sla(now=T + timedelta(hours=25))
        sla = self.sla()
        self.assertEqual(
            (sla.contacts_due, sla.contacts_reached_in_time, sla.contacts_notified_in_time),
            (1, 1, 0),
        )

    def test_it_leaves_cancelled_calls_out(self):
        result = self.register(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        CallTask.objects.filter(pk=result.contacts[0].task.pk).update(
            status=CallTask.Status.CANCELLED, closed_at=T
        )
        roll_up_sla(now=T + timedelta(hours=25))
        self.assertEqual((self.sla().contacts_due, self.sla().index_due), (0, 1))

    def test_it_files_each_call_under_the_local_day_of_its_deadline_per_territory(self):
        # 21:30 UTC is 22:30 in Paris but 01:30 the next day in La Réunion.
        evening = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)
        self.register(self.t93, at=evening, contacts=[contact("Ana", "Silva", "0611111111")])
        self.register(self.t974, name="Payet", phone="0692123456", at=evening)
        roll_up_sla(now=evening + H24 + timedelta(hours=3))
        self.assertEqual(
            (self.sla(self.t93, date(2026, 1, 16)).contacts_due, self.sla(self.t93).index_due),
            (1, 1),
        )
        self.assertEqual(self.sla(self.t974, date(2026, 1, 17)).index_due, 1)
        self.assertEqual(self.sla(self.t974, date(2026, 1, 16)).index_due, 0)
        self.assertEqual(self.sla(self.t75, date(2026, 1, 16)).index_due, 0)

    def test_it_is_idempotent(self):
        self.register(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        now = T + timedelta(hours=25)
        # Today, yesterday and the two days of the late period, of each of the three territories.
        self.assertEqual(days_to_recompute(), 4)
        self.assertEqual(roll_up_sla(now=now), 12)
        first = list(SlaDay.objects.order_by("territory", "day").values())
        self.assertEqual(roll_up_sla(now=now), 12)
        self.assertEqual(list(SlaDay.objects.order_by("territory", "day").values()), first)
        self.assertEqual(SlaDay.objects.count(), 12)

    def test_it_updates_the_rows_of_the_days_still_open_to_a_late_reach_only(self):
        result = self.register(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        roll_up_sla(now=T + timedelta(hours=25))
        self.assertEqual(self.sla().contacts_notified_in_time, 0)
        sms = queue_fallback_sms(task=result.contacts[0].task, now=T + timedelta(hours=2))
        SmsMessage.objects.filter(pk=sms.pk).update(
            status=SmsMessage.Status.SENT, sent_at=T + timedelta(hours=3)
        )
        # Three days later the deadline day may still see a late reach: recomputed.
        roll_up_sla(now=T + timedelta(hours=24 + 72))
        self.assertEqual(self.sla().contacts_notified_in_time, 1)
        # Past the late period it is left as it was: the rollup never rewrites history.
        SmsMessage.objects.filter(pk=sms.pk).update(sent_at=T + timedelta(hours=30))
        roll_up_sla(now=T + timedelta(hours=24 + 96))
        self.assertEqual(self.sla().contacts_notified_in_time, 1)
        # Unless asked to go further back.
        roll_up_sla(now=T + timedelta(hours=24 + 96), days=5)
        self.assertEqual(self.sla().contacts_notified_in_time, 0)

    def test_a_contact_reached_after_the_deadline_counts_as_late_not_in_time(self):
        result = self.register(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        deadline = result.contacts[0].task.deadline_at
        # Past the deadline the calls stay in the queue (the late period): both reached late.
        fallback_at_deadline(now=deadline)
        late = [
            self.reach_next(claimed_at=deadline + 5 * MINUTE, reached_at=deadline + 9 * MINUTE),
            self.reach_next(claimed_at=deadline + 10 * MINUTE, reached_at=deadline + 14 * MINUTE),
        ]
        self.assertEqual({t.status for t in late}, {CallTask.Status.DONE})
        roll_up_sla(now=deadline + timedelta(hours=20))
        sla = self.sla()
        self.assertEqual(
            (sla.contacts_due, sla.contacts_reached_in_time, sla.contacts_reached_late),
            (1, 0, 1),
        )
        self.assertEqual(
            (sla.index_due, sla.index_reached_in_time, sla.index_reached_late), (1, 0, 1)
        )

    def test_its_query_count_does_not_grow_with_the_territories_or_calls(self):
        self.register(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        # Territories, then per time zone (Paris and La Réunion): the aggregate and, on SQLite, the
        # durations for the median; then one upsert.
        from django.db import connection

        per_zone = 1 if connection.vendor == "postgresql" else 2
        with self.assertNumQueries(1 + 2 * per_zone + 1):
            roll_up_sla(now=T + timedelta(hours=25))
        self.register(
            self.t75,
            name="Parisien",
            phone="0644444444",
            contacts=[contact("Rui", "Costa", "0622222222")],
        )
        with self.assertNumQueries(1 + 2 * per_zone + 1):
            roll_up_sla(now=T + timedelta(hours=25))
