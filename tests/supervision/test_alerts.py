"""Alerts: raised once by the board's job while their condition lasts, cleared when it ends,
acknowledged by a supervisor with a note; the badge on every supervisor page."""

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse

from agents.models import Agent
from supervision.models import Alert, SupervisorAction
from supervision.services.alerts import sync_alerts
from supervision.services.board import refresh_boards
from tests.supervision.test_board import HEARTBEAT_QUERY, T0, THRESHOLDS, BoardTestCase, M, S

Status = Agent.Status
Kind = Alert.Kind
ALERTS = reverse("supervision:alerts")


@override_settings(SUPERVISION_THRESHOLDS=THRESHOLDS)
class AlertRaisingTests(BoardTestCase):
    def alerts(self, user):
        return list(
            Alert.objects.filter(agent=user.agent)
            .order_by("pk")
            .values_list("kind", "raised_at", "cleared_at")
        )

    def test_it_raises_an_alert_once_while_the_condition_lasts(self):
        self.set_status(self.alice, Status.READY, T0)
        refresh_boards(now=T0 + 5 * M)
        self.assertEqual(self.alerts(self.alice), [])
        refresh_boards(now=T0 + 5 * M + S)
        refresh_boards(now=T0 + 6 * M)
        refresh_boards(now=T0 + 6 * M)
        self.assertEqual(self.alerts(self.alice), [(Kind.IDLE, T0 + 5 * M + S, None)])

    def test_it_clears_an_alert_when_the_condition_ends_and_raises_a_new_one_next_time(self):
        self.set_status(self.alice, Status.READY, T0)
        refresh_boards(now=T0 + 6 * M)
        self.set_status(self.alice, Status.PAUSED, T0 + 7 * M, reason="pause")
        refresh_boards(now=T0 + 8 * M)
        refresh_boards(now=T0 + 9 * M)
        self.assertEqual(self.alerts(self.alice), [(Kind.IDLE, T0 + 6 * M, T0 + 8 * M)])
        # A short break may last 15 minutes.
        refresh_boards(now=T0 + 23 * M)
        self.set_status(self.alice, Status.READY, T0 + 24 * M)
        refresh_boards(now=T0 + 30 * M)
        self.assertEqual(
            self.alerts(self.alice),
            [
                (Kind.IDLE, T0 + 6 * M, T0 + 8 * M),
                (Kind.LONG_PAUSE, T0 + 23 * M, T0 + 30 * M),
                (Kind.IDLE, T0 + 30 * M, None),
            ],
        )

    def test_it_clears_the_alerts_of_an_agent_who_logs_off(self):
        self.set_status(self.alice, Status.READY, T0)
        refresh_boards(now=T0 + 31 * M)
        self.assertEqual(
            {kind for kind, _r, _c in self.alerts(self.alice)}, {Kind.IDLE, Kind.NO_CALL}
        )
        self.set_status(self.alice, Status.OFFLINE, T0 + 32 * M)
        refresh_boards(now=T0 + 33 * M)
        self.assertFalse(Alert.objects.open().exists())

    def test_it_is_idempotent_and_the_database_holds_one_open_alert_per_agent_and_kind(self):
        conditions = {(self.alice.agent.pk, Kind.IDLE), (self.anna.agent.pk, Kind.NO_CALL)}
        self.assertEqual(sync_alerts(conditions=conditions, now=T0), (2, 0))
        self.assertEqual(sync_alerts(conditions=conditions, now=T0 + M), (0, 0))
        self.assertEqual(sync_alerts(conditions=set(), now=T0 + 2 * M), (0, 2))
        self.assertEqual(sync_alerts(conditions=set(), now=T0 + 3 * M), (0, 0))
        Alert.objects.create(agent=self.alice.agent, kind=Kind.IDLE, raised_at=T0)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Alert.objects.create(agent=self.alice.agent, kind=Kind.IDLE, raised_at=T0 + M)

    def test_its_queries_do_not_grow_with_the_agents_and_alerts(self):
        self.set_status(self.alice, Status.READY, T0)
        refresh_boards(now=T0 + 6 * M)
        # One idle alert cleared, one raised.
        self.set_status(self.alice, Status.PAUSED, T0 + 7 * M, reason="pause")
        self.set_status(self.anna, Status.READY, T0 + 7 * M)
        # Territories; the snapshots of the three: the roster, the agents of each time zone (two),
        # the languages, the calls held; then open alerts, clear, raise, alert counts,
        # undelivered SMS counts.
        with self.assertNumQueries(1 + 5 + 5 + 2):
            refresh_boards(now=T0 + 13 * M)
        # One cleared, three raised.
        self.set_status(self.anna, Status.PAUSED, T0 + 14 * M, reason="pause")
        for user in (self.alice, self.sidi, self.bob):
            self.set_status(user, Status.READY, T0 + 14 * M)
        with self.assertNumQueries(1 + 5 + 5 + 2):
            refresh_boards(now=T0 + 20 * M)
        self.assertEqual(Alert.objects.open().count(), 3)


