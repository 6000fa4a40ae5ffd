"""A contract that ends, early on the page or by its date through the sweep, cancels the agent's
shifts after its last day: kept as history, struck out on the rota, and nobody pays, counts or
expects them (payroll, staffing, adherence, my week, the shifts API)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.urls import reverse

from tests.workforce.test_payroll import read_csv
from tests.workforce.test_rota_services import RotaTestCase
from workforce.exceptions import ContractAlreadyRenewed, RotaChangedSincePreview, ShiftCancelled
from workforce.models.contracts import Contract
from workforce.models.rota import Shift
from workforce.selectors.adherence import adherence_rows, plateau_agents
from workforce.selectors.payroll import payroll_rows, payroll_totals
from workforce.selectors.rota import my_week, plateau_week
from workforce.selectors.staffing import staffing_table
from workforce.services import contracts as services
from workforce.services.rota import assign_shift, remove_shift

# alice's CDD runs from 1 October 2026 to 31 March 2027; she resigns with Tuesday 6 October
# her last day.
LAST_DAY = date(2026, 10, 6)
MONDAY = date(2026, 10, 5)
SUNDAY = date(2026, 10, 11)
NEXT_MONDAY = date(2026, 10, 12)
# The morning after her last day, in Paris.
DAY_AFTER = datetime(2026, 10, 7, 8, 0, tzinfo=UTC)


class ContractEndShiftsTestCase(RotaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.contract = Contract.objects.get(agent=cls.alice.agent)

        def shift(day: date, start: time = time(9), end: time = time(17), pause: int = 60):
            return assign_shift(
                agent=cls.alice.agent,
                plateau=cls.saint_denis,
                day=day,
                starts_at=start,
                ends_at=end,
                break_minutes=pause,
                by=cls.carol,
            )

        # 7 h a day: Monday and Tuesday worked, then a Sunday (paid with its premium) and a Monday
        # after her last day.
        cls.monday = shift(MONDAY)
        cls.tuesday = shift(LAST_DAY)
        cls.sunday = shift(SUNDAY)
        cls.next_monday = shift(NEXT_MONDAY)

    def scheduled(self) -> list[Shift]:
        return list(Shift.objects.scheduled().filter(agent=self.alice.agent).order_by("day"))


class EndContractCancelsShiftsTests(ContractEndShiftsTestCase):
    def test_it_cancels_the_shifts_after_the_last_day_and_keeps_them(self):
        now = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
        ended = services.end_contract(
            contract=self.contract, end_on=LAST_DAY, by=self.carol, now=now
        )
        self.assertEqual((ended.contract.end_on, ended.contract.ended_early_at), (LAST_DAY, now))
        self.assertEqual(
            [shift.pk for shift in ended.cancelled_shifts], [self.sunday.pk, self.next_monday.pk]
        )
        self.assertEqual([shift.day for shift in self.scheduled()], [MONDAY, LAST_DAY])
        # Nothing deleted: the rows say when, why and who.
        for shift in (self.sunday, self.next_monday):
            shift.refresh_from_db()
            self.assertEqual(
                (shift.cancelled_at, shift.cancellation_reason, shift.cancelled_by),
                (now, Shift.CancellationReason.CONTRACT_END, self.carol),
            )
        self.assertEqual(Shift.objects.filter(agent=self.alice.agent).count(), 4)

    def test_it_writes_nothing_when_the_rota_changed_since_the_preview(self):
        seen = [self.sunday.pk]  # the admin saw the list before next Monday's shift was added
        with self.assertRaises(RotaChangedSincePreview):
            services.end_contract(contract=self.contract, end_on=LAST_DAY, expected_shift_ids=seen)
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.end_on, date(2027, 3, 31))
        self.assertEqual(len(self.scheduled()), 4)
        services.end_contract(
            contract=self.contract,
            end_on=LAST_DAY,
            expected_shift_ids=[self.sunday.pk, self.next_monday.pk],
        )
        self.assertEqual(len(self.scheduled()), 2)

    def test_a_refused_end_cancels_nothing(self):
        services.renew_contract(contract=self.contract, months=3)
        with self.assertRaises(ContractAlreadyRenewed):
            services.end_contract(contract=self.contract, end_on=LAST_DAY)
        self.assertEqual(len(self.scheduled()), 4)

    def test_a_cancelled_shift_frees_its_time_and_stays_as_history(self):
        services.end_contract(contract=self.contract, end_on=LAST_DAY)
        with self.assertRaises(ShiftCancelled):
            remove_shift(shift=self.sunday)
        self.assertTrue(Shift.objects.filter(pk=self.sunday.pk).exists())
        # Hired again from that Monday: the same hours can be put on the rota again.
        services.add_contract(
            agent=self.alice.agent,
            kind=Contract.Kind.CDD,
            start_on=NEXT_MONDAY,
            end_on=date(2026, 12, 31),
        )
        again = assign_shift(
            agent=self.alice.agent,
            plateau=self.saint_denis,
            day=NEXT_MONDAY,
            starts_at=time(9),
            ends_at=time(17),
        )
        self.assertIsNone(again.cancelled_at)


class EndSweepCancelsShiftsTests(ContractEndShiftsTestCase):
    def shorten_by_hand(self) -> None:
        # The end moved in the Django admin, which knows nothing of the rota: the sweep catches up.
        Contract.objects.filter(pk=self.contract.pk).update(end_on=LAST_DAY)

    def test_the_sweep_cancels_the_shifts_after_an_end_on_time_once(self):
        self.shorten_by_hand()
        self.assertEqual(services.end_expired_contracts(now=DAY_AFTER), 1)
        self.assertEqual([shift.day for shift in self.scheduled()], [MONDAY, LAST_DAY])
        self.sunday.refresh_from_db()
        self.assertEqual(
            (self.sunday.cancelled_at, self.sunday.cancelled_by, self.sunday.cancellation_reason),
            (DAY_AFTER, None, Shift.CancellationReason.CONTRACT_END),
        )
        self.alice.refresh_from_db()
        self.assertFalse(self.alice.is_active)
        # A second run finds nothing to do and leaves the first one's stamps.
        self.assertEqual(services.end_expired_contracts(now=DAY_AFTER + timedelta(minutes=1)), 0)
        self.sunday.refresh_from_db()
        self.assertEqual(self.sunday.cancelled_at, DAY_AFTER)

    def test_the_sweep_after_an_early_end_has_nothing_left_to_cancel(self):
        early = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
        services.end_contract(contract=self.contract, end_on=LAST_DAY, now=early)
        services.end_expired_contracts(now=DAY_AFTER)
        self.sunday.refresh_from_db()
        self.assertEqual(self.sunday.cancelled_at, early)

    def test_it_keeps_the_shifts_another_contract_covers(self):
        self.shorten_by_hand()
        # Back on a new contract from the Monday after: that shift stays, the Sunday goes.
        Contract.objects.create(
            agent=self.alice.agent,
            kind=Contract.Kind.CDD,
            start_on=NEXT_MONDAY,
            end_on=date(2026, 12, 31),
        )
        services.end_expired_contracts(now=DAY_AFTER)
        self.assertEqual([shift.day for shift in self.scheduled()], [MONDAY, LAST_DAY, NEXT_MONDAY])


class CancelledShiftsCountForNothingTests(ContractEndShiftsTestCase):
    def test_payroll_pays_nothing_after_the_last_day(self):
        start, end = date(2026, 10, 1), date(2026, 10, 31)
        before = payroll_totals(
            payroll_rows(territory=self.t93, start=start, end=end, now=DAY_AFTER)
        )
        # 4 shifts of 7 h, the Sunday with its premium: what the departed agent was paid before.
        self.assertEqual((before.base_minutes, before.sunday_minutes), (28 * 60, 7 * 60))
        services.end_contract(contract=self.contract, end_on=LAST_DAY)
        rows = payroll_rows(territory=self.t93, start=start, end=end, now=DAY_AFTER)
        self.assertEqual([row.day for row in rows], [MONDAY, LAST_DAY])
        totals = payroll_totals(rows)
        self.assertEqual(
            (totals.base_minutes, totals.sunday_minutes, totals.premium_minutes),
            (14 * 60, 0, 0),
        )
        # 14 h at the national base of a staff member (12.02 €/h), no premium.
        self.assertEqual(totals.total_amount, Decimal("168.28"))

        self.client.force_login(self.carol)
        response = self.client.get(reverse("workforce:payroll-export"), {"month": "2026-10"})
        _header, *lines = read_csv(response)
        self.assertEqual([line[5] for line in lines], ["2026-10-05", "2026-10-06"])

    def test_payroll_ignores_shifts_after_an_end_the_sweep_has_not_reached(self):
        Contract.objects.filter(pk=self.contract.pk).update(end_on=LAST_DAY)
        rows = payroll_rows(
            territory=self.t93, start=date(2026, 10, 1), end=date(2026, 10, 31), now=DAY_AFTER
        )
        self.assertEqual([row.day for row in rows], [MONDAY, LAST_DAY])

    def test_staffing_counts_nobody_on_the_rota_after_the_last_day(self):
        def scheduled(table, day):
            row = next(row for row in table.rows if row.language.code == "fr")
            return next(cell for cell in row.cells if cell.day == day).scheduled

        table = staffing_table(territory=self.t93, start=MONDAY, days=8)
        self.assertEqual([scheduled(table, day) for day in (LAST_DAY, NEXT_MONDAY)], [1, 1])
        services.end_contract(contract=self.contract, end_on=LAST_DAY)
        table = staffing_table(territory=self.t93, start=MONDAY, days=8)
        self.assertEqual(
            [scheduled(table, day) for day in (MONDAY, LAST_DAY, SUNDAY, NEXT_MONDAY)],
            [1, 1, 0, 0],
        )
        self.assertEqual(table.totals[-1].scheduled, 0)
        self.assertEqual(table.totals[-1].gap_rota, -table.totals[-1].agents_needed)

    def test_adherence_neither_expects_nor_lists_the_departed_agent(self):
        def rows(day):
            agents = plateau_agents(plateau=self.saint_denis, day=day)
            return adherence_rows(
                agents=agents, start=day, end=day, now=datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
            )

        [before] = [row for row in rows(NEXT_MONDAY) if row.agent == self.alice.agent]
        self.assertTrue(before.absent)
        services.end_contract(contract=self.contract, end_on=LAST_DAY)
        [after] = [row for row in rows(NEXT_MONDAY) if row.agent == self.alice.agent]
        self.assertEqual((after.shifts, after.scheduled_minutes, after.absent), ([], 0, False))
        self.assertIsNone(after.adherence)
        # Once her account is closed, she is off the page for the days after; her last days stay.
        services.end_expired_contracts(now=DAY_AFTER)
        self.assertNotIn(self.alice.agent, [row.agent for row in rows(NEXT_MONDAY)])
        self.assertIn(self.alice.agent, [row.agent for row in rows(LAST_DAY)])

    def test_my_week_hides_them_and_the_rota_strikes_them_out(self):
        services.end_contract(contract=self.contract, end_on=LAST_DAY)
        week = my_week(agent=self.alice.agent, week_start=MONDAY)
        self.assertEqual([shift.day for shift in week.shifts], [MONDAY, LAST_DAY])
        self.assertEqual(week.scheduled_minutes, 14 * 60)

        grid = plateau_week(plateau=self.saint_denis, week_start=MONDAY)
        [row] = [row for row in grid.rows if row.agent == self.alice.agent]
        self.assertEqual(row.scheduled_minutes, 14 * 60)
        self.assertEqual([shift.cancelled for shift in row.cells[6]], [True])
        self.client.force_login(self.carol)
        response = self.client.get(
            reverse("workforce:plateau-rota", args=[self.saint_denis.pk]),
            {"week": MONDAY.isoformat()},
        )
        self.assertContains(response, 'data-testid="rota-shift-cancelled"', count=1)
        self.assertContains(response, 'data-testid="rota-shift"', count=2)
        self.assertNotContains(response, reverse("workforce:shift-remove", args=[self.sunday.pk]))

    def test_the_shifts_api_lists_only_the_shifts_still_scheduled(self):
        services.end_contract(contract=self.contract, end_on=LAST_DAY)
        self.client.force_login(self.carol)
        response = self.client.get(
            reverse("api:shifts"), {"from": MONDAY.isoformat(), "to": NEXT_MONDAY.isoformat()}
        )
        self.assertEqual(
            [shift["day"] for shift in response.json()], [MONDAY.isoformat(), LAST_DAY.isoformat()]
        )
        response = self.client.delete(reverse("api:shift", args=[self.sunday.pk]))
        self.assertEqual((response.status_code, response.json()["code"]), (409, "shift_cancelled"))


class EndContractPageTests(ContractEndShiftsTestCase):
    def url(self, contract=None) -> str:
        return reverse("workforce:contract-end", args=[(contract or self.contract).pk])

    def test_it_shows_the_shifts_to_cancel_before_anything_is_written(self):
        self.client.force_login(self.carol)
        response = self.client.get(self.url(), {"end_on": LAST_DAY.isoformat()})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [shift.pk for shift in response.context["shifts"]],
            [self.sunday.pk, self.next_monday.pk],
        )
        self.assertContains(response, 'data-testid="shift-to-cancel"', count=2)
        self.assertContains(response, f'name="shift" value="{self.sunday.pk}"')
        self.assertEqual(response.context["deactivated_on"], LAST_DAY + timedelta(days=1))
        # A POST that was not confirmed from the preview shows it too.
        response = self.client.post(self.url(), {"end_on": LAST_DAY.isoformat()})
        self.assertEqual(len(response.context["shifts"]), 2)
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.end_on, date(2027, 3, 31))
        self.assertEqual(len(self.scheduled()), 4)

    def test_it_ends_the_contract_and_cancels_the_shifts_on_confirmation(self):
        self.client.force_login(self.carol)
        confirm = {
            "end_on": LAST_DAY.isoformat(),
            "previewed": "1",
            "shift": [self.sunday.pk, self.next_monday.pk],
        }
        response = self.client.post(self.url(), confirm)
        self.assertRedirects(
            response, reverse("workforce:agent-contracts", args=[self.alice.agent.pk])
        )
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.end_on, LAST_DAY)
        self.assertEqual([shift.day for shift in self.scheduled()], [MONDAY, LAST_DAY])
        self.sunday.refresh_from_db()
        self.assertEqual(self.sunday.cancelled_by, self.carol)
        # The contract ended and renewed no more: the page sends back to the contracts.
        response = self.client.get(self.url(), {"end_on": MONDAY.isoformat()})
        self.assertEqual(response.status_code, 200)
        services.renew_contract(contract=self.contract, months=3)
        response = self.client.get(self.url())
        self.assertRedirects(
            response, reverse("workforce:agent-contracts", args=[self.alice.agent.pk])
        )

    def test_it_shows_the_new_list_when_the_rota_changed_since_the_preview(self):
        self.client.force_login(self.carol)
        stale = {"end_on": LAST_DAY.isoformat(), "previewed": "1", "shift": [self.sunday.pk]}
        response = self.client.post(self.url(), stale)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(len(response.context["shifts"]), 2)
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.end_on, date(2027, 3, 31))
        self.assertEqual(len(self.scheduled()), 4)

    def test_it_says_when_there_is_nothing_to_cancel(self):
        self.client.force_login(self.carol)
        response = self.client.get(self.url(), {"end_on": "2026-12-31"})
        self.assertEqual(list(response.context["shifts"]), [])
        self.assertContains(response, 'data-testid="no-shift-to-cancel"')
        response = self.client.post(self.url(), {"end_on": "2026-12-31", "previewed": "1"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(self.scheduled()), 4)

    def test_its_query_count_does_not_grow_with_the_shifts(self):
        self.client.force_login(self.carol)
        query = {"end_on": MONDAY.isoformat()}
        self.client.get(self.url(), query)
        # Session, user, roles, territory, the contract, the shifts, the header's agent and
        # territory.
        with self.assertNumQueries(8):
            self.client.get(self.url(), query)
        for offset in range(1, 5):
            assign_shift(
                agent=self.alice.agent,
                plateau=self.saint_denis,
                day=NEXT_MONDAY + timedelta(days=offset),
                starts_at=time(9),
                ends_at=time(12),
            )
        with self.assertNumQueries(8):
            response = self.client.get(self.url(), query)
        self.assertEqual(len(response.context["shifts"]), 7)
