"""Recruitment: moves through the pipeline, hiring, the no-answer sweep."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents import roles
from agents.models import Language, Plateau, Team, Territory
from workforce.exceptions import (
    CandidateInputRefused,
    CandidateTransitionRefused,
    TrainingSessionRefused,
)
from workforce.models.contracts import Contract
from workforce.models.recruitment import Candidate, CandidateEvent, TrainingSession
from workforce.services.contracts import fixed_term_end
from workforce.services.staff import create_agent

Stage = Candidate.Stage

# The one table of allowed moves: every service checks it, the detail page shows only these.
TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.APPLIED: frozenset(
        {Stage.ASSESSMENT_SCHEDULED, Stage.REJECTED, Stage.WITHDRAWN, Stage.NO_ANSWER}
    ),
    # Scheduling again is a new appointment: the candidate missed the first or asked to move it.
    Stage.ASSESSMENT_SCHEDULED: frozenset(
        {
            Stage.ASSESSMENT_SCHEDULED,
            Stage.ASSESSED,
            Stage.REJECTED,
            Stage.WITHDRAWN,
            Stage.NO_ANSWER,
        }
    ),
    Stage.ASSESSED: frozenset(
        {Stage.IN_TRAINING, Stage.REJECTED, Stage.WITHDRAWN, Stage.NO_ANSWER}
    ),
    Stage.IN_TRAINING: frozenset({Stage.TRAINED, Stage.REJECTED, Stage.WITHDRAWN}),
    Stage.TRAINED: frozenset({Stage.HIRED, Stage.REJECTED, Stage.WITHDRAWN, Stage.NO_ANSWER}),
    Stage.HIRED: frozenset(),
    Stage.REJECTED: frozenset(),
    Stage.WITHDRAWN: frozenset(),
    Stage.NO_ANSWER: frozenset(),
}
# Candidates holding a seat of their training session.
SEATED_STAGES = (Stage.IN_TRAINING, Stage.TRAINED, Stage.HIRED)
CDD_MONTHS = (3, 6)
# SQLite refuses queries with too many parameters: the sweep updates in slices.
_CHUNK = 500


@dataclass(frozen=True)
class CandidateData:
    """A new candidate, read and checked by a form, a serializer or the CSV import."""

    first_name: str
    last_name: str
    phone: str  # E.164
    languages: list[Language]
    source: str = Candidate.Source.JOB_BOARD
    email: str = ""
    notes: str = ""


def allowed_moves(candidate: Candidate) -> frozenset[str]:
    """Return the stages this candidate may move to now."""
    if candidate.stage == Stage.ASSESSED and candidate.assessment_passed is False:
        # A failed assessment is a decision waiting to be recorded, nothing else.
        return frozenset({Stage.REJECTED})
    return TRANSITIONS[candidate.stage]


def check_move(candidate: Candidate, *, to: str) -> None:
    """Refuse a move that the candidate's current stage does not allow."""
    if to not in allowed_moves(candidate):
        raise CandidateTransitionRefused(
            _("A candidate at the stage “%(current)s” cannot move to “%(to)s”.")
            % {"current": Stage(candidate.stage).label, "to": Stage(to).label}
        )


