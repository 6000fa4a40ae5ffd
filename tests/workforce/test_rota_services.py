from datetime import UTC, date, datetime, time, timedelta

from agents.exceptions import InvalidOpeningHours
from agents.models import Agent, OpeningHours, Plateau, Territory
from agents.services.opening_hours import save_opening_hours, set_opening_hours
from tests.base import PersonasTestCase, make_user
from workforce.exceptions import (
    AlreadyClockedIn,
    FloorClosed,
    InvalidShift,
    InvalidShiftPattern,
    NotClockedIn,
    PatternNotApplied,
    ShiftOutsideContract,
    ShiftOutsideOpeningHours,
    ShiftOverlap,
    ShiftRefused,
)
from workforce.models.contracts import Contract
from workforce.models.rota import ClockEntry, Shift, ShiftPattern
from workforce.selectors.rota import shift_minutes
from workforce.services.rota import (
    apply_pattern_to_week,
    assign_shift,
    clock_in,
    clock_out,
    delete_shift_pattern,
    remove_shift,
    save_shift_pattern,
)

MONDAY = date(2026, 10, 5)  # inside alice's contract (2026-10-01 → 2027-03-31)


def open_every_day(
    *territories: Territory, opens: time = time(8, 30), closes: time = time(17, 30)
) -> None:
    """Give test territories the opening hours create_territory gives real ones."""
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(territory=t, weekday=day, opens_at=opens, closes_at=closes)
            for t in territories
            for day in range(8)
        ],
        ignore_conflicts=True,
    )


class RotaTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        open_every_day(cls.t93, cls.t75, cls.t974)
        cls.reunion = Plateau.objects.create(territory=cls.t974, name="Saint-Denis de La Réunion")
        Contract.objects.create(
            agent=cls.zoe.agent, kind=Contract.Kind.CDI, start_on=date(2026, 1, 1)
        )

    def assign(self, agent=None, day=MONDAY, start=time(9), end=time(13), **kwargs) -> Shift:
        return assign_shift(
            agent=agent or self.alice.agent,
            plateau=kwargs.pop("plateau", self.saint_denis),
            day=day,
            starts_at=start,
            ends_at=end,
            by=self.carol,
            **kwargs,
        )


