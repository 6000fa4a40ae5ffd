"""The plateau board's pages: access, scoping, filters and sorting, time zones, query counts; the
national overview."""

from datetime import timedelta

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from agents import roles
from agents.models import Agent, AgentDay, Plateau, Team, Territory
from agents.services.staff import set_agent_status
from calls.models import CallAttempt
from supervision.services.board import refresh_boards
from tests.base import make_user
from tests.supervision.test_board import HEARTBEAT_QUERY, T0, THRESHOLDS, BoardTestCase, M, S

Status = Agent.Status
BOARD = reverse("supervision:plateau")
ROWS = reverse("supervision:board-rows")
NATIONAL = reverse("supervision:national")
# Session, user, roles, territory (id, then row), the supervisor's plateau, language names, pause
# reasons, and the header's territory; the rows come from the cache.
BOARD_QUERIES = 9
# On a cache miss, the territory's snapshot too: agents with their day, languages, calls held,
# who is rostered now.
SNAPSHOT_QUERIES = 4
# The snapshots of several territories at once: the same, with a query for the agents per time
# zone (the personas' territories are in two: Paris and La Réunion).
SNAPSHOTS_QUERIES = 3 + 2
# The chart of calls per hour (issue 13), once a minute per territory: on a cache miss.
CHART_QUERIES = 1