def open_candidate_phones(*, territory: Territory, phones: list[str]) -> set[str]:
    """Return those of the phones that belong to an open candidate of the territory."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(phones)), _CHUNK):
        found.update(
            Candidate.objects.filter(
                territory=territory, stage__in=Candidate.OPEN_STAGES, phone__in=chunk
            ).values_list("phone", flat=True)
        )
    return found


def hiring_errors(
    *,
    candidate: Candidate,
    username: str,
    password: str,
    plateau: Plateau | None,
    team: Team | None,
    role: str,
    contract_kind: str,
    months: int | None,
    start_on: date | None,
) -> dict[str, list[str]]:
    """Return what is wrong with a hiring request, field by field (empty when it may go ahead)."""
    errors: dict[str, list[str]] = {}
    username = username.strip()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        errors["username"] = list(exc.messages)
    if not username or len(username) > 150:
        errors.setdefault("username", []).append(_("Enter a username of 1 to 150 characters."))
    # Case-insensitively: "Alice" next to "alice" is a mistake, never a second person.
    elif User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(_("This username is already taken."))
    account = User(
        username=username,
        first_name=candidate.first_name,
        last_name=candidate.last_name,
        email=candidate.email,
    )
    try:
        password_validation.validate_password(password, user=account)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if plateau is None:
        errors["plateau"] = [_("Choose the plateau the new agent will work on.")]
    elif plateau.territory_id != candidate.territory_id:
        errors["plateau"] = [_("This plateau belongs to another territory.")]
    if team is not None and (plateau is None or team.plateau_id != plateau.pk):
        errors["team"] = [_("This team belongs to another plateau.")]
    if role not in roles.STAFF_ROLES:
        errors["role"] = [_("Unknown role.")]
    if contract_kind not in Contract.Kind.values:
        errors["contract_kind"] = [_("Choose a CDD or a CDI.")]
    elif contract_kind == Contract.Kind.CDD and months not in CDD_MONTHS:
        errors["months"] = [_("A CDD lasts 3 or 6 months.")]
    if start_on is None:
        errors["start_on"] = [_("Give the first day of the contract.")]
    elif contract_kind == Contract.Kind.CDD and months in CDD_MONTHS:
        today = timezone.localdate(timezone=candidate.territory.zone)
        if fixed_term_end(start_on=start_on, months=months) < today:
            errors["start_on"] = [_("This contract would already be over.")]
    return errors


@transaction.atomic
def add_candidates(
    *, territory: Territory, candidates: list[CandidateData], by: User | None, now: datetime
) -> list[Candidate]:
    """Record new candidates at the stage "applied", all or none."""
    # Serialise the additions of one territory: two uploads of the same phone must not both pass.
    Territory.objects.select_for_update().filter(pk=territory.pk).first()
    phones = [data.phone for data in candidates]
    taken = open_candidate_phones(territory=territory, phones=phones)
    twice = {phone for phone in phones if phones.count(phone) > 1}
    if taken or twice:
        numbers = ", ".join(sorted(taken | twice))
        raise CandidateInputRefused(
            {
                "phone": [
                    _("A candidate with this phone is already open: %(phone)s") % {"phone": numbers}
                ]
            }
        )
    rows = Candidate.objects.bulk_create(
        [
            Candidate(
                territory=territory,
                first_name=data.first_name,
                last_name=data.last_name,
                phone=data.phone,
                email=data.email,
                source=data.source,
                notes=data.notes,
                stage=Stage.APPLIED,
                stage_changed_at=now,
                applied_at=now,
                last_heard_at=now,
            )
            for data in candidates
        ]
    )
    Through = Candidate.languages.through
    Through.objects.bulk_create(
        [
            Through(candidate_id=row.pk, language_id=language.pk)
            for row, data in zip(rows, candidates, strict=True)
            for language in dict.fromkeys(data.languages)
        ]
    )
    CandidateEvent.objects.bulk_create(
        [
            CandidateEvent(candidate=row, from_stage="", to_stage=Stage.APPLIED, at=now, by=by)
            for row in rows
        ]
    )
    return rows


def add_candidate(
    *, territory: Territory, data: CandidateData, by: User | None, now: datetime
) -> Candidate:
    """Record a new candidate at the stage "applied"."""
    return add_candidates(territory=territory, candidates=[data], by=by, now=now)[0]


@transaction.atomic
def schedule_assessment(
    *, candidate: Candidate, at: datetime, by: User | None, now: datetime, note: str = ""
) -> Candidate:
    """Book the phone assessment with the candidate."""
    locked = _lock(candidate, to=Stage.ASSESSMENT_SCHEDULED)
    return _move(
        locked,
        to=Stage.ASSESSMENT_SCHEDULED,
        by=by,
        now=now,
        note=note,
        heard=True,
        assessment_at=at,
    )


@transaction.atomic
def record_assessment(
    *,
    candidate: Candidate,
    score: int,
    passed: bool,
    by: User | None,
    now: datetime,
    note: str = "",
) -> Candidate:
    """Record the phone assessment's score (0 to 100) and verdict."""
    if not 0 <= score <= 100:
        raise CandidateInputRefused({"score": [_("A score between 0 and 100.")]})
    locked = _lock(candidate, to=Stage.ASSESSED)
    return _move(
        locked,
        to=Stage.ASSESSED,
        by=by,
        now=now,
        note=note,
        heard=True,
        assessment_score=score,
        assessment_passed=passed,
        assessed_by=by,
    )


