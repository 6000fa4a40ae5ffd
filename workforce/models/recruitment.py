"""Recruitment: candidates, their phone assessment, 2-day training cohorts and the decision."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, Language, Plateau, Territory, scope_for_user


class TrainingSessionQuerySet(models.QuerySet):
    def for_user(self, user) -> "TrainingSessionQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class TrainingSession(models.Model):
    """A 2-day training cohort with a number of seats."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        related_name="training_sessions",
        verbose_name=_("territory"),
    )
    plateau = models.ForeignKey(
        Plateau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plateau"),
    )
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("first day"))
    days = models.PositiveSmallIntegerField(_("days"), default=2)
    capacity = models.PositiveSmallIntegerField(_("seats"))

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        # Moved from the agents app; the table keeps its name.
        db_table = "agents_trainingsession"
        ordering = ["starts_on", "name"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="training_session_has_seats"),
            models.CheckConstraint(condition=Q(days__gte=1), name="training_session_has_days"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%d/%m/%Y})"

    @property
    def ends_on(self):
        return self.starts_on + timedelta(days=self.days - 1)


class CandidateQuerySet(models.QuerySet):
    def for_user(self, user) -> "CandidateQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class Candidate(models.Model):
    """Someone applying for a job on the floor, from application to hiring or closure."""

    class Source(models.TextChoices):
        JOB_BOARD = "job_board", _("Job board")
        TEMP_AGENCY = "temp_agency", _("Temp agency")
        FRANCE_TRAVAIL = "france_travail", _("France Travail")
        REFERRAL = "referral", _("Referral")
        SPONTANEOUS = "spontaneous", _("Spontaneous application")
        OTHER = "other", _("Other")

    class Stage(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ASSESSMENT_SCHEDULED = "assessment_scheduled", _("Phone assessment scheduled")
        ASSESSED = "assessed", _("Assessed")
        IN_TRAINING = "in_training", _("In training")
        TRAINED = "trained", _("Trained")
        HIRED = "hired", _("Hired")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        NO_ANSWER = "no_answer", _("No answer")

    OPEN_STAGES = (
        Stage.APPLIED,
        Stage.ASSESSMENT_SCHEDULED,
        Stage.ASSESSED,
        Stage.IN_TRAINING,
        Stage.TRAINED,
    )
    # Stages where we wait on the candidate: silence there for CANDIDATE_NO_ANSWER_DAYS closes them.
    WAITING_STAGES = (Stage.APPLIED, Stage.ASSESSMENT_SCHEDULED, Stage.ASSESSED, Stage.TRAINED)

    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="candidates", verbose_name=_("territory")
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=20, help_text=_("E.164, e.g. +33612345678"))
    email = models.EmailField(_("e-mail"), blank=True)
    languages = models.ManyToManyField(
        Language,
        related_name="candidates",
        verbose_name=_("languages"),
        db_table="agents_candidate_languages",
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.JOB_BOARD
    )
    stage = models.CharField(
        _("stage"), max_length=24, choices=Stage.choices, default=Stage.APPLIED
    )
    stage_changed_at = models.DateTimeField(_("stage changed at"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    # The last time the candidate answered us; the no-answer sweep counts from here.
    last_heard_at = models.DateTimeField(_("last heard from at"), default=timezone.now)
    assessment_at = models.DateTimeField(_("phone assessment at"), null=True, blank=True)
    assessment_score = models.PositiveSmallIntegerField(
        _("assessment score"), null=True, blank=True
    )
    assessment_passed = models.BooleanField(_("assessment passed"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    training_session = models.ForeignKey(
        TrainingSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidates",
        verbose_name=_("training session"),
    )
    agent = models.OneToOneField(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidate",
        verbose_name=_("agent"),
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        # Moved from the agents app; the table keeps its name.
        db_table = "agents_candidate"
        ordering = ["-applied_at"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.CheckConstraint(
                condition=Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"), name="candidate_phone_e164"
            ),
            models.CheckConstraint(
                condition=Q(assessment_score__isnull=True) | Q(assessment_score__lte=100),
                name="candidate_score_out_of_100",
            ),
            models.CheckConstraint(
                condition=~Q(stage="hired") | Q(agent__isnull=False),
                name="candidate_hired_has_agent",
            ),
        ]
        indexes = [
            models.Index(fields=["territory", "stage"], name="candidate_territory_stage"),
            models.Index(fields=["stage", "last_heard_at"], name="candidate_stage_last_heard"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN_STAGES


class CandidateEventQuerySet(models.QuerySet):
    def for_user(self, user) -> "CandidateEventQuerySet":
        return scope_for_user(self, user, territory="candidate__territory_id")


class CandidateEvent(models.Model):
    """One move of a candidate through the pipeline: the history of who decided what, and when."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="events", verbose_name=_("candidate")
    )
    from_stage = models.CharField(
        _("from"), max_length=24, choices=Candidate.Stage.choices, blank=True
    )
    to_stage = models.CharField(_("to"), max_length=24, choices=Candidate.Stage.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty when the system did it (the no-answer sweep)."),
    )
    note = models.TextField(_("note"), blank=True)

    objects = CandidateEventQuerySet.as_manager()

    class Meta:
        # Moved from the agents app; the table keeps its name.
        db_table = "agents_candidateevent"
        ordering = ["candidate", "at", "pk"]
        verbose_name = _("candidate event")
        verbose_name_plural = _("candidate events")

    def __str__(self) -> str:
        return f"{self.candidate} {self.from_stage} → {self.to_stage}"
