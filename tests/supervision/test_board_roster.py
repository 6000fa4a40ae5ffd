"""The board against the rota: rostered agents who are not logged in show as absent, with their
shift's start; logged-in agents with no shift running show as off the rota."""

from datetime import timedelta

from django.test import override_settings
from django.urls import reverse

from agents.models import Agent
from supervision.services.board import compute_snapshot, refresh_boards
from tests.supervision.test_board import T0, BoardTestCase, M
from workforce.models.rota import Shift

BOARD = reverse("supervision:plateau")
NATIONAL = reverse("supervision:national")
Status = Agent.Status


class BoardRosterTests(BoardTestCase):
    def shift(self, user, *, starts_at, hours: int = 7) -> Shift:
        return Shift.objects.create(
            agent=user.agent,
            plateau=self.saint_denis,
            day=starts_at.date(),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
        )

    def rows(self, now, territory=None) -> dict:
        snapshot = compute_snapshot(territory=territory or self.t93, now=now)
        return {r["username"]: r for r in snapshot["rows"]}

    def test_a_rostered_agent_who_never_logged_in_shows_as_absent_with_the_shift_start(self):
        self.shift(self.anna, starts_at=T0)
        rows = self.rows(T0 + 30 * M)
        self.assertEqual(rows["anna"]["status"], Status.OFFLINE)
        self.assertEqual(rows["anna"]["roster"], "absent")
        self.assertEqual(rows["anna"]["shift_starts_at"], T0)

    def test_an_agent_whose_shift_has_not_started_or_has_ended_is_not_absent(self):
        self.shift(self.anna, starts_at=T0 + 60 * M)
        self.shift(self.sidi, starts_at=T0 - timedelta(hours=8))
        rows = self.rows(T0 + 30 * M)
        self.assertNotIn("anna", rows)
        self.assertNotIn("sidi", rows)

    def test_a_logged_in_agent_with_no_shift_now_is_off_the_rota_where_the_floor_keeps_one(self):
        self.shift(self.anna, starts_at=T0)
        self.set_status(self.anna, Status.READY, T0)
        self.set_status(self.alice, Status.READY, T0)
        rows = self.rows(T0 + 30 * M)
        self.assertEqual(rows["anna"]["roster"], "")
        self.assertEqual(rows["alice"]["roster"], "off_rota")

    def test_nobody_is_off_the_rota_where_no_shift_is_planned_today(self):
        self.set_status(self.alice, Status.READY, T0)
        self.assertEqual(self.rows(T0 + 30 * M)["alice"]["roster"], "")

    def test_an_agent_whose_account_was_closed_is_not_shown_absent(self):
        self.shift(self.anna, starts_at=T0)
        self.anna.is_active = False
        self.anna.save(update_fields=["is_active"])
        self.assertNotIn("anna", self.rows(T0 + 30 * M))

    def test_a_cancelled_shift_does_not_make_anyone_absent(self):
        shift = self.shift(self.anna, starts_at=T0)
        Shift.objects.filter(pk=shift.pk).update(
            cancelled_at=T0 - timedelta(days=1), cancellation_reason="contract_end"
        )
        self.assertNotIn("anna", self.rows(T0 + 30 * M))

    def test_another_territorys_rota_stays_there(self):
        self.shift(self.anna, starts_at=T0)
        self.assertEqual(self.rows(T0 + 30 * M, territory=self.t75), {})

    @override_settings(SUPERVISION_ROSTER_SOURCE="")
    def test_without_a_roster_source_the_board_is_as_before(self):
        self.shift(self.anna, starts_at=T0)
        self.assertNotIn("anna", self.rows(T0 + 30 * M))

    def test_the_supervisor_sees_the_absent_agent_and_can_filter_them(self):
        self.shift(self.anna, starts_at=T0)
        self.set_status(self.alice, Status.READY, T0)
        refresh_boards(now=T0 + 30 * M)
        self.client.force_login(self.bob)
        page = self.client.get(BOARD)
        self.assertContains(page, 'data-agent="anna" data-status="offline" data-roster="absent"')
        self.assertContains(page, 'data-testid="roster-absent"')
        self.assertEqual(page.context["board"].status_counts["absent"], 1)
        only_absent = self.client.get(BOARD, {"status": "absent"})
        self.assertEqual([r["username"] for r in only_absent.context["board"].rows], ["anna"])

    def test_the_national_overview_counts_the_absent(self):
        self.shift(self.anna, starts_at=T0)
        refresh_boards(now=T0 + 30 * M)
        self.client.force_login(self.root)
        totals = self.client.get(NATIONAL).context["totals"]
        self.assertEqual({t.territory["code"]: t.absent for t in totals}["93"], 1)