@transaction.atomic
def enrol_in_training(
    *,
    candidate: Candidate,
    session: TrainingSession,
    by: User | None,
    now: datetime,
    note: str = "",
) -> Candidate:
    """Give the candidate a seat in a training session of their territory."""
    locked = _lock(candidate, to=Stage.IN_TRAINING)
    # Lock the session: two enrolments racing for its last seat must not both get it.
    session = (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("territory")
        .get(pk=session.pk)
    )
    if session.territory_id != locked.territory_id:
        raise TrainingSessionRefused(_("This training session belongs to another territory."))
    if session.ends_on < timezone.localdate(now, timezone=session.territory.zone):
        raise TrainingSessionRefused(_("This training session is over."))
    seats_taken = Candidate.objects.filter(
        training_session=session, stage__in=SEATED_STAGES
    ).count()
    if seats_taken >= session.capacity:
        raise TrainingSessionRefused(_("This training session is full."))
    return _move(
        locked,
        to=Stage.IN_TRAINING,
        by=by,
        now=now,
        note=note,
        heard=True,
        training_session=session,
    )


@transaction.atomic
def complete_training(
    *, candidate: Candidate, by: User | None, now: datetime, note: str = ""
) -> Candidate:
    """Record that the candidate followed the whole training."""
    locked = _lock(candidate, to=Stage.TRAINED)
    return _move(locked, to=Stage.TRAINED, by=by, now=now, note=note, heard=True)


@transaction.atomic
def hire_candidate(
    *,
    candidate: Candidate,
    by: User | None,
    username: str,
    password: str,
    plateau: Plateau,
    team: Team | None = None,
    role: str = roles.TELECONSEILLER,
    contract_kind: str,
    start_on: date,
    months: int | None = None,
    now: datetime,
    note: str = "",
) -> Candidate:
    """Hire a trained candidate: user account, agent with languages, plateau and team, and
    contract."""
    locked = _lock(candidate, to=Stage.HIRED)
    errors = hiring_errors(
        candidate=locked,
        username=username,
        password=password,
        plateau=plateau,
        team=team,
        role=role,
        contract_kind=contract_kind,
        months=months,
        start_on=start_on,
    )
    if errors:
        raise CandidateInputRefused(errors)
    end_on: date | None = None
    if contract_kind == Contract.Kind.CDD:
        assert months is not None  # hiring_errors() refused a CDD without its months
        end_on = fixed_term_end(start_on=start_on, months=months)
    try:
        # create_agent runs in its own savepoint: a failed insert leaves this transaction usable.
        agent = create_agent(
            username=username.strip(),
            password=password,
            first_name=locked.first_name,
            last_name=locked.last_name,
            email=locked.email,
            role=role,
            territory=locked.territory,
            languages=list(locked.languages.all()),
            today=start_on,
            plateau=plateau,
            team=team,
            contract_end=end_on,
            # The admin chose the password: the new agent changes it at their first login.
            temporary_password=True,
        )
    except IntegrityError:
        # Another request took the username between our check and the insert.
        raise CandidateInputRefused({"username": [_("This username is already taken.")]}) from None
    return _move(locked, to=Stage.HIRED, by=by, now=now, note=note, heard=True, agent=agent)


@transaction.atomic
def reject_candidate(
    *, candidate: Candidate, by: User | None, now: datetime, note: str = ""
) -> Candidate:
    """Close the candidate's file: we do not take them."""
    locked = _lock(candidate, to=Stage.REJECTED)
    return _move(locked, to=Stage.REJECTED, by=by, now=now, note=note)


