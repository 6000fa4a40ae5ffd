from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agents.models import Agent, PauseReason
from agents.services.staff import set_agent_status
from tests.base import make_user
from tests.workforce.test_rota_services import RotaTestCase
from workforce.models.contracts import Contract
from workforce.models.rota import ClockEntry
from workforce.selectors.adherence import adherence_rows
from workforce.services.rota import assign_shift, clock_in, clock_out

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 10, 5)  # a Monday, summer time (UTC+2)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


class AdherenceTests(RotaTestCase):
    """A worked example, by hand, for alice on Monday 5 October 2026 (local times):

    shifts   09:00–13:00 (no break) and 14:00–17:30 (30 min break) → scheduled 240 + 210 − 30 = 420
    status   09:10 ready, 10:00 on call, 10:20 wrap-up, 10:30 paused, 10:45 ready, 12:30 offline,
             13:50 ready, 17:00 offline
    logged in   09:10–12:30 (200) + 13:50–17:00 (190)                     = 390
    active      390 − 15 paused                                           = 375
    in schedule 09:10–12:30 (200) + 14:00–17:00 (180)                     = 380
    adherence   380 ÷ 420                                                 = 90.5 %
    late start  09:10 − 09:00 = 10; early leave 17:30 − 17:00 = 30
    clocked     08:55–17:05                                               = 490
    """

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        agent = cls.alice.agent
        assign_shift(
            agent=agent,
            plateau=cls.saint_denis,
            day=DAY,
            starts_at=time(9),
            ends_at=time(13),
            by=cls.carol,
        )
        assign_shift(
            agent=agent,
            plateau=cls.saint_denis,
            day=DAY,
            starts_at=time(14),
            ends_at=time(17, 30),
            break_minutes=30,
            by=cls.carol,
        )
        reason = PauseReason.objects.first()
        for moment, status in (
            (at(9, 10), Agent.Status.READY),
            (at(10), Agent.Status.ON_CALL),
            (at(10, 20), Agent.Status.WRAP_UP),
            (at(10, 30), Agent.Status.PAUSED),
            (at(10, 45), Agent.Status.READY),
            (at(12, 30), Agent.Status.OFFLINE),
            (at(13, 50), Agent.Status.READY),
            (at(17), Agent.Status.OFFLINE),
        ):
            set_agent_status(
                agent=agent,
                status=status,
                now=moment,
                pause_reason=reason if status == Agent.Status.PAUSED else None,
            )
        clock_in(agent=agent, now=at(8, 55))
        clock_out(agent=agent, now=at(17, 5))

    def rows(self, *, now: datetime, users=None, start: date = DAY, end: date = DAY):
        users = users or [self.alice]
        agents = Agent.objects.filter(user__in=users).select_related("user", "territory")
        return adherence_rows(agents=agents, start=start, end=end, now=now)

    def test_it_works_out_the_day_by_hand(self):
        [row] = self.rows(now=at(20))
        self.assertEqual(row.scheduled_minutes, 420)
        self.assertEqual(row.clocked_minutes, 490)
        self.assertEqual(row.logged_in_minutes, 390)
        self.assertEqual(row.active_minutes, 375)
        self.assertEqual(row.in_schedule_minutes, 380)
        self.assertEqual(row.adherence, 90.5)
        self.assertEqual(row.late_start_minutes, 10)
        self.assertEqual(row.early_leave_minutes, 30)
        self.assertFalse(row.absent)

    def test_it_does_not_call_an_early_leave_before_the_shift_ends(self):
        [row] = self.rows(now=at(17, 10))
        self.assertIsNone(row.early_leave_minutes)
        self.assertEqual(row.logged_in_minutes, 390)

    def test_it_gives_one_row_per_day_and_an_empty_day_no_adherence(self):
        rows = self.rows(now=at(20, day=DAY + timedelta(days=1)), end=DAY + timedelta(days=1))
        self.assertEqual([row.day for row in rows], [DAY, DAY + timedelta(days=1)])
        empty = rows[1]
        self.assertEqual(
            (empty.scheduled_minutes, empty.logged_in_minutes, empty.clocked_minutes), (0, 0, 0)
        )
        self.assertIsNone(empty.adherence)
        self.assertIsNone(empty.late_start_minutes)

    def test_it_clips_periods_at_local_midnight_and_counts_open_ones_until_now(self):
        night = make_user("night", "teleconseiller", territory=self.t93, plateau=self.saint_denis)
        set_agent_status(
            agent=night.agent, status=Agent.Status.READY, now=at(23, day=DAY - timedelta(days=1))
        )
        set_agent_status(agent=night.agent, status=Agent.Status.OFFLINE, now=at(1))
        set_agent_status(agent=night.agent, status=Agent.Status.ON_CALL, now=at(9))
        clock_in(agent=night.agent, now=at(22, day=DAY - timedelta(days=1)))
        [row] = self.rows(now=at(10), users=[night])
        self.assertEqual(row.logged_in_minutes, 60 + 60)
        self.assertEqual(row.active_minutes, 120)
        self.assertEqual(row.clocked_minutes, 10 * 60)  # from midnight to now, the entry still open

    def test_it_marks_a_scheduled_agent_who_never_logged_in_absent(self):
        agent = self.zoe.agent
        assign_shift(
            agent=agent,
            plateau=self.reunion,
            day=DAY,
            starts_at=time(9),
            ends_at=time(12),
            by=self.root,
        )
        [row] = self.rows(now=at(20), users=[self.zoe])
        self.assertTrue(row.absent)
        self.assertEqual(row.adherence, 0.0)
        self.assertEqual(row.scheduled_minutes, 180)

    def test_it_caps_adherence_at_100_percent(self):
        # Logged in all day, breaks included: no more than 100 %.
        keen = make_user("keen", "teleconseiller", territory=self.t93, plateau=self.saint_denis)
        Contract.objects.create(agent=keen.agent, kind=Contract.Kind.CDI, start_on=DAY)
        assign_shift(
            agent=keen.agent,
            plateau=self.saint_denis,
            day=DAY,
            starts_at=time(9),
            ends_at=time(17),
            break_minutes=60,
            by=self.carol,
        )
        set_agent_status(agent=keen.agent, status=Agent.Status.READY, now=at(8))
        set_agent_status(agent=keen.agent, status=Agent.Status.OFFLINE, now=at(18))
        [row] = self.rows(now=at(20), users=[keen])
        self.assertEqual(row.in_schedule_minutes, 480)
        self.assertEqual(row.adherence, 100.0)
        self.assertEqual((row.late_start_minutes, row.early_leave_minutes), (0, 0))

    def test_it_reads_a_constant_number_of_queries(self):
        for n in range(5):
            make_user(f"extra{n}", "teleconseiller", territory=self.t93, plateau=self.saint_denis)
        agents = list(
            Agent.objects.filter(plateau=self.saint_denis).select_related("user", "territory")
        )
        with self.assertNumQueries(3):
            rows = adherence_rows(agents=agents, start=DAY - timedelta(days=6), end=DAY, now=at(20))
        self.assertEqual(len(rows), len(agents) * 7)