class AssignShiftTests(RotaTestCase):
    def test_it_stores_local_times_as_aware_instants(self):
        shift = self.assign(start=time(9), end=time(17), break_minutes=60)
        shift.refresh_from_db()
        self.assertEqual(shift.starts_at, datetime(2026, 10, 5, 7, 0, tzinfo=UTC))  # CEST, UTC+2
        self.assertEqual(shift.ends_at, datetime(2026, 10, 5, 15, 0, tzinfo=UTC))
        self.assertEqual(shift.day, MONDAY)
        self.assertEqual(shift.created_by, self.carol)
        self.assertEqual(shift_minutes(shift), 7 * 60)

    def test_it_follows_the_clock_change_week(self):
        # Summer time ends on Sunday 25 October 2026 at 03:00 in Paris.
        saturday = self.assign(day=date(2026, 10, 24), start=time(9), end=time(17))
        sunday = self.assign(day=date(2026, 10, 25), start=time(9), end=time(17))
        saturday.refresh_from_db()
        sunday.refresh_from_db()
        self.assertEqual(saturday.starts_at, datetime(2026, 10, 24, 7, 0, tzinfo=UTC))
        self.assertEqual(sunday.starts_at, datetime(2026, 10, 25, 8, 0, tzinfo=UTC))
        self.assertEqual(shift_minutes(saturday), 480)
        self.assertEqual(shift_minutes(sunday), 480)

    def test_it_uses_the_time_zone_of_la_reunion(self):
        shift = self.assign(
            agent=self.zoe.agent,
            plateau=self.reunion,
            day=date(2026, 12, 21),
            start=time(9),
            end=time(12),
        )
        shift.refresh_from_db()
        self.assertEqual(
            shift.starts_at, datetime(2026, 12, 21, 5, 0, tzinfo=UTC)
        )  # UTC+4, no summer time

    def test_it_refuses_an_overlapping_shift(self):
        self.assign(start=time(9), end=time(13))
        with self.assertRaises(ShiftOverlap):
            self.assign(start=time(12), end=time(15))
        with self.assertRaises(ShiftOverlap):
            self.assign(start=time(8, 30), end=time(17, 30))
        self.assertEqual(Shift.objects.count(), 1)
        # Back to back is not an overlap.
        self.assign(start=time(13), end=time(17))
        self.assertEqual(Shift.objects.count(), 2)

    def test_it_refuses_a_shift_outside_the_contract(self):
        with self.assertRaises(ShiftOutsideContract):
            self.assign(day=date(2026, 9, 30))
        with self.assertRaises(ShiftOutsideContract):
            self.assign(day=date(2027, 4, 1))
        self.assertFalse(Shift.objects.exists())
        self.assign(day=date(2026, 10, 1))
        self.assign(day=date(2027, 3, 31))

    def test_it_lets_a_provider_work_without_contract(self):
        temp = make_user(
            "temp",
            "teleconseiller",
            territory=self.t93,
            employer=Agent.Employer.PROVIDER,
            provider_name="Acme",
        )
        self.assign(agent=temp.agent)
        self.assertEqual(Shift.objects.filter(agent=temp.agent).count(), 1)

    def test_it_refuses_a_shift_outside_the_opening_hours(self):
        for start, end in ((time(8), time(12)), (time(14), time(18)), (time(7), time(19))):
            with self.subTest(start=start, end=end), self.assertRaises(ShiftOutsideOpeningHours):
                self.assign(start=start, end=end)
        self.assertFalse(Shift.objects.exists())
        self.assign(start=time(8, 30), end=time(17, 30))

    def test_it_refuses_a_shift_on_a_closed_day(self):
        set_opening_hours(territory=self.t93, weekday=6, opens_at=None, closes_at=None)
        with self.assertRaises(FloorClosed):
            self.assign(day=date(2026, 10, 11))  # a Sunday
        self.assertFalse(Shift.objects.exists())

    def test_it_uses_the_public_holiday_hours_on_a_public_holiday(self):
        armistice = date(2026, 11, 11)  # a Wednesday, open as a weekday
        set_opening_hours(
            territory=self.t93,
            weekday=OpeningHours.PUBLIC_HOLIDAY,
            opens_at=time(10),
            closes_at=time(14),
        )
        with self.assertRaises(ShiftOutsideOpeningHours):
            self.assign(day=armistice, start=time(9), end=time(12))
        self.assign(day=armistice, start=time(10), end=time(14))
        set_opening_hours(
            territory=self.t93, weekday=OpeningHours.PUBLIC_HOLIDAY, opens_at=None, closes_at=None
        )
        with self.assertRaises(FloorClosed):
            self.assign(day=date(2026, 12, 25), start=time(10), end=time(12))
        self.assertEqual(Shift.objects.count(), 1)

    def test_it_knows_the_public_holidays_of_la_reunion(self):
        set_opening_hours(
            territory=self.t974, weekday=OpeningHours.PUBLIC_HOLIDAY, opens_at=None, closes_at=None
        )
        # 20 December (abolition of slavery) is a holiday in La Réunion only; 2026-12-20 is a
        # Sunday.
        with self.assertRaises(FloorClosed):
            self.assign(agent=self.zoe.agent, plateau=self.reunion, day=date(2026, 12, 20))
        set_opening_hours(
            territory=self.t93, weekday=OpeningHours.PUBLIC_HOLIDAY, opens_at=None, closes_at=None
        )
        self.assign(day=date(2026, 12, 20))

    def test_it_refuses_wrong_times(self):
        with self.assertRaises(InvalidShift):
            self.assign(start=time(13), end=time(9))
        with self.assertRaises(InvalidShift):
            self.assign(start=time(9), end=time(9))
        with self.assertRaises(InvalidShift):
            self.assign(start=time(9), end=time(10), break_minutes=60)
        self.assertFalse(Shift.objects.exists())

    def test_it_refuses_a_plateau_of_another_territory_and_a_deactivated_account(self):
        with self.assertRaises(ShiftRefused):
            self.assign(plateau=self.paris_plateau)
        self.alice.is_active = False
        self.alice.save(update_fields=["is_active"])
        with self.assertRaises(ShiftRefused):
            self.assign()
        self.assertFalse(Shift.objects.exists())

    def test_it_removes_a_shift(self):
        shift = self.assign()
        remove_shift(shift=shift)
        self.assertFalse(Shift.objects.exists())


class ApplyPatternTests(RotaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.morning = save_shift_pattern(
            territory=cls.t93,
            name="Matin",
            starts_at=time(9),
            ends_at=time(12, 30),
            break_minutes=0,
        )

    def apply(self, days=(0, 1, 2, 3, 4), week_start=MONDAY, pattern=None):
        return apply_pattern_to_week(
            agent=self.alice.agent,
            plateau=self.saint_denis,
            week_start=week_start,
            pattern=pattern or self.morning,
            days=list(days),
            by=self.carol,
        )

    def test_it_puts_the_pattern_on_every_day_asked(self):
        shifts = self.apply()
        self.assertEqual(len(shifts), 5)
        rows = list(Shift.objects.order_by("day"))
        self.assertEqual([s.day for s in rows], [MONDAY + timedelta(days=n) for n in range(5)])
        self.assertTrue(all(s.pattern == self.morning for s in rows))
        self.assertEqual(rows[0].starts_at, datetime(2026, 10, 5, 7, 0, tzinfo=UTC))

    def test_it_accepts_any_day_of_the_week_as_its_start(self):
        self.apply(days=[0], week_start=MONDAY + timedelta(days=3))
        self.assertEqual(Shift.objects.get().day, MONDAY)

    def test_it_writes_nothing_when_one_day_refuses(self):
        self.assign(day=MONDAY + timedelta(days=2), start=time(10), end=time(11))
        set_opening_hours(territory=self.t93, weekday=4, opens_at=None, closes_at=None)
        with self.assertRaises(PatternNotApplied) as refusal:
            self.apply()
        self.assertEqual(
            [day for day, _reason in refusal.exception.refused],
            [date(2026, 10, 7), date(2026, 10, 9)],
        )
        self.assertEqual(Shift.objects.count(), 1)

    def test_it_refuses_days_outside_the_contract(self):
        with self.assertRaises(PatternNotApplied) as refusal:
            self.apply(week_start=date(2026, 9, 28))  # the contract starts on Thursday 1 October
        self.assertEqual(
            [day for day, _reason in refusal.exception.refused],
            [date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30)],
        )
        self.assertFalse(Shift.objects.exists())

    def test_it_refuses_a_pattern_of_another_territory(self):
        paris = save_shift_pattern(
            territory=self.t75, name="Matin", starts_at=time(9), ends_at=time(12)
        )
        with self.assertRaises(ShiftRefused):
            self.apply(pattern=paris)
        self.assertFalse(Shift.objects.exists())