class BoardPageTestCase(BoardTestCase):
    """alice (Saint-Denis, team A) after one call, yann (Stains, team B) at lunch, paul of 75
    ready."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.stains = Plateau.objects.create(territory=cls.t93, name="Stains")
        cls.team_b = Team.objects.create(plateau=cls.stains, name="Équipe B")
        cls.yann = make_user(
            "yann",
            roles.TELECONSEILLER,
            territory=cls.t93,
            languages=("fr", "ar"),
            plateau=cls.stains,
            team=cls.team_b,
        )
        cls.paul = make_user(
            "paul",
            roles.TELECONSEILLER,
            territory=cls.t75,
            languages=("fr",),
            plateau=cls.paris_plateau,
        )

    def setUp(self):
        super().setUp()
        self.make_task()
        self.set_status(self.alice, Status.READY, T0)
        self.call(
            self.alice,
            at=T0 + M,
            outcome=CallAttempt.Outcome.REACHED,
            connected_after=10 * S,
            ended_after=3 * M,
        )
        self.set_status(self.yann, Status.PAUSED, T0, reason="dejeuner")
        self.set_status(self.paul, Status.READY, T0)
        self.now = T0 + 10 * M
        refresh_boards(now=self.now)

    def usernames(self, response) -> list[str]:
        return [row["username"] for row in response.context["board"].rows]


class BoardPageTests(BoardPageTestCase):
    def test_it_sends_anonymous_users_to_the_login_page(self):
        for url in (BOARD, ROWS, NATIONAL):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_a_teleconseiller_and_a_lab_feed(self):
        for user in (self.alice, self.labfeed):
            self.client.force_login(user)
            for url in (BOARD, ROWS, NATIONAL):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.carol)
        for url in (BOARD, ROWS, NATIONAL):
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url).status_code, 405)

    def test_it_shows_a_supervisor_their_plateau_by_default(self):
        self.client.force_login(self.bob)
        response = self.client.get(BOARD)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.usernames(response), ["alice"])
        self.assertContains(response, 'data-agent="alice"')
        self.assertNotContains(response, 'data-agent="yann"')
        # And every plateau of the territory on request.
        self.assertEqual(self.usernames(self.client.get(BOARD, {"plateau": ""})), ["alice", "yann"])
        self.assertEqual(
            self.usernames(self.client.get(BOARD, {"plateau": self.stains.pk})), ["yann"]
        )

    def test_it_shows_the_figures_of_the_snapshot(self):
        self.client.force_login(self.bob)
        response = self.client.get(BOARD)
        row = response.context["board"].rows[0]
        self.assertEqual(
            (row["calls"], row["reached"], row["talk_seconds"], row["status"]),
            (1, 1, 170, Status.WRAP_UP),
        )
        self.assertEqual(
            (row["talk_time"], row["status_time"], row["logged_in_time"]), ("2:50", "6:00", "10:00")
        )
        self.assertContains(response, '<td class="num" data-testid="calls-today">1</td>', html=True)
        # The snapshot's time, in the territory's zone (10:10 in Paris).
        self.assertContains(response, "10:10:00")
        # Each row's actions submit the one form outside the polled part, with its pause reason.
        self.assertContains(response, '<form id="board-actions" method="post"')
        pause = reverse("supervision:pause-agent", args=[self.alice.agent.pk])
        self.assertContains(response, f'form="board-actions" formaction="{pause}"')

    def test_it_shows_the_calls_not_marked_with_the_talk_time_and_sorts_on_them(self):
        AgentDay.objects.filter(agent=self.alice.agent).update(talk_not_marked=2)
        refresh_boards(now=self.now)
        self.client.force_login(self.carol)
        response = self.client.get(BOARD)
        self.assertEqual(response.context["board"].rows[0]["talk_not_marked"], 2)
        # Beside the talk time, among the columns shown on demand, its header saying what it is.
        self.assertContains(
            response,
            '<td class="num col-more" data-testid="talk-time">2:50</td>'
            '<td class="num col-more" data-testid="talk-not-marked">2</td>',
        )
        self.assertContains(response, 'data-testid="talk-not-marked">0</td>')  # yann
        self.assertContains(
            response,
            gettext(
                "Calls with a conversation recorded without « Answered »: their talk time is "
                "not counted."
            ),
        )
        self.assertEqual(
            self.usernames(self.client.get(BOARD, {"sort": "-not_marked"})), ["alice", "yann"]
        )
        self.assertEqual(
            self.usernames(self.client.get(BOARD, {"sort": "not_marked"})), ["yann", "alice"]
        )

    def test_a_cpam_admin_sees_the_whole_territory(self):
        self.client.force_login(self.carol)
        self.assertEqual(self.usernames(self.client.get(BOARD)), ["alice", "yann"])

    def test_it_filters_by_team_language_status_and_flag(self):
        self.client.force_login(self.carol)
        cases = [
            ({"team": self.team_b.pk}, ["yann"]),
            ({"team": self.team_a.pk}, ["alice"]),
            ({"language": "ar"}, ["yann"]),
            ({"language": "tr"}, ["alice"]),
            ({"status": "paused"}, ["yann"]),
            ({"status": "ready"}, []),
            # Alice is six minutes into the wrap-up of a reached notification (limit: 5).
            ({"flag": "any"}, ["alice"]),
            ({"flag": "long_wrap_up"}, ["alice"]),
            ({"flag": "idle"}, []),
            ({"status": "nonsense", "team": "x"}, ["alice", "yann"]),
        ]
        for query, expected in cases:
            with self.subTest(query=query):
                self.assertEqual(self.usernames(self.client.get(BOARD, query)), expected)

    @override_settings(SUPERVISION_THRESHOLDS={**THRESHOLDS, "ready_alert": 120})
    def test_it_filters_by_flag(self):
        set_agent_status(agent=self.alice.agent, status=Status.READY, now=self.now)
        refresh_boards(now=self.now + 3 * M)
        self.client.force_login(self.carol)
        self.assertEqual(self.usernames(self.client.get(BOARD, {"flag": "idle"})), ["alice"])
        self.assertEqual(self.usernames(self.client.get(BOARD, {"flag": "any"})), ["alice"])
        self.assertEqual(self.usernames(self.client.get(BOARD, {"flag": "long_pause"})), [])
        response = self.client.get(BOARD)
        self.assertContains(response, 'data-colour="ready_alert"')
        self.assertContains(response, 'data-flag="idle"')

    def test_it_sorts_on_the_server(self):
        self.client.force_login(self.carol)
        self.assertEqual(
            self.usernames(self.client.get(BOARD, {"sort": "-calls"})), ["alice", "yann"]
        )
        self.assertEqual(
            self.usernames(self.client.get(BOARD, {"sort": "calls"})), ["yann", "alice"]
        )
        self.assertEqual(
            self.usernames(self.client.get(BOARD, {"sort": "-time"})), ["yann", "alice"]
        )
        # No call yet: no handle time, listed last whatever the order.
        self.assertEqual(self.usernames(self.client.get(BOARD, {"sort": "aht"})), ["alice", "yann"])
        self.assertEqual(
            self.usernames(self.client.get(BOARD, {"sort": "-aht"})), ["alice", "yann"]
        )
        self.assertEqual(
            self.usernames(self.client.get(BOARD, {"sort": "bogus"})), ["alice", "yann"]
        )

    def test_its_live_part_polls_the_rows_with_the_same_filters(self):
        self.client.force_login(self.carol)
        response = self.client.get(BOARD, {"team": self.team_b.pk})
        self.assertContains(response, f'hx-get="{ROWS}?team={self.team_b.pk}"')
        self.assertContains(response, 'hx-trigger="board-refresh"')
        self.assertContains(response, 'data-poll-seconds="5"')
        self.assertContains(response, "js/board.js")
        rows = self.client.get(ROWS, {"team": self.team_b.pk})
        self.assertEqual(rows.status_code, 200)
        self.assertTemplateUsed(rows, "supervision/_board_rows.html")
        self.assertTemplateNotUsed(rows, "base.html")
        self.assertContains(rows, 'data-agent="yann"')
        self.assertNotContains(rows, 'data-agent="alice"')

    def test_it_shows_nothing_of_93_to_a_supervisor_of_75(self):
        self.client.force_login(self.erin)
        for url in (BOARD, ROWS):
            with self.subTest(url=url):
                response = self.client.get(url, {"plateau": ""})
                self.assertEqual(self.usernames(response), ["paul"])
                self.assertNotContains(response, "alice")
                self.assertNotContains(response, "yann")
                # Naming the other territory is as good as naming none that exists.
                self.assertEqual(self.client.get(url, {"territory": "93"}).status_code, 404)

    def test_a_superuser_chooses_the_territory_and_sees_its_time_zone(self):
        set_agent_status(agent=self.zoe.agent, status=Status.READY, now=T0)
        refresh_boards(now=self.now)
        self.client.force_login(self.root)
        response = self.client.get(BOARD, {"territory": "974"})
        self.assertEqual(self.usernames(response), ["zoe"])
        self.assertEqual(len(response.context["territories"]), 3)
        # Ready since 09:00 UTC: 13:00 in La Réunion; the snapshot at 13:10.
        self.assertContains(response, "13:00")
        self.assertContains(response, "13:10:00")
        self.assertEqual(
            self.usernames(self.client.get(BOARD, {"territory": "93"})), ["alice", "yann"]
        )

    def test_it_computes_a_missing_snapshot_on_demand(self):
        cache.clear()
        set_agent_status(
            agent=self.anna.agent, status=Status.READY, now=timezone.now() - timedelta(minutes=2)
        )
        self.client.force_login(self.bob)
        response = self.client.get(ROWS)
        # alice's wrap-up lasts since T0; anna has been ready for two minutes now.
        self.assertEqual(self.usernames(response), ["alice", "anna"])
        self.assertAlmostEqual(
            response.context["board"].computed_at, timezone.now(), delta=timedelta(seconds=5)
        )
        self.assertAlmostEqual(response.context["board"].rows[1]["status_seconds"], 120, delta=5)

    def test_its_query_count_does_not_grow_with_the_agents(self):
        self.client.force_login(self.bob)
        created = 0
        for count in (3, 30):
            with self.subTest(agents=count):
                # bob's plateau: alice and the agents created here.
                while created < count - 1:
                    user = make_user(
                        f"agent{created}",
                        roles.TELECONSEILLER,
                        territory=self.t93,
                        plateau=self.saint_denis,
                    )
                    set_agent_status(agent=user.agent, status=Status.READY, now=T0)
                    created += 1
                cache.clear()
                refresh_boards(now=self.now)
                with self.assertNumQueries(BOARD_QUERIES + CHART_QUERIES + HEARTBEAT_QUERY):
                    response = self.client.get(BOARD)
                # The chart is cached for a minute.
                with self.assertNumQueries(BOARD_QUERIES):
                    self.client.get(BOARD)
                self.assertEqual(len(self.usernames(response)), count)
                # The partial has neither the header nor the pause reasons.
                with self.assertNumQueries(BOARD_QUERIES - 2):
                    self.client.get(ROWS)
                cache.clear()
                with self.assertNumQueries(
                    BOARD_QUERIES + SNAPSHOT_QUERIES + CHART_QUERIES + HEARTBEAT_QUERY
                ):
                    self.client.get(BOARD)


class NationalOverviewTests(BoardPageTestCase):
    def test_it_sums_each_territory_for_the_superuser(self):
        self.client.force_login(self.root)
        response = self.client.get(NATIONAL)
        self.assertEqual(response.status_code, 200)
        totals = {t.territory["code"]: t for t in response.context["totals"]}
        self.assertEqual(list(totals), ["75", "93", "974"])
        self.assertEqual((totals["93"].agents, totals["93"].calls, totals["93"].reached), (2, 1, 1))
        self.assertEqual(
            (totals["93"].by_status["wrap_up"], totals["93"].by_status["paused"]), (1, 1)
        )
        self.assertEqual(
            (totals["75"].agents, totals["75"].by_status["ready"], totals["75"].flagged), (1, 1, 1)
        )
        # Alice, in 93, is past her wrap-up's limit (issue 14).
        self.assertEqual(totals["93"].flagged, 1)
        grand = response.context["grand"]
        self.assertEqual((grand.agents, grand.calls, grand.flagged), (3, 1, 2))
        self.assertContains(response, 'data-territory="974"')

    def test_a_cpam_admin_sees_their_own_territory_only(self):
        for user, code in ((self.carol, "93"), (self.dave, "75")):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                response = self.client.get(NATIONAL)
                self.assertEqual([t.territory["code"] for t in response.context["totals"]], [code])
                self.assertNotContains(response, "grand-total")

    def test_it_refuses_a_supervisor(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(NATIONAL).status_code, 403)

    def test_its_query_count_does_not_grow_with_the_territories(self):
        self.client.force_login(self.root)
        # Session, user, the territories and the header's agent profile; the totals come from the
        # cache.
        with self.assertNumQueries(4):
            self.client.get(NATIONAL)
        # Before the periodic job runs, the territories' snapshots are computed (and cached) at
        # once, in queries that do not grow with them.
        cache.clear()
        with self.assertNumQueries(4 + SNAPSHOTS_QUERIES + HEARTBEAT_QUERY):
            response = self.client.get(NATIONAL)
        self.assertEqual([t.agents for t in response.context["totals"]], [1, 2, 0])
        with self.assertNumQueries(4):
            self.client.get(NATIONAL)
        # Three more territories (in the same time zones), with agents: the same queries.
        for code, zone in (
            ("01", "Europe/Paris"),
            ("02", "Europe/Paris"),
            ("976", "Indian/Mayotte"),
        ):
            territory = Territory.objects.create(code=code, name=code, timezone=zone)
            user = make_user(f"agent{code}", roles.TELECONSEILLER, territory=territory)
            set_agent_status(agent=user.agent, status=Status.READY, now=self.now)
        refresh_boards(now=self.now)
        with self.assertNumQueries(4):
            response = self.client.get(NATIONAL)
        self.assertEqual(len(response.context["totals"]), 6)
        cache.clear()
        # Mayotte is a third time zone: one more agents query, and no more.
        with self.assertNumQueries(4 + SNAPSHOTS_QUERIES + 1 + HEARTBEAT_QUERY):
            self.client.get(NATIONAL)
