"""Pages of recruitment: the pipeline board, candidates and their moves, training sessions, the CSV
import."""

from collections.abc import Callable
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agents import roles
from agents.access import access_own_territory_unless_superuser, territory_today
from agents.models import Territory
from agents.roles import role_required
from common.exceptions import DomainError
from workforce.exceptions import CandidateImportError, CandidateInputRefused
from workforce.forms.recruitment import (
    AssessmentForm,
    CandidateFilterForm,
    CandidateForm,
    CandidateImportForm,
    EnrolForm,
    HireForm,
    NoteForm,
    ScheduleAssessmentForm,
    TrainingSessionForm,
)
from workforce.models.recruitment import Candidate
from workforce.selectors import recruitment as selectors
from workforce.services import recruitment as services
from workforce.services.candidate_import import MAX_FILE_BYTES, MAX_ROWS, import_candidates
from workforce.views.confirmation import confirmed, render_confirmation

Stage = Candidate.Stage
RECRUITER = roles.ADMIN_CPAM
PAGE_SIZE = 50


@require_GET
@role_required(RECRUITER)
def recruitment_board(request: HttpRequest) -> HttpResponse:
    """Show the pipeline: candidates per stage, and per language and stage."""
    board = selectors.pipeline_board(user=request.user)
    return render(request, "workforce/recruitment/board.html", {"board": board})


