"""The quality scores' CSV export (issue 14, part 7): the report's figures per agent and team and
week, for supervisors and CPAM admins of the territory only."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agents import roles
from common.csv_files import csv_number
from integrity import qa
from tests.base import make_user
from tests.integrity.test_qa import QaTestCase

SCORES_CSV = reverse("integrity:qa-scores-csv")
REPORT = reverse("integrity:qa-scores")


def csv_lines(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [line.split(";") for line in text.strip().splitlines()]


def iso_week(day) -> str:
    year, number, _day = day.isocalendar()
    return f"{year}-W{number:02d}"


class ScoresCsvTests(QaTestCase):
    def setUp(self):
        self.this_week = qa.week_start(timezone.localdate())
        self.last_week = self.this_week - timedelta(weeks=1)
        # 93: alice twice this week (100 and 50), once last week (25); anna once last week
        # (75) and once unscored. 75: paul once this week (0).
        a1 = self.review(self.alice, week=self.this_week)
        a2 = self.review(self.alice, week=self.this_week)
        a3 = self.review(self.alice, week=self.last_week)
        n1 = self.review(self.anna, week=self.last_week)
        self.review(self.anna, week=self.this_week)
        self.client.force_login(self.bob)
        self.post_scores(a1, [4] * 5)
        self.post_scores(a2, [2] * 5)
        self.post_scores(a3, [1] * 5)
        self.post_scores(n1, [3] * 5)
        self.paul = make_user(
            "paul", roles.TELECONSEILLER, territory=self.t75, plateau=self.paris_plateau
        )
        p1 = self.review(self.paul, territory=self.t75, week=self.this_week)
        self.client.force_login(self.erin)
        self.post_scores(p1, [0] * 5)
        self.client.logout()

    def test_an_agent_cannot_download_it_and_an_anonymous_user_is_sent_to_log_in(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(SCORES_CSV).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(SCORES_CSV).status_code, 302)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(SCORES_CSV).status_code, 405)

    def test_the_values_per_agent_and_team_and_week(self):
        self.client.force_login(self.bob)
        response = self.client.get(SCORES_CSV)
        self.assertEqual(response.status_code, 200)
        self.assertIn("quality-scores.csv", response["Content-Disposition"])
        header, *lines = csv_lines(response)
        with translation.override(settings.LANGUAGE_CODE):

            def score(value: str) -> str:
                return csv_number(Decimal(value), 1)

            agent, team = _("Agent"), _("Team")
            self.assertEqual(header[:3], [_("Level"), _("Week"), _("Week starting")])
            no_team = _("No team")
        this, last = self.this_week, self.last_week
        self.assertEqual(
            lines[:3],
            [
                # Per agent, by name, the oldest week first; only the weeks with scored calls.
                [agent, iso_week(last), last.isoformat(), "Équipe A", "Alice Test", "alice"]
                + [score("25.0"), "1"],
                [agent, iso_week(this), this.isoformat(), "Équipe A", "Alice Test", "alice"]
                + [score("75.0"), "2"],
                [agent, iso_week(last), last.isoformat(), "", "Anna Test", "anna"]
                + [score("75.0"), "1"],
            ],
        )
        # Per team (in the order of their names, which depends on the language): anna has none.
        self.assertCountEqual(
            lines[3:],
            [
                [team, iso_week(last), last.isoformat(), "Équipe A", "", "", score("25.0"), "1"],
                [team, iso_week(this), this.isoformat(), "Équipe A", "", "", score("75.0"), "2"],
                [team, iso_week(last), last.isoformat(), no_team, "", "", score("75.0"), "1"],
            ],
        )

    def test_the_csv_has_the_reports_figures(self):
        self.client.force_login(self.carol)
        report = self.client.get(REPORT).context
        cells = {
            (row.name, week): cell
            for row in report["agents"]
            for week, cell in zip(report["weeks"], row.cells, strict=True)
            if cell
        }
        lines = csv_lines(self.client.get(SCORES_CSV))[1:]
        with translation.override(settings.LANGUAGE_CODE):
            agent = _("Agent")
            from_csv = {
                (line[4], line[2]): (line[6], line[7]) for line in lines if line[0] == agent
            }
            expected = {
                (name, week.isoformat()): (csv_number(avg, 1), str(n))
                for (name, week), (avg, n) in cells.items()
            }
        self.assertEqual(from_csv, expected)
        self.assertEqual(len(from_csv), 3)

    def test_a_supervisor_of_75_sees_75s_scores_only(self):
        self.client.force_login(self.erin)
        lines = csv_lines(self.client.get(SCORES_CSV))[1:]
        self.assertEqual({line[5] for line in lines}, {"paul", ""})
        self.assertEqual(len(lines), 2)
        self.assertNotIn("Alice Test", {line[4] for line in lines})
        self.assertNotIn("Équipe A", {line[3] for line in lines})
        # And 93 does not see paul.
        self.client.force_login(self.bob)
        self.assertNotIn("paul", {line[5] for line in csv_lines(self.client.get(SCORES_CSV))})

    def test_the_report_links_to_the_csv(self):
        self.client.force_login(self.bob)
        self.assertContains(self.client.get(REPORT), f'href="{SCORES_CSV}"')

    def test_the_csv_costs_the_same_whatever_the_number_of_agents(self):
        self.client.force_login(self.bob)

        def download() -> int:
            response = self.client.get(SCORES_CSV)
            return len(csv_lines(response))

        download()  # warm the session
        with self.assertNumQueries(CSV_QUERIES):
            before = download()
        for name in ("vera", "wes", "xavi"):
            user = make_user(name, roles.TELECONSEILLER, territory=self.t93)
            review = self.review(user, week=self.this_week)
            self.post_scores(review, [3] * 5)
        with self.assertNumQueries(CSV_QUERIES):
            after = download()
        # Three more agents, and the "no team" row gains this week.
        self.assertEqual(after, before + 4)


# Session, user, roles, the user's agent and territory (today there), the scope, the two tables.
CSV_QUERIES = 8