class AlertPageTests(BoardTestCase):
    def setUp(self):
        super().setUp()
        self.set_status(self.alice, Status.READY, T0)
        self.set_status(self.zoe, Status.READY, T0)
        self.set_status(self.anna, Status.READY, T0 + 5 * M)
        # Ten minutes: alice and zoe idle; then anna too.
        refresh_boards(now=T0 + 10 * M)
        self.alert = Alert.objects.get(agent=self.alice.agent)
        refresh_boards(now=T0 + 11 * M)
        self.newest = Alert.objects.get(agent=self.anna.agent)

    def test_it_sends_anonymous_users_to_the_login_page(self):
        for response in (
            self.client.get(ALERTS),
            self.client.post(reverse("supervision:acknowledge-alert", args=[self.alert.pk])),
        ):
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_a_teleconseiller(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(ALERTS).status_code, 403)
        self.assertEqual(
            self.client.post(
                reverse("supervision:acknowledge-alert", args=[self.alert.pk])
            ).status_code,
            403,
        )

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(ALERTS).status_code, 405)
        self.assertEqual(
            self.client.get(
                reverse("supervision:acknowledge-alert", args=[self.alert.pk])
            ).status_code,
            405,
        )

    def test_it_lists_the_open_alerts_of_the_territory_newest_first(self):
        self.client.force_login(self.bob)
        response = self.client.get(ALERTS)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["alerts"], [self.newest, self.alert])
        self.assertContains(response, f'data-alert-id="{self.alert.pk}"')
        self.assertNotContains(response, 'data-agent="zoe"')

    def test_it_shows_nothing_of_93_to_a_supervisor_of_75(self):
        self.client.force_login(self.erin)
        response = self.client.get(ALERTS)
        self.assertEqual(response.context["alerts"], [])
        self.assertNotContains(response, "alice")
        response = self.client.post(
            reverse("supervision:acknowledge-alert", args=[self.alert.pk]), {"note": "x"}
        )
        self.assertEqual(response.status_code, 404)
        self.alert.refresh_from_db()
        self.assertIsNone(self.alert.acknowledged_at)

    def test_a_supervisor_acknowledges_an_alert_with_a_note(self):
        self.client.force_login(self.bob)
        url = reverse("supervision:acknowledge-alert", args=[self.alert.pk])
        response = self.client.post(url, {"note": "Called her: headset broken"})
        self.assertRedirects(response, ALERTS)
        self.alert.refresh_from_db()
        self.assertEqual(
            (self.alert.acknowledged_by, self.alert.note), (self.bob, "Called her: headset broken")
        )
        self.assertIsNotNone(self.alert.acknowledged_at)
        action = SupervisorAction.objects.get()
        self.assertEqual(
            (action.kind, action.actor, action.agent, action.territory, action.note),
            (
                SupervisorAction.Kind.ACKNOWLEDGE_ALERT,
                self.bob,
                self.alice.agent,
                self.t93,
                "Called her: headset broken",
            ),
        )
        # Acknowledged twice: nothing more.
        self.client.post(url, {"note": "again"})
        self.assertEqual(SupervisorAction.objects.count(), 1)
        self.alert.refresh_from_db()
        self.assertEqual(self.alert.note, "Called her: headset broken")
        self.assertContains(self.client.get(ALERTS), 'data-testid="acknowledged"')

    def test_the_badge_counts_the_open_alerts_nobody_acknowledged(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(reverse("agents:home")).context["open_alert_count"], 2)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("supervision:acknowledge-alert", args=[self.alert.pk]), {"note": ""}
            )
        response = self.client.get(reverse("supervision:escalations"))
        self.assertEqual(response.context["open_alert_count"], 1)
        self.assertContains(
            response, '<span class="badge badge--alert" data-testid="alert-badge"', count=1
        )
        # Per territory: 75 has none, the superuser sees every territory's.
        self.client.force_login(self.erin)
        self.assertEqual(self.client.get(ALERTS).context["open_alert_count"], 0)
        self.client.force_login(self.root)
        self.assertEqual(self.client.get(ALERTS).context["open_alert_count"], 2)
        # A téléconseiller has no badge.
        self.client.force_login(self.alice)
        self.assertNotIn("open_alert_count", self.client.get(reverse("agents:home")).context)

    def test_the_badge_costs_no_query(self):
        self.client.force_login(self.bob)
        home = reverse("agents:home")
        self.client.get(home)
        with self.assertNumQueries(5) as captured:
            # Session, user, roles, and the header's agent and territory.
            self.client.get(home)
        self.assertFalse([q for q in captured.captured_queries if "supervision_alert" in q["sql"]])
        cache.clear()
        # The emptied cache no longer has the jobs' heartbeat: its row is read once.
        with self.assertNumQueries(5 + HEARTBEAT_QUERY):
            self.assertIsNone(self.client.get(home).context["open_alert_count"])
        with self.assertNumQueries(5):
            self.client.get(home)

    def test_its_query_count_does_not_grow_with_the_alerts(self):
        self.client.force_login(self.bob)
        # Session, user, roles, territory, the alerts with their agents, and the header's agent and
        # territory.
        with self.assertNumQueries(7):
            self.client.get(ALERTS)
        self.set_status(self.sidi, Status.READY, T0 + 11 * M)
        refresh_boards(now=T0 + 40 * M)
        self.assertEqual(Alert.objects.open().filter(agent__territory=self.t93).count(), 5)
        with self.assertNumQueries(7):
            self.client.get(ALERTS)
