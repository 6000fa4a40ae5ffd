"""Quality review (issue 14, part 7): the weekly sample (findings first, size, idempotent,
reproducible), scoring (weighted total, validation, nothing half-written), rights and isolation."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agents import roles
from integrity import qa
from integrity.models import Criterion, Finding, Review, Scorecard
from integrity.tasks import draw_qa_sample
from tests.base import make_user
from tests.integrity.base import T0, IntegrityTestCase

# T0 is Thursday 15 January 2026: its ISO week starts on Monday 12 January.
WEEK = date(2026, 1, 12)
# The Monday after: the job draws the week before.
NEXT_MONDAY = datetime(2026, 1, 19, 8, 0, tzinfo=UTC)
LIST = reverse("integrity:qa-reviews")
MINE = reverse("integrity:qa-mine")
REPORT = reverse("integrity:qa-scores")


def score_url(review: Review) -> str:
    return reverse("integrity:qa-score", args=[review.pk])


class QaTestCase(IntegrityTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.card = Scorecard.objects.get(territory__isnull=True, active=True)
        cls.criteria = list(cls.card.criteria.all())

    def calls(self, user, n, *, start=T0, territory=None):
        return [
            self.attempt(
                user,
                connected_seconds=120,
                at=start + timedelta(minutes=10 * i),
                territory=territory,
            )
            for i in range(n)
        ]

    def flag(self, attempt):
        return Finding.objects.create(
            territory=attempt.task.territory,
            agent=attempt.agent,
            day=attempt.started_at.date(),
            kind=Finding.Kind.CALL_TOO_SHORT,
            attempt=attempt,
            detected_at=T0,
        )

    def review(self, user, *, territory=None, week=WEEK):
        attempt = self.attempt(user, connected_seconds=90, territory=territory)
        return Review.objects.create(
            territory=attempt.task.territory,
            attempt=attempt,
            agent=user.agent,
            week=week,
            scorecard=self.card,
            drawn_at=T0,
        )

    def post_scores(self, review, scores, notes="Bien"):
        data = {f"criterion_{c.pk}": s for c, s in zip(self.criteria, scores, strict=False)}
        return self.client.post(score_url(review), {**data, "notes": notes})


class SeedTests(QaTestCase):
    def test_the_national_scorecard_is_seeded_with_weights_summing_to_100(self):
        self.assertEqual(sum(c.weight for c in self.criteria), 100)
        self.assertIn("Isolation explained", [c.label_en for c in self.criteria])


@override_settings(QA_SAMPLE_PER_AGENT=3)
class SamplingTests(QaTestCase):
    def test_calls_with_findings_come_first_then_the_draw_fills_the_size(self):
        calls = self.calls(self.alice, 8)
        flagged = [calls[6], calls[7]]
        for attempt in flagged:
            self.flag(attempt)
        self.calls(self.anna, 2)
        self.attempt(self.alice, connected_seconds=None, at=T0 + timedelta(hours=3))  # no answer
        self.attempt(self.alice, connected_seconds=60, at=T0 - timedelta(days=7))  # week before

        self.assertEqual(draw_qa_sample(), 0)  # the clock of the test run: no call that week
        created = qa.draw_weekly_samples(now=NEXT_MONDAY)

        self.assertEqual(created, 5)
        alice = Review.objects.filter(agent=self.alice.agent)
        self.assertEqual(alice.count(), 3)
        self.assertEqual(
            set(alice.filter(with_finding=True).values_list("attempt_id", flat=True)),
            {a.pk for a in flagged},
        )
        self.assertTrue(set(alice.values_list("attempt_id", flat=True)) <= {c.pk for c in calls})
        self.assertEqual(Review.objects.filter(agent=self.anna.agent).count(), 2)
        self.assertEqual(set(Review.objects.values_list("week", flat=True)), {WEEK})
        self.assertEqual(set(alice.values_list("scorecard", flat=True)), {self.card.pk})

    def test_more_findings_than_the_size_takes_only_findings(self):
        for attempt in self.calls(self.alice, 5)[:4]:
            self.flag(attempt)
        qa.draw_weekly_samples(now=NEXT_MONDAY)
        reviews = Review.objects.filter(agent=self.alice.agent)
        self.assertEqual(reviews.count(), 3)
        self.assertTrue(all(r.with_finding for r in reviews))

    def test_a_second_run_in_the_week_adds_nothing(self):
        self.calls(self.alice, 6)
        self.assertEqual(qa.draw_weekly_samples(now=NEXT_MONDAY), 3)
        before = set(Review.objects.values_list("attempt_id", flat=True))
        # A finding made after the draw does not redraw the agent's week.
        self.flag(self.calls(self.alice, 1, start=T0 + timedelta(hours=5))[0])
        self.assertEqual(qa.draw_weekly_samples(now=NEXT_MONDAY + timedelta(days=2)), 0)
        self.assertEqual(set(Review.objects.values_list("attempt_id", flat=True)), before)

    def test_the_draw_is_reproducible_from_the_week(self):
        calls = self.calls(self.alice, 10)
        qa.draw_weekly_samples(now=NEXT_MONDAY)
        first = set(Review.objects.values_list("attempt_id", flat=True))
        Review.objects.all().delete()
        qa.draw_weekly_samples(now=NEXT_MONDAY + timedelta(hours=5))
        self.assertEqual(set(Review.objects.values_list("attempt_id", flat=True)), first)
        # A random draw, not the first calls of the week.
        self.assertNotEqual(first, {c.pk for c in calls[:3]})

    @override_settings(QA_SAMPLE_PER_AGENT=1)
    def test_the_size_is_a_setting(self):
        self.calls(self.alice, 4)
        qa.draw_weekly_samples(now=NEXT_MONDAY)
        self.assertEqual(Review.objects.filter(agent=self.alice.agent).count(), 1)

    def test_a_territorys_own_active_scorecard_wins(self):
        own = Scorecard.objects.create(name="93", territory=self.t93)
        Criterion.objects.create(scorecard=own, label_fr="A", label_en="A", weight=100)
        self.calls(self.alice, 2)
        qa.draw_weekly_samples(now=NEXT_MONDAY)
        self.assertEqual(set(Review.objects.values_list("scorecard", flat=True)), {own.pk})


class ScoringTests(QaTestCase):
    def test_the_weighted_total(self):
        # 15, 15, 25, 25, 20 with scores 4, 4, 2, 0, 3 of 4: (60 + 60 + 50 + 0 + 60) / 4 = 57.5
        scores = dict(zip([c.pk for c in self.criteria], [4, 4, 2, 0, 3], strict=True))
        self.assertEqual(qa.weighted_total(self.criteria, scores), Decimal("57.5"))

    def test_a_supervisor_scores_a_call(self):
        review = self.review(self.alice)
        self.client.force_login(self.bob)
        page = self.client.get(score_url(review))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "90 s")
        response = self.post_scores(review, [4, 4, 4, 4, 4], notes="Très bien")
        self.assertRedirects(response, LIST)
        review.refresh_from_db()
        self.assertEqual(review.state, Review.State.SCORED)
        self.assertEqual(review.total, Decimal("100.0"))
        self.assertEqual(review.reviewer, self.bob)
        self.assertEqual(review.notes, "Très bien")
        self.assertEqual(review.scores, {str(c.pk): 4 for c in self.criteria})

    def test_bad_scores_are_form_errors_and_nothing_is_written(self):
        review = self.review(self.alice)
        self.client.force_login(self.bob)
        for scores in ([4, 4, 4, 4], [4, 4, 4, 4, 9], [4, 4, 4, 4, -1], [4, 4, 4, 4, "x"]):
            response = self.post_scores(review, scores)
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response.context["form"].errors)
        review.refresh_from_db()
        self.assertEqual(review.state, Review.State.TO_REVIEW)
        self.assertEqual(review.scores, {})
        self.assertIsNone(review.total)


class RightsTests(QaTestCase):
    def setUp(self):
        self.mine = self.review(self.alice)
        self.paris_agent = make_user(
            "paul", roles.TELECONSEILLER, territory=self.t75, plateau=self.paris_plateau
        )
        self.paris = self.review(self.paris_agent, territory=self.t75)

    def test_an_agent_cannot_see_the_list_nor_score(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(LIST).status_code, 403)
        self.assertEqual(self.client.get(REPORT).status_code, 403)
        self.assertEqual(self.client.get(score_url(self.mine)).status_code, 403)
        self.assertEqual(self.post_scores(self.mine, [4] * 5).status_code, 403)
        self.mine.refresh_from_db()
        self.assertEqual(self.mine.state, Review.State.TO_REVIEW)

    def test_a_supervisor_of_75_cannot_see_nor_score_93(self):
        self.client.force_login(self.erin)
        response = self.client.get(LIST)
        self.assertEqual([r.pk for r in response.context["reviews"]], [self.paris.pk])
        self.assertEqual(self.client.get(score_url(self.mine)).status_code, 404)
        self.assertEqual(self.post_scores(self.mine, [4] * 5).status_code, 404)
        self.mine.refresh_from_db()
        self.assertEqual(self.mine.state, Review.State.TO_REVIEW)

    def test_a_cpam_admin_of_93_sees_93_only(self):
        self.client.force_login(self.carol)
        response = self.client.get(LIST)
        self.assertEqual([r.pk for r in response.context["reviews"]], [self.mine.pk])
        self.assertContains(response, 'data-testid="nav-qa"')
        self.client.force_login(self.dave)
        self.assertEqual(self.client.get(score_url(self.mine)).status_code, 404)

    def test_the_agent_sees_only_her_own_scored_reviews(self):
        other = self.review(self.anna)
        self.client.force_login(self.bob)
        self.post_scores(self.mine, [4, 4, 4, 4, 0], notes="Courtoisie à revoir")
        self.post_scores(other, [1, 1, 1, 1, 1], notes="Pas pour Alice")
        self.client.force_login(self.alice)
        response = self.client.get(MINE)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([r.pk for r in response.context["reviews"]], [self.mine.pk])
        self.assertContains(response, "80,0 / 100")
        self.assertContains(response, "Courtoisie à revoir")
        self.assertNotContains(response, "Pas pour Alice")
        self.assertNotContains(response, '<form method="post"')
        # Supervisors have their own pages, not this one.
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(MINE).status_code, 403)


class ListAndReportTests(QaTestCase):
    def test_the_list_puts_calls_to_review_first_and_filters(self):
        scored = self.review(self.alice)
        todo = self.review(self.anna)
        self.client.force_login(self.bob)
        self.post_scores(scored, [2] * 5)
        response = self.client.get(LIST)
        self.assertEqual([r.pk for r in response.context["reviews"]], [todo.pk, scored.pk])
        response = self.client.get(LIST, {"agent": self.alice.agent.pk})
        self.assertEqual([r.pk for r in response.context["reviews"]], [scored.pk])
        response = self.client.get(LIST, {"team": self.team_a.pk})
        self.assertEqual([r.pk for r in response.context["reviews"]], [scored.pk])
        response = self.client.get(LIST, {"week": "2026-01-14", "state": "to_review"})
        self.assertEqual([r.pk for r in response.context["reviews"]], [todo.pk])
        response = self.client.get(LIST, {"week": "2026-01-20"})
        self.assertEqual(response.context["reviews"], [])
        # A bad filter is a form error, not a 500.
        response = self.client.get(LIST, {"agent": "x"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)

    def test_query_counts_do_not_grow_with_rows(self):
        self.client.force_login(self.bob)
        self.client.get(LIST)
        for _ in range(2):
            self.review(self.alice)
        with self.assertNumQueries(LIST_QUERIES):
            self.client.get(LIST)
        for _ in range(3):
            self.review(self.anna)
        with self.assertNumQueries(LIST_QUERIES):
            self.client.get(LIST)
        with self.assertNumQueries(REPORT_QUERIES):
            self.client.get(REPORT)
        Review.objects.filter(agent=self.alice.agent).update(
            state=Review.State.SCORED, reviewer=self.bob, scored_at=T0, total=50
        )
        self.client.force_login(self.alice)
        with self.assertNumQueries(MINE_QUERIES):
            response = self.client.get(MINE)
        self.assertEqual(len(response.context["reviews"]), 2)

    def test_the_report_averages_per_agent_and_team(self):
        this_week = qa.week_start(timezone.localdate())
        last_week = this_week - timedelta(weeks=1)
        a1, a2 = self.review(self.alice, week=this_week), self.review(self.alice, week=this_week)
        a3 = self.review(self.anna, week=last_week)
        self.review(self.anna, week=last_week)  # not scored: not in the averages
        self.client.force_login(self.bob)
        self.post_scores(a1, [4] * 5)
        self.post_scores(a2, [2] * 5)
        self.post_scores(a3, [1] * 5)
        response = self.client.get(REPORT)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["weeks"][:2], [this_week, last_week])
        agents = {row.name: row.cells[:2] for row in response.context["agents"]}
        self.assertEqual(
            agents,
            {
                "Alice Test": [(Decimal("75.0"), 2), None],
                self.anna.get_full_name() or "anna": [None, (Decimal("25.0"), 1)],
            },
        )
        teams = {row.name: row.cells[:2] for row in response.context["teams"]}
        self.assertEqual(teams["Équipe A"], [(Decimal("75.0"), 2), None])
        # Paris sees none of it.
        self.client.force_login(self.erin)
        self.assertEqual(self.client.get(REPORT).context["agents"], [])


# Session, user, roles, the user's territory (2); the teams, the agents, the counts, the reviews;
# the base page's agent and territory: pinned, so that a query per row shows up here.
LIST_QUERIES = 11
# Session, user, roles, the user's agent and territory (today there), the scope, the two tables.
REPORT_QUERIES = 8
# Session, user, roles, her agent; the reviews, their criteria; the base page's territory.
MINE_QUERIES = 7