@require_GET
@role_required(RECRUITER)
def candidate_list(request: HttpRequest) -> HttpResponse:
    """List the candidates of the user's territory, filtered by stage, language, source or name."""
    filter_form = CandidateFilterForm(request.GET)
    # The page header reads the agent and territory anyway: no query more.
    agent = getattr(request.user, "agent", None)
    filter_form.fields["language"].pin_for(agent.territory if agent else None)
    filters = filter_form.filters()
    page = Paginator(
        selectors.candidates_for_list(user=request.user, **filters), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = urlencode({key: value for key, value in request.GET.items() if key != "page" and value})
    context = {
        "page": page,
        "filter_form": filter_form,
        "filtered": any(filters.values()),
        "query": query,
    }
    return render(request, "workforce/recruitment/candidate_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(RECRUITER)
def candidate_new(request: HttpRequest) -> HttpResponse:
    """Record a new candidate at the stage "applied"."""
    territory = access_own_territory_unless_superuser(request.user)
    territories = Territory.objects.for_user(request.user)
    data = request.POST if request.method == "POST" else None
    form = CandidateForm(data, territory=territory, territories=territories)
    if request.method == "POST" and form.is_valid():
        try:
            candidate = services.add_candidate(
                territory=form.chosen_territory(),
                data=form.candidate_data(),
                by=request.user,
                now=timezone.now(),
            )
        except CandidateInputRefused as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Candidate %(name)s recorded.") % {"name": candidate})
            return redirect("workforce:candidate-detail", pk=candidate.pk)
    return render(
        request,
        "workforce/recruitment/candidate_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(RECRUITER)
def candidate_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of candidates: every row is checked, then all are recorded or none."""
    territory = access_own_territory_unless_superuser(request.user)
    territories = Territory.objects.for_user(request.user)
    imported = None
    errors: list[str] = []
    if request.method == "POST":
        form = CandidateImportForm(
            request.POST, request.FILES, territory=territory, territories=territories
        )
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                imported = import_candidates(
                    territory=form.chosen_territory(),
                    content=b"".join(upload.chunks()),
                    by=request.user,
                    now=timezone.now(),
                )
            except CandidateImportError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d candidate imported.",
                        "%(count)d candidates imported.",
                        len(imported),
                    )
                    % {"count": len(imported)},
                )
                form = CandidateImportForm(territory=territory, territories=territories)
    else:
        form = CandidateImportForm(territory=territory, territories=territories)
    context = {
        "form": form,
        "imported": imported,
        "errors": errors,
        "max_megabytes": MAX_FILE_BYTES // (1024 * 1024),
        "max_rows": MAX_ROWS,
    }
    return render(
        request,
        "workforce/recruitment/candidate_import.html",
        context,
        status=400 if errors else 200,
    )


@require_GET
@role_required(RECRUITER)
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a candidate, their history, and the moves open to them now."""
    candidate = selectors.get_candidate_for_user(user=request.user, pk=pk)
    return _render_detail(request, candidate)


# --- Moves: one POST endpoint each, sharing one way of answering -----------------------------


def _enrol_sessions(candidate: Candidate):
    return selectors.sessions_open_for_enrolment(
        candidate=candidate, today=territory_today(candidate.territory)
    )


# Each form on the detail page: its key, how to build it, and the stage its move leads to
# (None: not a move, only "the candidate answered").
_FORMS: dict[str, tuple[Callable[..., forms.Form], str | None]] = {
    "schedule": (
        lambda data, c: ScheduleAssessmentForm(data, territory=c.territory, auto_id="schedule-%s"),
        Stage.ASSESSMENT_SCHEDULED,
    ),
    "assess": (lambda data, c: AssessmentForm(data, auto_id="assess-%s"), Stage.ASSESSED),
    "enrol": (
        lambda data, c: EnrolForm(data, sessions=_enrol_sessions(c), auto_id="enrol-%s"),
        Stage.IN_TRAINING,
    ),
    "complete": (lambda data, c: NoteForm(data, auto_id="complete-%s"), Stage.TRAINED),
    "hire": (lambda data, c: HireForm(data, candidate=c), Stage.HIRED),
    "reject": (lambda data, c: NoteForm(data, auto_id="reject-%s"), Stage.REJECTED),
    "withdraw": (lambda data, c: NoteForm(data, auto_id="withdraw-%s"), Stage.WITHDRAWN),
}


def _render_detail(
    request: HttpRequest, candidate: Candidate, *, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    moves = services.allowed_moves(candidate)
    action_forms = {
        key: (bound or {}).get(key) or build(None, candidate)
        for key, (build, to) in _FORMS.items()
        if to in moves
    }
    context = {
        "candidate": candidate,
        "events": selectors.candidate_events(candidate=candidate),
        "forms": action_forms,
        "can_answer": candidate.is_open,
        "no_free_session": "enrol" in action_forms
        and len(action_forms["enrol"].fields["training_session"].choices) <= 1,
    }
    return render(request, "workforce/recruitment/candidate_detail.html", context, status=status)


def _add_errors(form: forms.Form, exc: CandidateInputRefused) -> None:
    for field, field_messages in exc.errors.items():
        form.add_error(field if field in form.fields else None, field_messages)


# Moves that close a file for good (no move leaves a closed stage): asked first on a page of their
# own, which posts the same form again with the confirmation.
CLOSING_MOVES = {
    "reject": (
        lambda: _("Reject this candidate?"),
        lambda: _("Reject the candidate"),
    ),
    "withdraw": (
        lambda: _("Record that this candidate withdrew?"),
        lambda: _("Record the withdrawal"),
    ),
}


def _confirm_closing(
    request: HttpRequest, candidate: Candidate, key: str, note: str
) -> HttpResponse:
    title, label = CLOSING_MOVES[key]
    consequences = [
        _("The file of %(name)s is closed: it leaves the board and the candidates in progress.")
        % {"name": f"{candidate.first_name} {candidate.last_name}"},
        _("A closed file cannot be reopened: a new application starts a new file."),
    ]
    if candidate.stage in services.SEATED_STAGES and candidate.training_session_id:
        consequences.append(
            _("Their seat in the training session %(session)s is freed.")
            % {"session": candidate.training_session}
        )
    return render_confirmation(
        request,
        title=title(),
        facts=[
            (_("Candidate"), f"{candidate.first_name} {candidate.last_name}"),
            (_("Stage"), candidate.get_stage_display()),
            (_("Note"), note or "—"),
        ],
        consequences=consequences,
        hidden=[("note", note)],
        confirm_label=label(),
        back_url=reverse("workforce:candidate-detail", args=[candidate.pk]),
        back_label=_("Back to the file"),
    )


def _move(
    request: HttpRequest, pk: int, key: str, act: Callable[[Candidate, dict], object], success: str
) -> HttpResponse:
    """Check the form of one move, run it, and answer: the detail page again, with a message or
    errors."""
    candidate = selectors.get_candidate_for_user(user=request.user, pk=pk)
    build, to = _FORMS[key]
    try:
        # Checked before the form: a stale page must say the move is refused, not show errors.
        services.check_move(candidate, to=to)
        form = build(request.POST, candidate)
        if form.is_valid() and not roles.may_grant_role(
            request.user, form.cleaned_data.get("role", roles.TELECONSEILLER)
        ):
            # A CPAM admin making another would escape the national admins' oversight.
            form.add_error("role", _("Only a national admin can create a CPAM admin."))
        if not form.is_valid():
            return _render_detail(request, candidate, bound={key: form}, status=400)
        if key in CLOSING_MOVES and not confirmed(request):
            return _confirm_closing(request, candidate, key, form.cleaned_data["note"])
        act(candidate, form.cleaned_data)
    except CandidateInputRefused as exc:
        _add_errors(form, exc)
        return _render_detail(request, candidate, bound={key: form}, status=400)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, success)
    return redirect("workforce:candidate-detail", pk=candidate.pk)


@require_POST
@role_required(RECRUITER)
def candidate_schedule_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """Book the candidate's phone assessment."""

    def act(candidate, data):
        services.schedule_assessment(
            candidate=candidate,
            at=data["assessment_at"],
            by=request.user,
            now=timezone.now(),
            note=data["note"],
        )

    return _move(request, pk, "schedule", act, _("Phone assessment scheduled."))


@require_POST
@role_required(RECRUITER)
def candidate_assess(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the phone assessment's score and verdict."""

    def act(candidate, data):
        services.record_assessment(
            candidate=candidate,
            score=data["score"],
            passed=data["passed"],
            by=request.user,
            now=timezone.now(),
            note=data["note"],
        )

    return _move(request, pk, "assess", act, _("Assessment recorded."))


@require_POST
@role_required(RECRUITER)
def candidate_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the candidate a seat in a training session."""

    def act(candidate, data):
        services.enrol_in_training(
            candidate=candidate,
            session=data["training_session"],
            by=request.user,
            now=timezone.now(),
            note=data["note"],
        )

    return _move(request, pk, "enrol", act, _("Candidate enrolled in the training session."))


@require_POST
@role_required(RECRUITER)
def candidate_complete_training(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the candidate followed the training."""

    def act(candidate, data):
        services.complete_training(
            candidate=candidate, by=request.user, now=timezone.now(), note=data["note"]
        )

    return _move(request, pk, "complete", act, _("Training recorded as done."))


@require_POST
@role_required(RECRUITER)
def candidate_hire(request: HttpRequest, pk: int) -> HttpResponse:
    """Hire the candidate: account, agent and contract in one step."""

    def act(candidate, data):
        hired = services.hire_candidate(
            candidate=candidate,
            by=request.user,
            username=data["username"],
            password=data["password"],
            plateau=data["plateau"],
            team=data["team"],
            role=data["role"],
            contract_kind=data["contract_kind"],
            months=data["months"],
            start_on=data["start_on"],
            now=timezone.now(),
            note=data["note"],
        )
        if not hired.agent.user.is_active:
            day = date_format(data["start_on"], "DATE_FORMAT")
            messages.info(
                request, _("The account opens on the contract's first day, %(day)s.") % {"day": day}
            )

    return _move(
        request,
        pk,
        "hire",
        act,
        _("Candidate hired: their account, agent profile and contract are created."),
    )


@require_POST
@role_required(RECRUITER)
def candidate_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the candidate's file: not taken."""

    def act(candidate, data):
        services.reject_candidate(
            candidate=candidate, by=request.user, now=timezone.now(), note=data["note"]
        )

    return _move(request, pk, "reject", act, _("Candidate rejected."))


@require_POST
@role_required(RECRUITER)
def candidate_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the candidate's file: they gave up."""

    def act(candidate, data):
        services.withdraw_candidate(
            candidate=candidate, by=request.user, now=timezone.now(), note=data["note"]
        )

    return _move(request, pk, "withdraw", act, _("Candidate recorded as withdrawn."))


@require_POST
@role_required(RECRUITER)
def candidate_answered(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the candidate answered us (restarts the no-answer delay)."""
    candidate = selectors.get_candidate_for_user(user=request.user, pk=pk)
    try:
        services.record_candidate_answer(candidate=candidate, now=timezone.now())
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Answer recorded."))
    return redirect("workforce:candidate-detail", pk=candidate.pk)


# --- Training sessions ------------------------------------------------------------------------


def _render_sessions(
    request: HttpRequest, form: TrainingSessionForm, *, status: int = 200
) -> HttpResponse:
    sessions = selectors.training_sessions_with_seats(user=request.user)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workforce/recruitment/training_session_list.html",
        {"page": page, "form": form},
        status=status,
    )


@require_GET
@role_required(RECRUITER)
def training_session_list(request: HttpRequest) -> HttpResponse:
    """List the training sessions with their seats taken and free, and the form to open one."""
    form = TrainingSessionForm(
        territory=access_own_territory_unless_superuser(request.user),
        territories=Territory.objects.for_user(request.user),
    )
    return _render_sessions(request, form)


@require_POST
@role_required(RECRUITER)
def training_session_new(request: HttpRequest) -> HttpResponse:
    """Open a training session."""
    form = TrainingSessionForm(
        request.POST,
        territory=access_own_territory_unless_superuser(request.user),
        territories=Territory.objects.for_user(request.user),
    )
    if not form.is_valid():
        return _render_sessions(request, form, status=400)
    data = form.cleaned_data
    session = services.create_training_session(
        territory=form.chosen_territory(),
        name=data["name"],
        plateau=data["plateau"],
        starts_on=data["starts_on"],
        days=data["days"],
        capacity=data["capacity"],
    )
    messages.success(request, _("Training session %(session)s opened.") % {"session": session})
    return redirect("workforce:training-session-list")
