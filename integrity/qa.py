"""Quality review: the weekly sample of calls to score, and the weighted total of a score."""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from agents.models import Territory
from calls.models import CallAttempt
from integrity.models import Finding
from integrity.qa_models import SCORE_MAX, Criterion, Review, Scorecard


def week_start(day: date) -> date:
    """The Monday of the day's ISO week."""
    return day - timedelta(days=day.weekday())


def week_seed(week: date, agent_id: int) -> str:
    """The seed of an agent's random draw: derived from the week, so a draw is reproducible."""
    year, number, _ = week.isocalendar()
    return f"qa-{year}-W{number:02d}-{agent_id}"


def scorecard_for(territory: Territory) -> Scorecard | None:
    """The territory's own active scorecard, else the national one; None if neither."""
    cards = Scorecard.objects.for_territory(territory).filter(active=True)
    return cards.order_by("territory_id", "pk").filter(territory=territory).first() or (
        cards.filter(territory__isnull=True).order_by("pk").first()
    )


def weighted_total(criteria: list[Criterion], scores: dict[int, int]) -> Decimal:
    """The weighted total out of 100: each criterion's share of its weight, summed."""
    points = sum(Decimal(c.weight) * scores[c.pk] for c in criteria)
    weights = sum(c.weight for c in criteria) or 1
    total = points * 100 / (weights * SCORE_MAX)
    return total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def draw_territory_sample(*, territory: Territory, week: date, now: datetime) -> int:
    """Put each agent's sample of the week's connected calls in the review list: calls with
    findings first, then a reproducible random draw. An agent already sampled that week is left
    alone, so running it again adds nothing. Returns the number of reviews created."""
    scorecard = scorecard_for(territory)
    if scorecard is None:
        return 0
    size = settings.QA_SAMPLE_PER_AGENT
    zone = territory.zone
    start = datetime.combine(week, time.min, tzinfo=zone)
    end = datetime.combine(week + timedelta(days=7), time.min, tzinfo=zone)
    sampled = set(
        Review.objects.filter(territory=territory, week=week).values_list("agent_id", flat=True)
    )
    rows = (
        CallAttempt.objects.filter(
            task__territory=territory,
            started_at__gte=start,
            started_at__lt=end,
            connected_at__isnull=False,
            ended_at__isnull=False,
        )
        .exclude(agent_id__in=sampled)
        .annotate(flagged=Exists(Finding.objects.filter(attempt=OuterRef("pk"))))
        .order_by("agent_id", "pk")
        .values_list("pk", "agent_id", "flagged")
    )
    per_agent: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for pk, agent_id, flagged in rows:
        per_agent[agent_id][0 if flagged else 1].append(pk)
    reviews = []
    for agent_id, (flagged, others) in per_agent.items():
        random.Random(week_seed(week, agent_id)).shuffle(others)
        chosen = [(pk, True) for pk in flagged[:size]]
        chosen += [(pk, False) for pk in others[: size - len(chosen)]]
        reviews += [
            Review(
                territory=territory,
                attempt_id=pk,
                agent_id=agent_id,
                week=week,
                scorecard=scorecard,
                with_finding=with_finding,
                drawn_at=now,
            )
            for pk, with_finding in chosen
        ]
    # The unique attempt guards against a concurrent run.
    return len(Review.objects.bulk_create(reviews, ignore_conflicts=True))


def draw_weekly_samples(*, now: datetime) -> int:
    """Draw the sample of the past ISO week in every territory (its own local week)."""
    created = 0
    for territory in Territory.objects.order_by("pk"):
        today = now.astimezone(territory.zone).date()
        week = week_start(today) - timedelta(days=7)
        created += draw_territory_sample(territory=territory, week=week, now=now)
    return created


def score_review(
    *, review: Review, user, scores: dict[int, int], notes: str, now: datetime
) -> Review:
    """Record a supervisor's scores (already validated against the scorecard): one write."""
    criteria = list(review.scorecard.criteria.all())
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        locked.scores = {str(c.pk): scores[c.pk] for c in criteria}
        locked.total = weighted_total(criteria, scores)
        locked.notes = notes
        locked.reviewer = user
        locked.scored_at = now
        locked.state = Review.State.SCORED
        locked.save(update_fields=["scores", "total", "notes", "reviewer", "scored_at", "state"])
    return locked
