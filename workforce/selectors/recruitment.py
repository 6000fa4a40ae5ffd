"""Reads of recruitment: the pipeline board, the candidate list, training sessions and their
seats."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django_stubs_ext import StrOrPromise

from agents.access import RequestUser
from agents.models import Plateau
from workforce.models.recruitment import Candidate, CandidateEvent, TrainingSession
from workforce.services.recruitment import SEATED_STAGES

Stage = Candidate.Stage
# Enrolment offers sessions that started at most this long ago (and are not over).
_SESSION_LOOKBACK = timedelta(days=366)


def get_candidate_for_user(*, user: RequestUser, pk: int) -> Candidate:
    """Return the candidate if the user may see it; 404 otherwise, so its existence stays secret."""
    queryset = Candidate.objects.for_user(user).select_related(
        "territory", "assessed_by", "training_session", "agent__user", "agent__plateau"
    )
    return get_object_or_404(queryset.prefetch_related("languages"), pk=pk)


USERNAME_MAX_LENGTH = 150


def _ascii_letters(text: str) -> str:
    # « Élodie N'Diaye-Martin » → "elodiendiayemartin": accents folded, only letters and digits.
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def suggested_username(*, first_name: str, last_name: str) -> str:
    """Return a free username for a new agent: the first name's initial and the last name, in
    lowercase ASCII, followed by 2, 3… when taken (one query)."""
    base = (_ascii_letters(first_name)[:1] + _ascii_letters(last_name))[
        : USERNAME_MAX_LENGTH - 4
    ] or "agent"
    # Usernames are unique whatever their case at login: compare in lowercase.
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    suggestion, n = base, 1
    while suggestion in taken:
        n += 1
        suggestion = f"{base}{n}"
    return suggestion


def hire_suggestions(*, candidate: Candidate) -> dict:
    """Return what the hire form can propose: a free username, and the plateau when the
    territory has only one (two queries)."""
    initial: dict = {
        "username": suggested_username(
            first_name=candidate.first_name, last_name=candidate.last_name
        )
    }
    plateaux = list(Plateau.objects.filter(territory_id=candidate.territory_id)[:2])
    if len(plateaux) == 1:
        initial["plateau"] = plateaux[0].pk
    return initial


def get_training_session_for_user(*, user: RequestUser, pk: int) -> TrainingSession:
    """Return the training session if the user may see it; 404 otherwise."""
    return get_object_or_404(
        TrainingSession.objects.for_user(user).select_related("territory"), pk=pk
    )


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: StrOrPromise
    count: int
    is_open: bool


@dataclass(frozen=True)
class LanguageRow:
    code: str
    name: str
    counts: list[tuple[str, int]]  # (stage, count), in the order of the board's stages
    total: int


@dataclass(frozen=True)
class PipelineBoard:
    stages: list[StageCount]
    languages: list[LanguageRow]
    total: int
    open_total: int


def pipeline_board(*, user: RequestUser) -> PipelineBoard:
    """Count the candidates per stage, and per language and stage, in two queries."""
    candidates = Candidate.objects.for_user(user)
    per_stage = {
        row["stage"]: row["n"]
        for row in candidates.order_by().values("stage").annotate(n=Count("pk"))
    }
    Through = Candidate.languages.through
    per_language = (
        Through.objects.filter(candidate__in=candidates)
        .order_by()
        .values_list("language__code", "language__name_fr", "language__name_en", "candidate__stage")
        .annotate(n=Count("pk"))
    )
    english = (get_language() or "fr").startswith("en")
    stage_values = list(Stage.values)
    rows: dict[str, tuple[str, list[int]]] = {}
    for code, name_fr, name_en, stage, n in per_language:
        name, counts = rows.setdefault(
            code, (name_en if english else name_fr, [0] * len(stage_values))
        )
        counts[stage_values.index(stage)] += n
    languages = sorted(
        (
            LanguageRow(
                code=code,
                name=name,
                counts=list(zip(stage_values, counts, strict=True)),
                total=sum(counts),
            )
            for code, (name, counts) in rows.items()
        ),
        key=lambda row: (-row.total, row.name),
    )
    stages = [
        StageCount(
            stage=value,
            label=label,
            count=per_stage.get(value, 0),
            is_open=value in Candidate.OPEN_STAGES,
        )
        for value, label in Stage.choices
    ]
    return PipelineBoard(
        stages=stages,
        languages=languages,
        total=sum(row.count for row in stages),
        open_total=sum(row.count for row in stages if row.is_open),
    )


def candidates_for_list(
    *, user: RequestUser, stage: str = "", language: str = "", source: str = "", search: str = ""
) -> QuerySet[Candidate]:
    """Return the candidates the user may see, filtered, most recent first; languages prefetched."""
    candidates = Candidate.objects.for_user(user).select_related("territory", "training_session")
    if stage:
        candidates = candidates.filter(stage=stage)
    if language:
        candidates = candidates.filter(languages__code=language)
    if source:
        candidates = candidates.filter(source=source)
    if search:
        words = search.split()
        for word in words:
            candidates = candidates.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(phone__contains=word)
            )
    return candidates.prefetch_related("languages").order_by("-applied_at", "-pk")


def candidate_events(*, candidate: Candidate) -> QuerySet[CandidateEvent]:
    """Return the candidate's history, oldest first, with who did each move."""
    return candidate.events.select_related("by").order_by("at", "pk")


def training_sessions_with_seats(*, user: RequestUser) -> QuerySet[TrainingSession]:
    """Return the sessions the user may see, with seats_taken and seats_free, newest first."""
    return (
        TrainingSession.objects.for_user(user)
        .select_related("territory", "plateau")
        .annotate(seats_taken=Count("candidates", filter=Q(candidates__stage__in=SEATED_STAGES)))
        .annotate(
            seats_free=ExpressionWrapper(
                F("capacity") - F("seats_taken"), output_field=IntegerField()
            )
        )
        .order_by("-starts_on", "name")
    )


def sessions_open_for_enrolment(*, candidate: Candidate, today: date) -> list[TrainingSession]:
    """Return the sessions of the candidate's territory that are not over and have a free seat."""
    sessions = (
        TrainingSession.objects.filter(
            territory_id=candidate.territory_id, starts_on__gte=today - _SESSION_LOOKBACK
        )
        .select_related("plateau")
        .annotate(seats_taken=Count("candidates", filter=Q(candidates__stage__in=SEATED_STAGES)))
        .order_by("starts_on", "name")
    )
    return [
        session
        for session in sessions
        if session.ends_on >= today and session.seats_taken < session.capacity
    ]
