import csv
import io
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from agents import roles
from agents.models import Agent, AgentDay, PauseReason, Team
from agents.services.pauses import decide_pause_over_cap
from agents.services.staff import set_agent_status
from calls.services.dispatch import claim_next_task
from calls.services.outcomes import mark_connected, mark_dialled, record_outcome
from intake.services import register_index_case
from supervision.models import SlaDay
from tests.base import PersonasTestCase, contact, make_user, person

SLA_URL = reverse("supervision:sla-report")
SLA_CSV_URL = reverse("supervision:sla-report-csv")
PRODUCTIVITY_URL = reverse("supervision:productivity-report")
PRODUCTIVITY_CSV_URL = reverse("supervision:productivity-report-csv")
ALL_URLS = (SLA_URL, SLA_CSV_URL, PRODUCTIVITY_URL, PRODUCTIVITY_CSV_URL)

DAY = date(2026, 1, 15)
T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)  # 10:00 in Paris
M = timedelta(minutes=1)
S = timedelta(seconds=1)
RANGE = {"start": "2026-01-14", "end": "2026-01-15"}


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


class ReportsAccessTests(PersonasTestCase):
    def test_it_sends_anonymous_users_to_the_login_page(self):
        for url in ALL_URLS:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_a_teleconseiller_and_a_lab_feed(self):
        for user in (self.alice, self.labfeed):
            self.client.force_login(user)
            for url in ALL_URLS:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.bob)
        for url in ALL_URLS:
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url).status_code, 405)

    def test_it_answers_a_bad_date_range_with_a_form_error(self):
        self.client.force_login(self.bob)
        bad_ranges = (
            {"start": "2026-01-15", "end": "2026-01-01"},
            {"start": "2026-02-30", "end": "2026-03-01"},
            {"start": "yesterday"},
            {"start": "2024-01-01", "end": "2026-01-01"},
        )
        for params in bad_ranges:
            for url in (SLA_URL, PRODUCTIVITY_URL):
                with self.subTest(url=url, params=params):
                    response = self.client.get(url, params)
                    self.assertEqual(response.status_code, 200)
                    self.assertTrue(response.context["form"].errors)
                    self.assertNotIn("report", response.context)
                    self.assertContains(response, "errorlist")
            for url in (SLA_CSV_URL, PRODUCTIVITY_CSV_URL):
                with self.subTest(url=url, params=params):
                    self.assertEqual(self.client.get(url, params).status_code, 400)

    def test_it_refuses_a_team_of_another_territory(self):
        other_team = Team.objects.create(plateau=self.paris_plateau, name="Équipe Paris")
        self.client.force_login(self.bob)
        response = self.client.get(PRODUCTIVITY_URL, {"team": other_team.pk})
        self.assertIn("team", response.context["form"].errors)
        self.assertEqual(
            self.client.get(PRODUCTIVITY_CSV_URL, {"team": other_team.pk}).status_code, 400
        )

    def test_it_ignores_a_territory_named_by_anyone_but_a_superuser(self):
        SlaDay.objects.create(
            territory=self.t93, day=timezone.localdate(), index_due=3, computed_at=timezone.now()
        )
        self.client.force_login(self.erin)
        response = self.client.get(SLA_URL, {"territory": "93"})
        self.assertEqual(response.context["report"].rows, [])
        self.assertNotIn("territory", response.context["form"].fields)


class SlaReportTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        rows = [
            (cls.t93, DAY, 10, 7, 2, 4, 3, 3600),
            (cls.t93, DAY - timedelta(days=1), 5, 5, 0, 0, 0, 1800),
            (cls.t93, DAY - timedelta(days=2), 9, 0, 0, 1, 0, None),  # outside the range asked
            (cls.t75, DAY, 8, 1, 1, 2, 0, 7200),
        ]
        for territory, day, due, reached, notified, index_due, index_reached, median in rows:
            SlaDay.objects.create(
                territory=territory,
                day=day,
                contacts_due=due,
                contacts_reached_in_time=reached,
                contacts_notified_in_time=notified,
                index_due=index_due,
                index_reached_in_time=index_reached,
                first_attempt_median_seconds=median,
                computed_at=T0 + timedelta(days=1),
            )

    def test_it_shows_the_calls_reached_late_apart_from_those_in_time(self):
        SlaDay.objects.filter(territory=self.t93, day=DAY).update(
            contacts_reached_late=1, index_reached_late=1
        )
        self.client.force_login(self.bob)
        response = self.client.get(SLA_URL, RANGE)
        total = response.context["report"].total
        self.assertEqual((total.contacts_late, total.index_late), (1, 1))
        # Late reaches add nothing to the share in time.
        self.assertEqual(total.contacts_share, 93.3)
        self.assertContains(response, 'data-testid="reached-late">2<')
        self.assertEqual(response.context["late_hours"], settings.LATE_CALLABLE_HOURS)

    def test_it_shows_the_shares_reached_in_time_per_day(self):
        for user in (self.bob, self.carol):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                response = self.client.get(SLA_URL, RANGE)
                self.assertEqual(response.status_code, 200)
                report = response.context["report"]
                self.assertEqual(
                    [(row.day, row.territory.code) for row in report.rows],
                    [(DAY, "93"), (DAY - timedelta(days=1), "93")],
                )
                first = report.rows[0]
                self.assertEqual(
                    (first.contacts_in_time, first.contacts_share, first.index_share),
                    (9, 90.0, 75.0),
                )
                self.assertEqual(
                    (
                        report.total.contacts_due,
                        report.total.contacts_in_time,
                        report.total.index_share,
                    ),
                    (15, 14, 75.0),
                )
                self.assertEqual(report.total.contacts_share, 93.3)
                # The chart: one group per day, contacts and patients zéro; no patient zéro due the
                # 14th.
                chart = response.context["chart"]
                self.assertEqual(len(chart["groups"]), 2)
                self.assertEqual([len(group["bars"]) for group in chart["groups"]], [1, 2])
                self.assertEqual(chart["groups"][1]["bars"][0]["height"], f"{180 * 0.9:.1f}")
                self.assertContains(response, '<svg class="chart__svg"')
                self.assertNotContains(response, "style=")
                self.assertContains(response, "1:00:00")  # the median of the 15th
                self.assertContains(
                    response, f'href="{SLA_CSV_URL}?start=2026-01-14&amp;end=2026-01-15"'
                )

    def test_it_defaults_to_the_last_14_days(self):
        today = timezone.localdate()
        for offset in (0, 13, 14):
            SlaDay.objects.create(
                territory=self.t93,
                day=today - timedelta(days=offset),
                index_due=1,
                computed_at=timezone.now(),
            )
        self.client.force_login(self.bob)
        response = self.client.get(SLA_URL)
        self.assertEqual(
            [row.day for row in response.context["report"].rows],
            [today, today - timedelta(days=13)],
        )
        self.assertEqual(len(response.context["chart"]["groups"]), 14)
        self.assertEqual(
            response.context["form"]["start"].value(), (today - timedelta(days=13)).isoformat()
        )

    def test_it_shows_nothing_of_93_to_a_supervisor_of_75(self):
        self.client.force_login(self.erin)
        response = self.client.get(SLA_URL, RANGE)
        self.assertEqual(
            [(row.day, row.territory.code) for row in response.context["report"].rows],
            [(DAY, "75")],
        )
        self.assertEqual(response.context["report"].total.contacts_due, 8)
        rows = read_csv(self.client.get(SLA_CSV_URL, RANGE))
        self.assertEqual(len(rows), 2)
        # Due, reached, notified, missed (neither), share reached or notified.
        self.assertEqual(rows[1][:7], ["2026-01-15", "75", "8", "1", "1", "6", "25,0"])

    def test_it_exports_the_same_rows_as_csv(self):
        self.client.force_login(self.bob)
        response = self.client.get(SLA_CSV_URL, RANGE)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn(
            'attachment; filename="sla_2026-01-14_2026-01-15.csv"', response["Content-Disposition"]
        )
        rows = read_csv(response)
        self.assertEqual(len(rows[0]), 14)
        # Times in the territory's zone: computed at 09:00 UTC the 16th, 10:00 in Paris.
        self.assertEqual(
            rows[1],
            [
                "2026-01-15",
                "93",
                "10",
                "7",
                "2",
                "1",
                "90,0",
                "0",
                "4",
                "3",
                "75,0",
                "0",
                "1:00:00",
                "2026-01-16 10:00:00",
            ],
        )
        self.assertEqual(rows[2][:7], ["2026-01-14", "93", "5", "5", "0", "0", "100,0"])
        self.assertEqual(rows[2][10], "")  # no patient zéro due: no share
        self.assertEqual(len(rows), 3)

    def test_it_shows_every_territory_to_the_superuser_or_the_one_chosen(self):
        self.client.force_login(self.root)
        response = self.client.get(SLA_URL, RANGE)
        self.assertEqual(
            {row.territory.code for row in response.context["report"].rows}, {"93", "75"}
        )
        self.assertEqual(response.context["report"].total.contacts_due, 23)
        # Medians of several territories do not add up into a day's median.
        self.assertIsNone(response.context["report"].days[1].median_seconds)
        rows = read_csv(self.client.get(SLA_CSV_URL, {**RANGE, "territory": "75"}))
        self.assertEqual([row[1] for row in rows[1:]], ["75"])

    def test_its_query_count_does_not_grow_with_the_rows(self):
        self.client.force_login(self.bob)
        # Session, user, groups, the header's agent and territory (also today's date), the
        # user's territory (scoping) and the rows.
        with self.assertNumQueries(7):
            self.client.get(SLA_URL, {"start": "2025-12-01", "end": "2026-01-15"})
        for offset in range(3, 30):
            SlaDay.objects.create(
                territory=self.t93, day=DAY - timedelta(days=offset), index_due=1, computed_at=T0
            )
        with self.assertNumQueries(7):
            response = self.client.get(SLA_URL, {"start": "2025-12-01", "end": "2026-01-15"})
        self.assertEqual(len(response.context["report"].rows), 30)