class OpeningHoursAndPatternTests(RotaTestCase):
    def test_it_sets_and_closes_a_day(self):
        hours = set_opening_hours(
            territory=self.t93, weekday=5, opens_at=time(9), closes_at=time(12)
        )
        self.assertEqual((hours.opens_at, hours.closes_at), (time(9), time(12)))
        self.assertIsNone(
            set_opening_hours(territory=self.t93, weekday=5, opens_at=None, closes_at=None)
        )
        self.assertFalse(OpeningHours.objects.filter(territory=self.t93, weekday=5).exists())

    def test_it_refuses_hours_that_close_before_they_open_and_saves_nothing(self):
        with self.assertRaises(InvalidOpeningHours):
            save_opening_hours(
                territory=self.t93, hours={0: (time(8), time(18)), 1: (time(12), time(9))}
            )
        self.assertEqual(
            OpeningHours.objects.get(territory=self.t93, weekday=0).closes_at, time(17, 30)
        )

    def test_it_refuses_a_pattern_name_taken_and_a_wrong_pattern(self):
        pattern = save_shift_pattern(
            territory=self.t93, name="Matin", starts_at=time(9), ends_at=time(12)
        )
        with self.assertRaises(InvalidShiftPattern):
            save_shift_pattern(
                territory=self.t93, name="Matin", starts_at=time(13), ends_at=time(17)
            )
        with self.assertRaises(InvalidShiftPattern):
            save_shift_pattern(
                territory=self.t93, name="Soir", starts_at=time(17), ends_at=time(13)
            )
        with self.assertRaises(InvalidShiftPattern):
            save_shift_pattern(
                territory=self.t93,
                name="Soir",
                starts_at=time(13),
                ends_at=time(14),
                break_minutes=60,
            )
        save_shift_pattern(territory=self.t75, name="Matin", starts_at=time(9), ends_at=time(12))
        self.assertEqual(ShiftPattern.objects.count(), 2)
        delete_shift_pattern(pattern=pattern)
        self.assertEqual(ShiftPattern.objects.filter(territory=self.t93).count(), 0)

    def test_it_keeps_the_shifts_of_a_deleted_pattern(self):
        pattern = save_shift_pattern(
            territory=self.t93, name="Matin", starts_at=time(9), ends_at=time(12)
        )
        shift = self.assign(start=time(9), end=time(12), pattern=pattern)
        delete_shift_pattern(pattern=pattern)
        shift.refresh_from_db()
        self.assertIsNone(shift.pattern)


class ClockTests(RotaTestCase):
    NOW = datetime(2026, 10, 5, 7, 0, tzinfo=UTC)

    def test_it_clocks_in_and_out(self):
        entry = clock_in(agent=self.alice.agent, now=self.NOW)
        self.assertIsNone(entry.clocked_out_at)
        clock_out(agent=self.alice.agent, now=self.NOW + timedelta(hours=8))
        entry.refresh_from_db()
        self.assertEqual(entry.clocked_out_at, self.NOW + timedelta(hours=8))

    def test_it_refuses_a_second_clock_in(self):
        clock_in(agent=self.alice.agent, now=self.NOW)
        with self.assertRaises(AlreadyClockedIn):
            clock_in(agent=self.alice.agent, now=self.NOW + timedelta(minutes=5))
        self.assertEqual(ClockEntry.objects.count(), 1)

    def test_it_refuses_a_clock_out_without_clock_in(self):
        with self.assertRaises(NotClockedIn):
            clock_out(agent=self.alice.agent, now=self.NOW)
        clock_in(agent=self.alice.agent, now=self.NOW)
        clock_out(agent=self.alice.agent, now=self.NOW + timedelta(hours=1))
        with self.assertRaises(NotClockedIn):
            clock_out(agent=self.alice.agent, now=self.NOW + timedelta(hours=2))
        self.assertEqual(ClockEntry.objects.get().clocked_out_at, self.NOW + timedelta(hours=1))