class AdherenceEdgeTests(RotaTestCase):
    def rows(self, user, *, now: datetime, day: date):
        agents = Agent.objects.filter(user=user).select_related("user", "territory")
        return adherence_rows(agents=agents, start=day, end=day, now=now)

    def test_a_quick_login_before_the_shift_does_not_hide_a_late_start(self):
        # Shift 09:00–13:00; logged in 08:30–08:35, then from 10:00: 60 minutes late.
        agent = self.alice.agent
        assign_shift(
            agent=agent,
            plateau=self.saint_denis,
            day=DAY,
            starts_at=time(9),
            ends_at=time(13),
            by=self.carol,
        )
        set_agent_status(agent=agent, status=Agent.Status.READY, now=at(8, 30))
        set_agent_status(agent=agent, status=Agent.Status.OFFLINE, now=at(8, 35))
        set_agent_status(agent=agent, status=Agent.Status.READY, now=at(10))
        set_agent_status(agent=agent, status=Agent.Status.OFFLINE, now=at(13))
        [row] = self.rows(self.alice, now=at(20), day=DAY)
        self.assertEqual(row.late_start_minutes, 60)
        self.assertEqual(row.in_schedule_minutes, 180)

    def test_a_day_of_a_clock_change_has_its_own_length(self):
        # 29 March 2026: Paris springs forward, the local day lasts 23 hours.
        spring = date(2026, 3, 29)
        agent = self.alice.agent
        set_agent_status(
            agent=agent, status=Agent.Status.READY, now=at(20, day=spring - timedelta(days=1))
        )
        set_agent_status(
            agent=agent, status=Agent.Status.OFFLINE, now=at(1, day=spring + timedelta(days=1))
        )
        [row] = self.rows(self.alice, now=at(12, day=spring + timedelta(days=1)), day=spring)
        self.assertEqual(row.logged_in_minutes, 23 * 60)

    def test_a_forgotten_clock_out_counts_until_the_shift_ended_not_all_night(self):
        agent = self.alice.agent
        assign_shift(
            agent=agent,
            plateau=self.saint_denis,
            day=DAY,
            starts_at=time(9),
            ends_at=time(17),
            by=self.carol,
        )
        clock_in(agent=agent, now=at(8, 55))
        next_day = DAY + timedelta(days=1)
        [row] = self.rows(self.alice, now=at(9, day=next_day), day=DAY)
        self.assertEqual(row.clocked_minutes, 8 * 60 + 5)  # 08:55 to the shift's end at 17:00
        [following] = self.rows(self.alice, now=at(9, day=next_day), day=next_day)
        self.assertEqual(following.clocked_minutes, 0)

        # The next morning's clock-in closes the forgotten entry at the shift's end.
        clock_in(agent=agent, now=at(8, 50, day=next_day))
        closed = ClockEntry.objects.filter(agent=agent).order_by("clocked_in_at").first()
        self.assertEqual(closed.clocked_out_at, at(17))
        self.assertEqual(
            ClockEntry.objects.filter(agent=agent, clocked_out_at__isnull=True).count(), 1
        )
