"""The work: call tasks (the queue), assignments (leases) and call attempts."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents import roles
from agents.models import Agent, Language, Territory, staff_territory_id
from cases.models import Exposure, IndexCase, Person


class CallTaskQuerySet(models.QuerySet):
    def for_user(self, user) -> "CallTaskQuerySet":
        if user.is_superuser:
            return self
        if roles.has_role(user, roles.ADMIN_CPAM, roles.SUPERVISEUR):
            return self.filter(territory_id=staff_territory_id(user))
        if roles.has_role(user, roles.TELECONSEILLER):
            return self.filter(lease_holder__user=user)
        return self.none()

    def open(self) -> "CallTaskQuerySet":
        return self.filter(status__in=CallTask.OPEN_STATUSES)


class CallTask(models.Model):
    """One person to call for one reason, before a deadline."""

    class Reason(models.TextChoices):
        INDEX_INTERVIEW = "index_interview", _("Patient zéro interview")
        CONTACT_NOTIFICATION = "contact_notification", _("Contact notification")
        FOLLOW_UP = "follow_up", _("Follow-up")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        ASSIGNED = "assigned", _("Assigned")
        DONE = "done", _("Reached")
        NOTIFIED = "notified", _("Notified by SMS")
        ESCALATED = "escalated", _("Escalated")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.QUEUED, Status.ASSIGNED, Status.ESCALATED)

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="call_tasks", verbose_name=_("person"))
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    index_case = models.ForeignKey(
        IndexCase, on_delete=models.CASCADE, null=True, blank=True, related_name="call_tasks", verbose_name=_("index case")
    )
    exposure = models.ForeignKey(
        Exposure, on_delete=models.CASCADE, null=True, blank=True, related_name="call_tasks", verbose_name=_("exposure")
    )
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="call_tasks", verbose_name=_("territory"))
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+", verbose_name=_("language"))
    deadline_at = models.DateTimeField(_("deadline"))
    priority = models.SmallIntegerField(_("priority"), default=0, help_text=_("Higher goes first among equal deadlines."))
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    lease_holder = models.ForeignKey(
        Agent, on_delete=models.PROTECT, null=True, blank=True, related_name="leased_tasks", verbose_name=_("lease holder")
    )
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CallTaskQuerySet.as_manager()

    class Meta:
        ordering = ["deadline_at", "-priority", "created_at"]
        verbose_name = _("call task")
        verbose_name_plural = _("call tasks")
        constraints = [
            # A lease is a holder and an expiry together, and only an assigned task has one.
            models.CheckConstraint(
                condition=(Q(status="assigned", lease_holder__isnull=False, lease_expires_at__isnull=False))
                | (~Q(status="assigned") & Q(lease_holder__isnull=True, lease_expires_at__isnull=True)),
                name="call_task_lease_iff_assigned",
            ),
            # Invariant 7: one open task per person and reason, so no two agents call for it.
            models.UniqueConstraint(
                fields=["person", "reason"],
                condition=Q(status__in=["queued", "assigned", "escalated"]),
                name="call_task_one_open_per_person_reason",
            ),
            models.CheckConstraint(
                condition=~Q(reason="contact_notification") | Q(exposure__isnull=False), name="call_task_contact_has_exposure"
            ),
            models.CheckConstraint(
                condition=~Q(reason="index_interview") | Q(index_case__isnull=False), name="call_task_interview_has_index_case"
            ),
        ]
        indexes = [
            # The queue's order among queued tasks of one territory and language.
            models.Index(
                fields=["territory", "language", "deadline_at", "-priority", "created_at"],
                condition=Q(status="queued"),
                name="call_task_queue_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} – {self.person}"


class Assignment(models.Model):
    """A lease of one task to one agent; the outcome closes it."""

    task = models.ForeignKey(CallTask, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("task"))
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("agent"))
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    lease_expires_at = models.DateTimeField(_("lease expires at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            # Invariant 1, held by the database: no two agents hold the same task at once.
            models.UniqueConstraint(fields=["task"], condition=Q(closed_at__isnull=True), name="assignment_one_open_per_task"),
        ]

    def __str__(self) -> str:
        return f"{self.task} → {self.agent}"


class CallAttemptQuerySet(models.QuerySet):
    def for_user(self, user) -> "CallAttemptQuerySet":
        if user.is_superuser:
            return self
        if roles.has_role(user, roles.ADMIN_CPAM, roles.SUPERVISEUR):
            return self.filter(task__territory_id=staff_territory_id(user))
        if roles.has_role(user, roles.TELECONSEILLER):
            return self.filter(agent__user=user)
        return self.none()


class CallAttempt(models.Model):
    """One call, with server timestamps: the source of every count shown to supervisors."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        VOICEMAIL = "voicemail", _("Voicemail")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        REFUSED = "refused", _("Refused")
        CALLBACK = "callback", _("Callback requested")
        LANGUAGE_BARRIER = "language_barrier", _("Language barrier")
        NOT_CONCERNED = "not_concerned", _("Deceased or not concerned")

    task = models.ForeignKey(CallTask, on_delete=models.CASCADE, related_name="call_attempts", verbose_name=_("task"))
    assignment = models.ForeignKey(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="call_attempts", verbose_name=_("assignment")
    )
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="call_attempts", verbose_name=_("agent"))
    phone = models.CharField(_("phone dialled"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    connected_at = models.DateTimeField(_("connected at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    telephony_ref = models.CharField(_("telephony reference"), max_length=64, blank=True)
    accepted = models.BooleanField(_("accepted"), default=True, help_text=_("False when the outcome came on a lost lease."))

    objects = CallAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")), name="call_attempt_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["agent", "started_at"], name="call_attempt_agent_started")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} – {self.task}"
