"""Quality review pages: the review list, the scoring page, an agent's own scores, and the
scores per agent and team over weeks."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import chain

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Case, Count, Q, When
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agents import roles
from agents.access import access_own_territory, user_today
from agents.models import Agent, Team
from agents.roles import role_required
from common.csv_files import csv_number, excel_csv_response
from common.reporting import reporting
from integrity import qa
from integrity.qa_forms import ReviewFilterForm, ScoreForm
from integrity.qa_models import SCORE_MAX, Review

# A longer list is narrowed with the filters.
LIST_LIMIT = 300
# The scores table shows this many weeks, the last one first.
REPORT_WEEKS = 8


def _reviews(user):
    return Review.objects.for_user(user).select_related(
        "agent__user", "agent__team", "attempt__task", "reviewer", "territory"
    )


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def review_list(request: HttpRequest) -> HttpResponse:
    """The calls to score in the user's territory, those to review first."""
    territory_filter = (
        {} if request.user.is_superuser else {"territory": access_own_territory(request.user)}
    )
    teams = [
        (t.pk, t.name)
        for t in Team.objects.filter(
            **{f"plateau__{k}": v for k, v in territory_filter.items()}
        ).order_by("name")
    ]
    agents = [
        (a.pk, a.user.get_full_name() or a.user.get_username())
        for a in Agent.objects.for_user(request.user)
        .filter(reviews__isnull=False)
        .distinct()
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    ]
    form = ReviewFilterForm(request.GET or None, teams=teams, agents=agents)
    reviews = _reviews(request.user)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            reviews = reviews.filter(state=data["state"])
        if data["team"]:
            reviews = reviews.filter(agent__team_id=data["team"])
        if data["agent"]:
            reviews = reviews.filter(agent_id=data["agent"])
        if data["week"]:
            reviews = reviews.filter(week=qa.week_start(data["week"]))
    counts = reviews.order_by().aggregate(
        to_review=Count("pk", filter=Q(state=Review.State.TO_REVIEW)), total=Count("pk")
    )
    context = {
        "form": form,
        "reviews": list(
            reviews.annotate(
                done=Case(When(state=Review.State.TO_REVIEW, then=0), default=1)
            ).order_by("done", "-week", "agent__user__last_name", "agent_id", "pk")[:LIST_LIMIT]
        ),
        "counts": counts,
        "limit": LIST_LIMIT,
    }
    return render(request, "integrity/qa/review_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def score(request: HttpRequest, pk: int) -> HttpResponse:
    """Score a sampled call against its scorecard: all criteria or nothing."""
    review = get_object_or_404(_reviews(request.user).select_related("scorecard"), pk=pk)
    criteria = list(review.scorecard.criteria.all())
    initial = {ScoreForm.key(c): review.scores.get(str(c.pk)) for c in criteria}
    form = ScoreForm(
        request.POST if request.method == "POST" else None,
        criteria=criteria,
        initial={**initial, "notes": review.notes},
    )
    if request.method == "POST" and form.is_valid():
        qa.score_review(
            review=review,
            user=request.user,
            scores=form.scores(),
            notes=form.cleaned_data["notes"].strip(),
            now=timezone.now(),
        )
        messages.success(request, _("Call scored."))
        return redirect("integrity:qa-reviews")
    attempt = review.attempt
    talk_seconds = (
        int((attempt.ended_at - attempt.connected_at).total_seconds())
        if attempt.connected_at and attempt.ended_at
        else None
    )
    context = {
        "review": review,
        "attempt": attempt,
        "zone": review.territory.zone,
        "talk_seconds": talk_seconds,
        "findings": list(attempt.findings.all()),
        "form": form,
        "criteria": criteria,
        "score_max": SCORE_MAX,
    }
    return render(request, "integrity/qa/score.html", context)


@require_GET
@role_required(roles.TELECONSEILLER)
def my_scores(request: HttpRequest) -> HttpResponse:
    """An agent's own scored calls, read only."""
    try:
        agent = request.user.agent
    except Agent.DoesNotExist:
        raise PermissionDenied from None
    reviews = list(
        Review.objects.filter(agent=agent, state=Review.State.SCORED)
        .select_related("attempt__task", "scorecard")
        .prefetch_related("scorecard__criteria")
        .order_by("-week", "-scored_at")[:LIST_LIMIT]
    )
    for review in reviews:
        review.lines = [  # type: ignore[attr-defined]
            (c.label, c.weight, review.scores.get(str(c.pk)))
            for c in review.scorecard.criteria.all()
        ]
    context = {"reviews": reviews, "score_max": SCORE_MAX}
    return render(request, "integrity/qa/my_scores.html", context)


@dataclass(frozen=True)
class ScoreRow:
    """An agent or a team, with its (average, scored calls) per week of the report, or None."""

    name: str
    cells: list[tuple[Decimal, int] | None]
    username: str = ""
    team: str = ""


def _score_tables(user) -> tuple[list[date], list[ScoreRow], list[ScoreRow]]:
    """The report's weeks (the last one first), then its rows per agent and per team, the
    user's territory only: two grouped queries."""
    last = qa.week_start(user_today(user))
    weeks = [last - timedelta(weeks=n) for n in range(REPORT_WEEKS)]
    scored = Review.objects.for_user(user).filter(state=Review.State.SCORED, week__gte=weeks[-1])
    per_agent = (
        scored.order_by()
        .values(
            "agent_id",
            "agent__user__first_name",
            "agent__user__last_name",
            "agent__user__username",
            "agent__team__name",
            "week",
        )
        .annotate(avg=Avg("total"), n=Count("pk"))
    )
    per_team = (
        scored.order_by()
        .values("agent__team_id", "agent__team__name", "week")
        .annotate(avg=Avg("total"), n=Count("pk"))
    )

    def table(rows, key, row_of) -> list[ScoreRow]:
        cells: dict = defaultdict(dict)
        heads: dict = {}
        for row in rows:
            cells[row[key]][row["week"]] = (Decimal(row["avg"]).quantize(Decimal("0.1")), row["n"])
            heads[row[key]] = row_of(row)
        return [
            ScoreRow(cells=[cells[k].get(w) for w in weeks], **heads[k])
            for k in sorted(heads, key=lambda k: str(heads[k]["name"]))
        ]

    agents = table(
        per_agent,
        "agent_id",
        lambda r: {
            "name": f"{r['agent__user__first_name']} {r['agent__user__last_name']}".strip()
            or r["agent__user__username"],
            "username": r["agent__user__username"],
            "team": r["agent__team__name"] or "",
        },
    )
    teams = table(
        per_team,
        "agent__team_id",
        lambda r: {"name": r["agent__team__name"] or _("No team")},
    )
    return weeks, agents, teams


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def scores_report(request: HttpRequest) -> HttpResponse:
    """The average weighted total per agent and per team, week by week."""
    with reporting() as source:
        weeks, agents, teams = _score_tables(request.user)
        context = {"weeks": weeks, "agents": agents, "teams": teams, "report_source": source}
        return render(request, "integrity/qa/scores_report.html", context)


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
@reporting()
def scores_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The same scores as the report, one line per agent or team and week with scored calls,
    as a CSV for Excel."""
    weeks, agents, teams = _score_tables(request.user)
    header = [
        _("Level"),
        _("Week"),
        _("Week starting"),
        _("Team"),
        _("Agent"),
        _("Username"),
        _("Average score (out of 100)"),
        _("Scored calls"),
    ]

    def lines(level: str, rows: list[ScoreRow], *, of_team: bool):
        # The oldest week first, as a spreadsheet reads a time series.
        for row in rows:
            for week, cell in reversed(list(zip(weeks, row.cells, strict=True))):
                if cell is None:
                    continue
                year, number, _day = week.isocalendar()
                yield [
                    level,
                    f"{year}-W{number:02d}",
                    week.isoformat(),
                    row.name if of_team else row.team,
                    "" if of_team else row.name,
                    row.username,
                    csv_number(cell[0], 1),
                    str(cell[1]),
                ]

    rows = chain(lines(_("Agent"), agents, of_team=False), lines(_("Team"), teams, of_team=True))
    return excel_csv_response(filename="quality-scores.csv", header=header, rows=rows)