class ProductivityReportTests(PersonasTestCase):
    """alice (93, team A) works a morning through the real services; frank (93, no team) and
    hugo (75) have days of their own."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.frank = make_user(
            "frank", roles.TELECONSEILLER, territory=cls.t93, plateau=cls.saint_denis
        )
        cls.hugo = make_user(
            "hugo", roles.TELECONSEILLER, territory=cls.t75, plateau=cls.paris_plateau
        )
        register_index_case(
            territory=cls.t93,
            person=person("Paul", "Martin", "0612345678"),
            sampled_at=T0 - timedelta(hours=1),
            source="form",
            now=T0 - timedelta(hours=1),
            contacts=[contact("Ana", "Silva", "0611111111"), contact("Rui", "Costa", "0622222222")],
        )
        agent = cls.alice.agent

        def status(status, at, reason=None):
            set_agent_status(
                agent=agent,
                status=status,
                now=at,
                pause_reason=PauseReason.objects.get(code=reason) if reason else None,
            )

        def call(at, outcome, *, connected_after=None, ended_after):
            assignment = claim_next_task(agent=agent, now=at)
            mark_dialled(assignment=assignment, agent=agent, phone=assignment.phone, now=at)
            if connected_after is not None:
                mark_connected(assignment=assignment, agent=agent, now=at + connected_after)
            record_outcome(
                assignment=assignment, agent=agent, outcome=outcome, now=at + ended_after
            )

        status(Agent.Status.READY, T0)  # 10:00
        call(
            T0 + 5 * M, "reached", connected_after=M, ended_after=11 * M
        )  # 10:05–10:16, 10 min of talk
        status(Agent.Status.READY, T0 + 18 * M)
        status(Agent.Status.PAUSED, T0 + 120 * M, "dejeuner")  # 12:00–13:00
        status(Agent.Status.READY, T0 + 180 * M)
        call(T0 + 185 * M, "no_answer", ended_after=M)  # 13:05–13:06
        call(
            T0 + 187 * M, "refused", connected_after=0 * M, ended_after=5 * S
        )  # 13:07, a 5-second call
        status(Agent.Status.PAUSED, T0 + 190 * M, "pause")  # 13:10–13:25
        status(Agent.Status.OFFLINE, T0 + 205 * M)
        AgentDay.objects.create(
            agent=cls.frank.agent, day=DAY, calls=4, reached=2, ready_seconds=3600
        )
        AgentDay.objects.create(
            agent=cls.hugo.agent, day=DAY, calls=40, reached=20, on_call_seconds=3600
        )

    def test_it_shows_each_agents_day_from_the_recorded_calls_and_statuses(self):
        self.client.force_login(self.bob)
        response = self.client.get(PRODUCTIVITY_URL, RANGE)
        self.assertEqual(response.status_code, 200)
        report = response.context["report"]
        rows = {row.agent.user.username: row for row in report.rows}
        self.assertEqual(set(rows), {"alice", "frank"})
        alice = rows["alice"]
        self.assertEqual(
            (alice.day, alice.calls, alice.reached, alice.short_calls, alice.talk_seconds),
            (DAY, 3, 1, 1, 605),
        )
        self.assertEqual(alice.paused_seconds, 75 * 60)
        self.assertEqual(alice.pauses, {"dejeuner": 3600, "pause": 900})
        self.assertEqual(
            [reason.code for reason in report.reasons], ["pause", "dejeuner"]
        )  # by label: Pause courte, Pause déjeuner
        day = AgentDay.objects.get(agent=self.alice.agent, day=DAY)
        logged_in = (
            day.ready_seconds + day.on_call_seconds + day.wrap_up_seconds + day.paused_seconds
        )
        self.assertEqual(logged_in, 205 * 60)
        self.assertEqual(alice.logged_in_seconds, 205 * 60)
        # Wrap-up past its limit is idle, not active (issue 14).
        self.assertGreater(day.wrap_up_over_seconds, 0)
        active = day.on_call_seconds + day.wrap_up_seconds - day.wrap_up_over_seconds
        self.assertEqual(alice.active_share, round(100 * active / logged_in, 1))
        # The chart: calls and reached per day of the range, both agents together.
        self.assertEqual(report.days, [(DAY - timedelta(days=1), 0, 0), (DAY, 7, 3)])
        self.assertContains(response, "0:10:05")  # alice's talk time
        self.assertNotContains(response, "style=")

    def test_it_filters_by_team(self):
        self.client.force_login(self.bob)
        response = self.client.get(PRODUCTIVITY_URL, {**RANGE, "team": self.team_a.pk})
        self.assertEqual(
            [row.agent.user.username for row in response.context["report"].rows], ["alice"]
        )
        rows = read_csv(self.client.get(PRODUCTIVITY_CSV_URL, {**RANGE, "team": self.team_a.pk}))
        self.assertEqual([row[2] for row in rows[1:]], ["alice"])

    def test_it_neutralises_names_that_a_spreadsheet_would_run(self):
        for name, first in (("-1", "@x"), ('=HYPERLINK("x")', "")):
            self.alice.first_name, self.alice.last_name = first, name
            self.alice.save(update_fields=["first_name", "last_name"])
            self.client.force_login(self.bob)
            _header, *rows = read_csv(self.client.get(PRODUCTIVITY_CSV_URL, RANGE))
            alice = next(row for row in rows if row[2] == "alice")
            self.assertTrue(alice[1].startswith("'"), alice[1])

    def test_it_gives_the_activity_rates_against_their_thresholds_on_page_and_csv(self):
        self.client.force_login(self.root)
        rows = {
            row.agent.user.username: row
            for row in self.client.get(PRODUCTIVITY_URL, RANGE).context["report"].rows
        }
        # Frank: an hour logged in, ready, four calls counted and no time on them.
        self.assertEqual(
            rows["frank"].rates,
            {"calls_per_active_hour": None, "on_call_share": 0, "low_rates": True},
        )
        # Hugo: forty calls in an hour on calls.
        self.assertEqual(
            rows["hugo"].rates,
            {"calls_per_active_hour": 40.0, "on_call_share": 100, "low_rates": False},
        )
        header, *lines = read_csv(self.client.get(PRODUCTIVITY_CSV_URL, RANGE))
        by_user = {line[2]: line for line in lines}
        # Calls per active hour, time on calls (%), under the thresholds; then first login and
        # last call.
        self.assertEqual(by_user["hugo"][-5:-2], ["40,0", "100", ""])
        self.assertEqual(by_user["frank"][-5:-2], ["", "0", "Oui"])
        alice = by_user["alice"]
        day = AgentDay.objects.get(agent=self.alice.agent, day=DAY)
        over = day.wrap_up_over_seconds
        self.assertEqual(
            alice[header.index(next(h for h in header if "limit" in h or "limite" in h))],
            f"0:{over // 60:02d}:{over % 60:02d}",
        )

    def test_a_pause_past_its_daily_cap_is_idle_unless_a_supervisor_confirmed_it(self):
        reunion = PauseReason.objects.get(code="reunion")  # capped at 60 minutes a day
        set_agent_status(
            agent=self.frank.agent, status=Agent.Status.PAUSED, now=T0, pause_reason=reunion
        )
        set_agent_status(agent=self.frank.agent, status=Agent.Status.READY, now=T0 + 100 * M)
        self.client.force_login(self.bob)

        def frank():
            rows = self.client.get(PRODUCTIVITY_URL, RANGE).context["report"].rows
            return next(row for row in rows if row.agent.user.username == "frank")

        self.assertEqual(frank().pause_over_cap_seconds, 40 * 60)
        # A refusal leaves it idle; a confirmation makes it a pause.
        for confirmed, expected in ((False, 40 * 60), (True, 0)):
            decide_pause_over_cap(
                agent=self.frank.agent,
                day=DAY,
                pause_reason=reunion,
                confirmed=confirmed,
                user=self.bob,
                note="",
                now=T0 + 101 * M,
            )
            self.assertEqual(frank().pause_over_cap_seconds, expected)
        # Alice's lunch has no cap.
        rows = self.client.get(PRODUCTIVITY_URL, RANGE).context["report"].rows
        alice = next(row for row in rows if row.agent.user.username == "alice")
        self.assertEqual(alice.pause_over_cap_seconds, 0)

    def test_it_shows_and_exports_the_calls_not_marked_beside_the_talk_time(self):
        # Frank recorded two conversations without « Answered »: calls, with no talk time.
        AgentDay.objects.filter(agent=self.frank.agent, day=DAY).update(talk_not_marked=2)
        self.client.force_login(self.bob)
        response = self.client.get(PRODUCTIVITY_URL, RANGE)
        rows = {row.agent.user.username: row for row in response.context["report"].rows}
        self.assertEqual((rows["frank"].talk_not_marked, rows["alice"].talk_not_marked), (2, 0))
        headers = [header for header, _numeric, _title in response.context["headers"]]
        column = headers.index(gettext("Talk time")) + 1
        self.assertEqual(headers[column], gettext("Calls not marked"))
        title = gettext(
            "Calls with a conversation recorded without « Answered »: their talk time is "
            "not counted."
        )
        self.assertContains(
            response,
            f'<th scope="col" class="num"><abbr title="{title}">{headers[column]}</abbr></th>',
            html=True,
        )
        frank = next(r for r in response.context["rows"] if r[2][0] == "frank")
        self.assertEqual(frank[column], ("2", True))

        header, *lines = read_csv(self.client.get(PRODUCTIVITY_CSV_URL, RANGE))
        self.assertEqual(header[column], gettext("Calls not marked"))
        by_user = {line[2]: line for line in lines}
        self.assertEqual((by_user["frank"][column], by_user["alice"][column]), ("2", "0"))

    def test_it_exports_the_same_rows_as_csv_in_the_territory_zone(self):
        self.client.force_login(self.bob)
        response = self.client.get(PRODUCTIVITY_CSV_URL, RANGE)
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            'filename="productivity_2026-01-14_2026-01-15.csv"', response["Content-Disposition"]
        )
        header, *rows = read_csv(response)
        self.assertEqual(len(rows), 2)
        alice = dict(zip(header, next(row for row in rows if row[2] == "alice"), strict=True))
        values = list(alice.values())
        self.assertEqual(
            values[:12],
            [
                "2026-01-15",
                "Alice Test",
                "alice",
                "93",
                "Équipe A",
                "3",
                "1",
                "1",
                "0:10:05",
                "0",  # calls not marked
                "0:05:55",
                "1:15:00",
            ],
        )
        self.assertEqual(values[12:14], ["0:15:00", "1:00:00"])  # pause by reason, by label
        self.assertEqual(values[14], "3:25:00")  # logged in
        # First login and last call, in Paris time.
        self.assertEqual(values[-2:], ["2026-01-15 10:00:00", "2026-01-15 13:07:05"])

    def test_it_shows_nothing_of_93_to_a_supervisor_of_75(self):
        self.client.force_login(self.erin)
        response = self.client.get(PRODUCTIVITY_URL, RANGE)
        self.assertEqual(
            [row.agent.user.username for row in response.context["report"].rows], ["hugo"]
        )
        self.assertEqual(response.context["report"].reasons, [])
        self.assertNotContains(response, "Alice")
        rows = read_csv(self.client.get(PRODUCTIVITY_CSV_URL, RANGE))
        self.assertEqual([row[2] for row in rows[1:]], ["hugo"])
        self.assertNotIn("alice", str(rows))

    def test_it_shows_every_territory_to_the_superuser(self):
        self.client.force_login(self.root)
        response = self.client.get(PRODUCTIVITY_URL, RANGE)
        self.assertEqual(
            {row.agent.user.username for row in response.context["report"].rows},
            {"alice", "frank", "hugo"},
        )
        response = self.client.get(PRODUCTIVITY_URL, {**RANGE, "territory": "75"})
        self.assertEqual(
            [row.agent.user.username for row in response.context["report"].rows], ["hugo"]
        )

    def test_its_query_count_does_not_grow_with_the_agents(self):
        self.client.force_login(self.bob)
        # Session, user, groups, the header's agent and territory (also today's date), the
        # user's territory (scoping), the territories' time zones, the pauses by reason, the
        # rows, the totals per day, the teams of the filter and the pauses confirmed past their
        # cap.
        with self.assertNumQueries(12):
            self.client.get(PRODUCTIVITY_URL, RANGE)
        for i in range(5):
            agent = make_user(
                f"extra{i}", roles.TELECONSEILLER, territory=self.t93, team=self.team_a
            ).agent
            AgentDay.objects.create(agent=agent, day=DAY, calls=i)
            set_agent_status(
                agent=agent,
                status=Agent.Status.PAUSED,
                now=T0,
                pause_reason=PauseReason.objects.get(code="reunion"),
            )
        with self.assertNumQueries(12):
            response = self.client.get(PRODUCTIVITY_URL, RANGE)
        self.assertEqual(len(response.context["report"].rows), 7)