@transaction.atomic
def withdraw_candidate(
    *, candidate: Candidate, by: User | None, now: datetime, note: str = ""
) -> Candidate:
    """Close the candidate's file: they told us they give up."""
    locked = _lock(candidate, to=Stage.WITHDRAWN)
    return _move(locked, to=Stage.WITHDRAWN, by=by, now=now, note=note, heard=True)


@transaction.atomic
def record_candidate_answer(*, candidate: Candidate, now: datetime) -> Candidate:
    """Record that the candidate answered us, which restarts the no-answer delay."""
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if not locked.is_open:
        raise CandidateTransitionRefused(_("This candidate's file is closed."))
    locked.last_heard_at = now
    locked.save(update_fields=["last_heard_at"])
    return locked


@transaction.atomic
def create_training_session(
    *,
    territory: Territory,
    name: str,
    starts_on: date,
    capacity: int,
    days: int = 2,
    plateau: Plateau | None = None,
) -> TrainingSession:
    """Open a training cohort with its number of seats."""
    if plateau is not None and plateau.territory_id != territory.pk:
        raise CandidateInputRefused({"plateau": [_("This plateau belongs to another territory.")]})
    return TrainingSession.objects.create(
        territory=territory,
        plateau=plateau,
        name=name.strip(),
        starts_on=starts_on,
        days=days,
        capacity=capacity,
    )


def close_unanswered_candidates(*, now: datetime) -> int:
    """Close as "no answer" the candidates we have not heard from for CANDIDATE_NO_ANSWER_DAYS."""
    days = settings.CANDIDATE_NO_ANSWER_DAYS
    cutoff = now - timedelta(days=days)
    note = _("No answer for %(days)d days.") % {"days": days}
    # A failed assessment waits on us (the rejection), not on the candidate.
    silent = Candidate.objects.filter(
        stage__in=Candidate.WAITING_STAGES, last_heard_at__lt=cutoff
    ).exclude(stage=Stage.ASSESSED, assessment_passed=False)
    closed = 0
    while True:
        with transaction.atomic():
            # Skip rows someone is moving right now: the next run sees them again if still silent.
            batch = list(
                silent.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", "stage")[:_CHUNK]
            )
            if not batch:
                return closed
            ids = [pk for pk, _stage in batch]
            # Conditional: only rows still silent and waiting are closed, so a second run closes
            # nothing.
            silent.filter(pk__in=ids).update(stage=Stage.NO_ANSWER, stage_changed_at=now)
            # Without row locks (SQLite) a row may have moved in between: log only those closed
            # here.
            done = set(
                Candidate.objects.filter(
                    pk__in=ids, stage=Stage.NO_ANSWER, stage_changed_at=now
                ).values_list("pk", flat=True)
            )
            CandidateEvent.objects.bulk_create(
                [
                    CandidateEvent(
                        candidate_id=pk,
                        from_stage=stage,
                        to_stage=Stage.NO_ANSWER,
                        at=now,
                        by=None,
                        note=note,
                    )
                    for pk, stage in batch
                    if pk in done
                ]
            )
            closed += len(done)


def _lock(candidate: Candidate, *, to: str) -> Candidate:
    """Lock the candidate's row and refuse the move if its current stage does not allow it."""
    # Only the candidate's row: locking its territory too would serialise every move of the CPAM.
    locked = (
        Candidate.objects.select_for_update(of=("self",))
        .select_related("territory")
        .get(pk=candidate.pk)
    )
    check_move(locked, to=to)
    return locked


def _move(
    candidate: Candidate,
    *,
    to: str,
    by: User | None,
    now: datetime,
    note: str,
    heard: bool = False,
    **fields: object,
) -> Candidate:
    from_stage = candidate.stage
    for name, value in fields.items():
        setattr(candidate, name, value)
    candidate.stage, candidate.stage_changed_at = to, now
    update_fields = [*fields, "stage", "stage_changed_at"]
    if heard:
        candidate.last_heard_at = now
        update_fields.append("last_heard_at")
    candidate.save(update_fields=update_fields)
    CandidateEvent.objects.create(
        candidate=candidate, from_stage=from_stage, to_stage=to, at=now, by=by, note=note.strip()
    )
    return candidate


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
