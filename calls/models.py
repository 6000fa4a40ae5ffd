"""The work: call tasks (the queue), assignments (leases) and call attempts."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, Language, Plateau, Team, Territory, scope_for_user
from cases.models import Exposure, IndexCase, Person
from common.refdata import ReferenceQuerySet


class CallTaskQuerySet(models.QuerySet):
    def for_user(self, user) -> "CallTaskQuerySet":
        return scope_for_user(self, user, territory="territory_id", own="lease_holder__user")

    def open(self) -> "CallTaskQuerySet":
        return self.filter(status__in=CallTask.OPEN_STATUSES)

    def claimable(self, *, agent_id: int, now) -> "CallTaskQuerySet":
        """Select the tasks any claim may take now, whatever their queue: queued, not held back by
        `not_before`, and not another agent's callback (DESIGN.md §2). The PostgreSQL claim
        compiles this same queryset into its SQL (calls.services.dispatch)."""
        return (
            self.filter(status=CallTask.Status.QUEUED)
            .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
            .filter(Q(reserved_for__isnull=True) | Q(reserved_for_id=agent_id))
        )

    def fresh(self) -> "CallTaskQuerySet":
        """Select the queued tasks of the fresh queue: open to all, and never held back by
        `not_before`, or back in deadline order since the sweep saw it pass (the partial index
        call_task_fresh_queue)."""
        return self.filter(FRESH_QUEUE)

    def waiting(self) -> "CallTaskQuerySet":
        """Select the queued tasks open to all held back by a `not_before` the sweep has not let
        through yet, due or not (the partial index call_task_waiting)."""
        return self.filter(WAITING)

    def eligible_for(
        self, *, agent: Agent, territory_ids: list[int], language_codes: list[str], now
    ) -> "CallTaskQuerySet":
        """Return the tasks this agent may take now, most urgent first (DESIGN.md §2, §3)."""
        return (
            self.claimable(agent_id=agent.pk, now=now)
            .filter(territory_id__in=territory_ids, language_id__in=language_codes)
            .order_by(*CLAIM_ORDER)
        )


# Among eligible tasks: by band first (handed to this agent by a supervisor, then in time, then
# past the deadline), then the earliest deadline, the highest priority, the oldest. The band
# leads the partial index call_task_queue_order too, so that the claim stays one index walk.
CLAIM_ORDER = ("queue_band", "deadline_at", "-priority", "created_at")

# The queued tasks open to all (an owned callback or a call handed to an agent is neither) fall
# in one of two partial indexes, whose conditions these are (docs/queue.md, "Claiming"):
# - the fresh queue, in claim order: never held back by `not_before`, or let through by the
#   `rejoin-due-retries` sweep once it passed (`rejoined_at` is then that `not_before`);
# - the waiting ones, by `not_before`: a retry or a callback not due yet, or due since the sweep
#   last ran. A new `not_before` (a later retry) takes a task out of the fresh queue by itself.
# The claim reads the head of the first and the few due rows of the second, so that the retries
# waiting at the head of the queue are never walked past.
_OPEN_TO_ALL = Q(status="queued", reserved_for__isnull=True)
FRESH_QUEUE = _OPEN_TO_ALL & (
    Q(not_before__isnull=True) | Q(not_before__lte=models.F("rejoined_at"))
)
WAITING = (
    _OPEN_TO_ALL
    & Q(not_before__isnull=False)
    & (Q(rejoined_at__isnull=True) | Q(not_before__gt=models.F("rejoined_at")))
)


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
        CLOSED = "closed", _("Closed without reaching")
        ESCALATED = "escalated", _("Escalated")
        CANCELLED = "cancelled", _("Cancelled")

    class Escalation(models.TextChoices):
        MAX_ATTEMPTS = "max_attempts", _("Maximum attempts reached")
        DEADLINE = "deadline", _("Deadline reached")
        NO_PHONE = "no_phone", _("No valid phone number")
        LANGUAGE = "language", _("Language barrier, language unknown")

    class Band(models.IntegerChoices):
        """Where a queued task stands in the claim order, before its deadline is compared."""

        HANDED = 0, _("Handed to an agent")
        IN_TIME = 1, _("In time")
        LATE = 2, _("Past its deadline")

    class ClosedReason(models.TextChoices):
        REACHED_ELSEWHERE = "reached_elsewhere", _("Reached by another channel")
        UNREACHABLE = "unreachable", _("Unreachable after every channel")
        REFUSED = "refused", _("Refused")
        DECEASED = "deceased", _("Deceased")
        NOT_CONCERNED = "not_concerned", _("Not concerned")
        DUPLICATE = "duplicate", _("Duplicate")
        RETENTION = "retention", _("Retention period over")
        NOTIFIED_BY_SMS = "notified_by_sms", _("Notified by SMS only")

    # Staff close a call for these reasons; "retention" is the purge's own, "notified_by_sms" the
    # SMS-only channel's.
    STAFF_CLOSED_REASONS = [
        (v, label) for v, label in ClosedReason.choices if v not in ("retention", "notified_by_sms")
    ]

    OPEN_STATUSES = (Status.QUEUED, Status.ASSIGNED, Status.ESCALATED)

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="call_tasks", verbose_name=_("person")
    )
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    index_case = models.ForeignKey(
        IndexCase,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="call_tasks",
        verbose_name=_("index case"),
    )
    exposure = models.ForeignKey(
        Exposure,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="call_tasks",
        verbose_name=_("exposure"),
    )
    # No index of their own: every query by territory is served by the composite indexes that
    # lead with it (call_task_territory_deadline, the queue's), and none reads tasks by language
    # alone; each would be one more entry written by every claim and outcome. Deleting a
    # language (PROTECT) then scans the tasks once: it is rare.
    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        related_name="call_tasks",
        verbose_name=_("territory"),
        db_index=False,
    )
    language = models.ForeignKey(
        Language,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("language"),
        db_index=False,
    )
    deadline_at = models.DateTimeField(_("deadline"))
    priority = models.SmallIntegerField(
        _("priority"), default=0, help_text=_("Higher goes first among equal deadlines.")
    )
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    rejoined_at = models.DateTimeField(
        _("rejoined the queue at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The retry time the sweep let through: from then on the task waits in deadline "
            "order with the others."
        ),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    phone_position = models.PositiveSmallIntegerField(
        _("phone to dial"), default=0, help_text=_("Index among the person's numbers in service.")
    )
    reserved_for = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_callbacks",
        verbose_name=_("callback owner"),
        help_text=_(
            "An owned callback goes only to this agent, unless they are absent when it is due."
        ),
    )
    callback_at = models.DateTimeField(
        _("callback booked for"),
        null=True,
        blank=True,
        help_text=_("The time agreed with the person, until a call is made."),
    )
    queue_band = models.PositiveSmallIntegerField(
        _("queue band"), choices=Band.choices, default=Band.IN_TIME, db_default=Band.IN_TIME
    )
    callable_until = models.DateTimeField(
        _("callable until"),
        null=True,
        blank=True,
        help_text=_(
            "Past its deadline, the task stays in the queue until then, then is escalated."
        ),
    )
    at_risk_since = models.DateTimeField(_("at risk since"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_reason = models.CharField(
        _("escalation reason"), max_length=16, choices=Escalation.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    closed_reason = models.CharField(
        _("closed because"),
        max_length=20,
        choices=ClosedReason.choices,
        blank=True,
        default="",
        db_default="",
    )
    lease_holder = models.ForeignKey(
        Agent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leased_tasks",
        verbose_name=_("lease holder"),
    )
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    first_attempt_at = models.DateTimeField(_("first attempt at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CallTaskQuerySet.as_manager()

    class Meta:
        ordering = ["deadline_at", "-priority", "created_at"]
        verbose_name = _("call task")
        verbose_name_plural = _("call tasks")
        constraints = [
            # A lease is a holder and an expiry together, and only an assigned task has one.
            models.CheckConstraint(
                condition=(
                    Q(status="assigned", lease_holder__isnull=False, lease_expires_at__isnull=False)
                )
                | (
                    ~Q(status="assigned")
                    & Q(lease_holder__isnull=True, lease_expires_at__isnull=True)
                ),
                name="call_task_lease_iff_assigned",
            ),
            # Invariant 7: one open task per person and reason, so no two agents call for it.
            models.UniqueConstraint(
                fields=["person", "reason"],
                condition=Q(status__in=["queued", "assigned", "escalated"]),
                name="call_task_one_open_per_person_reason",
            ),
            models.CheckConstraint(
                condition=~Q(reason="contact_notification") | Q(exposure__isnull=False),
                name="call_task_contact_has_exposure",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="escalated") & ~Q(escalation_reason="") & Q(escalated_at__isnull=False)
                )
                | (~Q(status="escalated") & Q(escalation_reason="")),
                name="call_task_escalation_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(reason="index_interview") | Q(index_case__isnull=False),
                name="call_task_interview_has_index_case",
            ),
        ]
        indexes = [
            # The fresh queue in claim order (CLAIM_ORDER), per territory and language.
            models.Index(
                fields=[
                    "territory",
                    "language",
                    "queue_band",
                    "deadline_at",
                    "-priority",
                    "created_at",
                ],
                condition=FRESH_QUEUE,
                name="call_task_fresh_queue",
            ),
            # The tasks open to all waiting for their not_before, per territory and language: the
            # claim reads those due, the sweep lets them through.
            models.Index(
                fields=["territory", "language", "not_before"],
                condition=WAITING,
                name="call_task_waiting",
            ),
            # The sweeps: open tasks by deadline, leases by expiry, late tasks by the end of their
            # late period.
            models.Index(
                fields=["deadline_at"],
                condition=Q(status__in=["queued", "assigned"]),
                name="call_task_open_deadline",
            ),
            models.Index(
                fields=["deadline_at"],
                condition=Q(status="queued", queue_band=1),
                name="call_task_in_time_deadline",
            ),
            models.Index(
                fields=["callable_until"],
                condition=Q(status="queued", callable_until__isnull=False),
                name="call_task_callable_until",
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status="assigned"),
                name="call_task_lease_expiry",
            ),
            # The owned callbacks (and the calls handed to an agent): a claim reads its agent's,
            # the release sweep and the callbacks page all of them.
            models.Index(
                fields=["reserved_for", "not_before"],
                condition=Q(status="queued", reserved_for__isnull=False),
                name="call_task_owned_callbacks",
            ),
            # SLA rollups and reports read a territory's tasks, of any status, by deadline.
            models.Index(fields=["territory", "deadline_at"], name="call_task_territory_deadline"),
            # Queue health's backlog (every poll of the page) reads a territory's open tasks:
            # through the index above it walked every task the territory ever had (199,322 for
            # Paris at national scale, for its 4,093 open ones).
            models.Index(
                fields=["territory", "language"],
                condition=Q(status__in=("queued", "assigned", "escalated")),
                name="call_task_open_by_territory",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} – {self.person}"

    @property
    def needs_interview(self) -> bool:
        """Say whether the call carries the patient zéro's interview: the interview itself, or
        the follow-up booked when only the essentials could be said."""
        return self.reason == self.Reason.INDEX_INTERVIEW or (
            self.reason == self.Reason.FOLLOW_UP
            and self.index_case_id is not None
            and self.exposure_id is None
        )


class TaskEventQuerySet(models.QuerySet):
    def for_user(self, user) -> "TaskEventQuerySet":
        return scope_for_user(self, user, territory="task__territory_id", own="agent__user")


class TaskEvent(models.Model):
    """One step of a task's life outside the plain call loop (past its deadline, escalated,
    assigned, put back, called now, closed, cancelled): who, when, why. Written in the same
    transaction as the change."""

    class Kind(models.TextChoices):
        LATE = "late", _("Deadline passed, still in the queue")
        ESCALATED = "escalated", _("Escalated")
        ASSIGNED = "assigned", _("Assigned to an agent")
        REQUEUED = "requeued", _("Put back in the queue")
        CALLED_NOW = "called_now", _("Called now")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled: already reached")

    task = models.ForeignKey(
        CallTask, on_delete=models.CASCADE, related_name="events", verbose_name=_("task")
    )
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=12, choices=CallTask.Status.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=CallTask.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for the sweeps."),
    )
    agent = models.ForeignKey(
        Agent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
        help_text=_("The agent the task went to."),
    )
    reason = models.CharField(_("why"), max_length=20, blank=True)
    target_at = models.DateTimeField(_("new target time"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))

    objects = TaskEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        indexes = [models.Index(fields=["task", "at"], name="task_event_task_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.at:%Y-%m-%d %H:%M}"

    def reason_label(self) -> str:
        """Return the reason in words: an escalation's or a closing's."""
        for choices in (CallTask.Escalation, CallTask.ClosedReason):
            if self.reason in choices.values:
                return str(choices(self.reason).label)
        return self.reason


class Assignment(models.Model):
    """A lease of one task to one agent; the outcome closes it."""

    class EndReason(models.TextChoices):
        # Why the lease ended: the desk tells its agent in words (a supervisor freed the call, the
        # lease ran out...), and nobody has to guess from the board.
        OUTCOME = "outcome", _("Outcome recorded")
        EXPIRED = "expired", _("Lease expired")
        RELEASED = "released", _("Released by a supervisor")
        OFFLINE = "offline", _("Agent went offline")
        LOGGED_OUT = "logged_out", _("Agent logged out by a supervisor")
        # The carrier reported an answering machine: voicemail was recorded without the agent.
        MACHINE = "machine", _("Answering machine (carrier)")

    class ConnectedSource(models.TextChoices):
        # Who says the person answered: the carrier's `answered` event (evidence), or the
        # agent's own « Answered » click (unproven: the `tel:` fallback, or no carrier event).
        CARRIER = "carrier", _("Carrier")
        AGENT = "agent", _("Agent (unproven)")

    task = models.ForeignKey(
        CallTask, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("task")
    )
    agent = models.ForeignKey(
        Agent, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("agent")
    )
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    lease_expires_at = models.DateTimeField(_("lease expires at"))
    phone = models.CharField(_("phone to dial"), max_length=20, blank=True)
    dialled_at = models.DateTimeField(_("dialled at"), null=True, blank=True)
    connected_at = models.DateTimeField(_("connected at"), null=True, blank=True)
    connected_source = models.CharField(
        _("answer reported by"), max_length=8, choices=ConnectedSource.choices, blank=True
    )
    # The carrier that placed the call, and its id for it (matches its webhooks and CDR lines).
    carrier = models.CharField(_("carrier"), max_length=32, blank=True)
    carrier_call_id = models.CharField(
        _("carrier call id"), max_length=64, blank=True, db_index=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    end_reason = models.CharField(
        _("why it ended"), max_length=12, choices=EndReason.choices, blank=True
    )

    class Meta:
        ordering = ["-claimed_at"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            # Invariant 1, held by the database: no two agents hold the same task at once.
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(closed_at__isnull=True),
                name="assignment_one_open_per_task",
            ),
            # An agent works one call at a time.
            models.UniqueConstraint(
                fields=["agent"],
                condition=Q(closed_at__isnull=True),
                name="assignment_one_open_per_agent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} → {self.agent}"


class CallDraft(models.Model):
    """What the agent has typed on a call's card so far (the interview, the notification, the
    outcome form), saved by the desk as she types: a reload, a lost lease or a supervisor's
    release never loses an interview. The fields are kept as the form posts them."""

    assignment = models.OneToOneField(
        Assignment,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="draft",
        verbose_name=_("assignment"),
    )
    fields = models.JSONField(_("fields"), default=dict)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("call draft")
        verbose_name_plural = _("call drafts")

    def __str__(self) -> str:
        return f"{self.assignment} @ {self.updated_at:%Y-%m-%d %H:%M:%S}"


class CallAttemptQuerySet(models.QuerySet):
    def for_user(self, user) -> "CallAttemptQuerySet":
        return scope_for_user(self, user, territory="task__territory_id", own="agent__user")


class CallAttempt(models.Model):
    """One call, with server timestamps: the source of every count shown to supervisors."""

    class Channel(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

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

    # The outcomes that say the person (or someone for them) spoke with the agent: the call was
    # answered, so it has talk time, from the moment the agent clicks « Answered ».
    CONVERSATION_OUTCOMES = (
        Outcome.REACHED,
        Outcome.REFUSED,
        Outcome.CALLBACK,
        Outcome.LANGUAGE_BARRIER,
        Outcome.NOT_CONCERNED,
    )
    # The ways an inbound call may end: the person is on the line, so never "no answer" or "busy".
    INBOUND_OUTCOMES = (
        Outcome.REACHED,
        Outcome.REFUSED,
        Outcome.CALLBACK,
        Outcome.LANGUAGE_BARRIER,
        Outcome.NOT_CONCERNED,
    )

    task = models.ForeignKey(
        CallTask, on_delete=models.CASCADE, related_name="call_attempts", verbose_name=_("task")
    )
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="call_attempts",
        verbose_name=_("assignment"),
    )
    agent = models.ForeignKey(
        Agent, on_delete=models.PROTECT, related_name="call_attempts", verbose_name=_("agent")
    )
    channel = models.CharField(
        _("channel"),
        max_length=8,
        choices=Channel.choices,
        default=Channel.OUTBOUND,
        help_text=_("Inbound: the person called the platform (no lease, no dialled number)."),
    )
    phone = models.CharField(_("phone dialled"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    connected_at = models.DateTimeField(_("connected at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    telephony_ref = models.CharField(_("telephony reference"), max_length=64, blank=True)
    carrier = models.CharField(_("carrier"), max_length=32, blank=True)
    carrier_call_id = models.CharField(
        _("carrier call id"), max_length=64, blank=True, db_index=True
    )
    connected_source = models.CharField(
        _("answer reported by"),
        max_length=8,
        choices=Assignment.ConnectedSource.choices,
        blank=True,
        help_text=_(
            "Agent: the connected time is the agent's own click, not proven by the carrier."
        ),
    )
    talk_not_marked = models.BooleanField(
        _("talk time not marked"),
        default=False,
        help_text=_(
            "An outcome that needs a conversation, recorded without « Answered »: the call's "
            "talk time is unknown, not zero."
        ),
    )
    accepted = models.BooleanField(
        _("accepted"), default=True, help_text=_("False when the outcome came on a lost lease.")
    )

    objects = CallAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="call_attempt_ends_after_start",
            ),
            # An inbound call is taken without a lease.
            models.CheckConstraint(
                condition=Q(channel="outbound") | Q(assignment__isnull=True),
                name="call_attempt_inbound_has_no_assignment",
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "started_at"], name="call_attempt_agent_started"),
            # The hours of all territories at once: the supervision's hourly counters.
            models.Index(fields=["started_at"], name="call_attempt_started"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} – {self.task}"

    @property
    def connected_unproven(self) -> bool:
        return self.connected_source == Assignment.ConnectedSource.AGENT


class RetryRule(models.Model):
    """What an outcome does to its task: data, edited by CPAM admins, not code."""

    outcome = models.CharField(
        _("outcome"), max_length=16, choices=CallAttempt.Outcome.choices, unique=True
    )
    closes_task = models.BooleanField(_("closes the task"), default=False)
    delay_minutes = models.PositiveIntegerField(
        _("delay before the next attempt (minutes)"), default=0
    )
    try_next_phone = models.BooleanField(_("try the next phone number"), default=False)
    max_attempts = models.PositiveSmallIntegerField(
        _("maximum attempts"),
        default=5,
        help_text=_("After this many attempts, an SMS goes out and the task is escalated."),
    )

    # Cached in each process (calls.rules), read again after any change.
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["outcome"]
        verbose_name = _("retry rule")
        verbose_name_plural = _("retry rules")

    def __str__(self) -> str:
        return self.get_outcome_display()


class DurationRule(models.Model):
    """How long a connected call of one outcome and reason may last: data next to the retry
    rules. A call shorter than the minimum or longer than the maximum is an integrity finding.
    The reason is blank for a rule that holds for every reason."""

    outcome = models.CharField(_("outcome"), max_length=16, choices=CallAttempt.Outcome.choices)
    reason = models.CharField(
        _("call reason"), max_length=24, choices=CallTask.Reason.choices, blank=True
    )
    min_seconds = models.PositiveIntegerField(
        _("shortest credible call (seconds)"), null=True, blank=True
    )
    max_seconds = models.PositiveIntegerField(
        _("longest credible call (seconds)"), null=True, blank=True
    )
    wrap_up_limit_seconds = models.PositiveIntegerField(
        _("wrap-up limit (seconds)"),
        null=True,
        blank=True,
        help_text=_("Wrap-up after such a call past this limit counts as idle, not active."),
    )

    # Cached in each process (calls.rules), read again after any change.
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["reason", "outcome"]
        verbose_name = _("duration rule")
        verbose_name_plural = _("duration rules")
        constraints = [
            models.UniqueConstraint(fields=["outcome", "reason"], name="duration_rule_unique"),
            models.CheckConstraint(
                condition=Q(min_seconds__isnull=True)
                | Q(max_seconds__isnull=True)
                | Q(min_seconds__lt=models.F("max_seconds")),
                name="duration_rule_min_below_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} / {self.get_reason_display() or '*'}"


class SmsMessageQuerySet(models.QuerySet):
    def undelivered(self) -> "SmsMessageQuerySet":
        """The messages the gateway refused: failed after every try, or failing and waiting for
        their next try. Supervisors see them until they are sent."""
        failing = Q(status__in=[SmsMessage.Status.QUEUED, SmsMessage.Status.SENDING]) & ~Q(error="")
        return self.filter(Q(status=SmsMessage.Status.FAILED) | failing)


class SmsMessage(models.Model):
    """The fallback channel: one SMS per task and kind, never two."""

    class Kind(models.TextChoices):
        FALLBACK = "fallback", _("Fallback after failed calls")
        NOTICE = "notice", _("First notice, before any call")

    class Wording(models.TextChoices):
        """What the text says happened: only what is true of the task."""

        NOT_CALLED = "not_called", _("Not called yet")
        CALLED = "called", _("Called, not reached")
        CALLBACK_MISSED = "callback_missed", _("Callback missed")
        FIRST_NOTICE = "first_notice", _("Instructions, before any call")

    class Held(models.TextChoices):
        """Why a queued message waits (its due time is next_attempt_at): shown to supervisors."""

        NIGHT = "night", _("Outside the person's hours: waits for the morning")
        QUOTA = "quota", _("Daily SMS quota reached: waits for the next day")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    task = models.ForeignKey(
        CallTask, on_delete=models.CASCADE, related_name="sms_messages", verbose_name=_("task")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.FALLBACK)
    phone = models.CharField(_("phone"), max_length=20)
    body = models.TextField(_("body"))
    wording = models.CharField(
        _("wording"), max_length=16, choices=Wording.choices, blank=True, default="", db_default=""
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The outbox (issue 12): the row is the truth, a sweep (re)publishes what is due.
    # Sent to the gateway with each try, so that a retried send is not a second SMS.
    client_ref = models.UUIDField(_("client reference"), default=uuid.uuid4, unique=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, db_default=0)
    # A queued message is not tried again before this (the backoff after a failure).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # When a worker took it; a message still sending long after was lost with its worker.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # The territory's local day it counts against the daily quota, and why it waits (if it does).
    planned_on = models.DateField(_("planned for"), null=True, blank=True)
    held = models.CharField(
        _("waiting"), max_length=8, choices=Held.choices, blank=True, default="", db_default=""
    )
    # An SMS-only contact: sending it closes the task as notified by SMS.
    closes_task = models.BooleanField(
        _("closes the call when sent"), default=False, db_default=False
    )

    objects = SmsMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        constraints = [
            models.UniqueConstraint(fields=["task", "kind"], name="sms_once_per_task_and_kind")
        ]
        # The outbox's sweep and the supervisors' undelivered list read the few messages not sent
        # yet among millions that were.
        indexes = [
            models.Index(
                fields=["status", "created_at"],
                name="sms_not_sent",
                condition=~Q(status="sent"),
            ),
            # The daily quota counts the messages planned on today and the days after.
            models.Index(
                fields=["planned_on"],
                name="sms_planned_on",
                condition=Q(planned_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.phone}"


def validate_sms_template(body: str) -> None:
    """A template names the callback number as %(number)s, and nothing else to fill in."""
    try:
        body % {"number": "0800 000 000"}
    except (KeyError, ValueError, TypeError) as exc:
        raise ValidationError(
            _("Write %(field)s where the callback number goes, and no other %% field."),
            code="bad_template",
            params={"field": "%(number)s"},
        ) from exc
    if "%(number)s" not in body:
        raise ValidationError(
            _("The text must give the callback number: write %(field)s where it goes."),
            code="no_number",
            params={"field": "%(number)s"},
        )


class SmsTemplate(models.Model):
    """The text of a fallback SMS in one language, for one reason and one wording (what happened:
    no call yet, calls made, a callback missed): data, written by national admins. French and
    English are shipped; a person whose language has no template gets the French one."""

    language = models.ForeignKey(
        Language, on_delete=models.PROTECT, related_name="+", verbose_name=_("language")
    )
    reason = models.CharField(_("reason"), max_length=24, choices=CallTask.Reason.choices)
    wording = models.CharField(_("wording"), max_length=16, choices=SmsMessage.Wording.choices)
    body = models.TextField(
        _("text"),
        max_length=480,
        validators=[validate_sms_template],
        help_text=_(
            "%(number)s is replaced by the callback number. Three SMS at most (480 characters)."
        ),
    )

    class Meta:
        ordering = ["language", "reason", "wording"]
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        constraints = [
            models.UniqueConstraint(
                fields=["language", "reason", "wording"], name="sms_template_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language_id} · {self.get_reason_display()} · {self.get_wording_display()}"


class JobHeartbeat(models.Model):
    """When a periodic job last ran: written by a task that beat publishes and a worker runs,
    so that one row proves both alive (read on supervisors' pages, without the cache)."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    beat_at = models.DateTimeField(_("beat at"))

    class Meta:
        verbose_name = _("job heartbeat")
        verbose_name_plural = _("job heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class DeskMessageQuerySet(models.QuerySet):
    def for_user(self, user) -> "DeskMessageQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class DeskMessage(models.Model):
    """A message from a supervisor to the desks of one agent, a team, a plateau (the floor) or a
    whole territory.

    It lives in calls, with the desk that shows it, rather than in supervision, which writes it:
    the apps form a stack (DESIGN.md §1) and the desk's heartbeat, in calls, must read it, while
    calls may not import supervision. Supervision sends through calls.services.messages and logs
    the sending in its action log.

    Its recipients are resolved when it is sent: one DeskMessageReceipt per agent then in scope.
    An agent who joins the team later does not see it; each recipient's receipt says whether, and
    when, she read it.
    """

    class Scope(models.TextChoices):
        AGENT = "agent", _("One agent")
        TEAM = "team", _("A team")
        PLATEAU = "plateau", _("A plateau")
        TERRITORY = "territory", _("The whole territory")

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="+", verbose_name=_("territory")
    )
    scope = models.CharField(_("sent to"), max_length=10, choices=Scope.choices)
    agent = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    plateau = models.ForeignKey(
        Plateau,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plateau"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.CharField(_("message"), max_length=500)
    sent_at = models.DateTimeField(_("sent at"))

    objects = DeskMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("message to desks")
        verbose_name_plural = _("messages to desks")
        indexes = [models.Index(fields=["territory", "sent_at"], name="desk_message_territory")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} @ {self.sent_at:%Y-%m-%d %H:%M}"


class DeskMessageReceipt(models.Model):
    """One recipient of a desk message, and when she read it (« Lu »): unread, it stays on her
    desk."""

    message = models.ForeignKey(
        DeskMessage, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("message")
    )
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="+", verbose_name=_("agent")
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message receipt")
        verbose_name_plural = _("message receipts")
        constraints = [
            models.UniqueConstraint(fields=["message", "agent"], name="desk_message_receipt_once")
        ]
        indexes = [
            # The heartbeat reads an agent's unread messages every few seconds.
            models.Index(
                fields=["agent", "message"],
                condition=Q(read_at__isnull=True),
                name="desk_message_unread",
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.agent_id}"


# --- Carrier evidence: what the operator says happened to each call ------------------------


class CarrierCallQuerySet(models.QuerySet):
    def for_user(self, user) -> "CarrierCallQuerySet":
        # A call with no attempt of the desk (made outside it) is seen by superusers only.
        return scope_for_user(self, user, territory="assignment__task__territory_id")


class CarrierCall(models.Model):
    """One call as its carrier reports it (webhooks or the daily CDR file): the evidence an
    attempt is checked against. Written only by calls.services.carrier."""

    class State(models.TextChoices):
        INITIATED = "initiated", _("Initiated")
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("Answered")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    class AnsweredBy(models.TextChoices):
        PERSON = "person", _("Person")
        MACHINE = "machine", _("Answering machine")

    class FinalStatus(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        FAILED = "failed", _("Failed")

    carrier = models.CharField(_("carrier"), max_length=32)
    carrier_call_id = models.CharField(_("carrier call id"), max_length=64)
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carrier_calls",
        verbose_name=_("assignment"),
    )
    number = models.CharField(_("number called"), max_length=20, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ringing_at = models.DateTimeField(_("ringing at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    answered_by = models.CharField(
        _("answered by"), max_length=8, choices=AnsweredBy.choices, blank=True
    )
    billed_seconds = models.PositiveIntegerField(_("billed seconds"), null=True, blank=True)
    final_status = models.CharField(
        _("final status"), max_length=10, choices=FinalStatus.choices, blank=True
    )
    voicemail_dropped = models.BooleanField(_("voicemail message left"), default=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = CarrierCallQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("carrier call")
        verbose_name_plural = _("carrier calls")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "carrier_call_id"], name="carrier_call_unique_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier}:{self.carrier_call_id} ({self.state})"


class CarrierEvent(models.Model):
    """One event received from a carrier, kept as it came: its id makes a resent webhook (or a
    CDR line imported twice) a no-op."""

    class Type(models.TextChoices):
        INITIATED = "initiated", _("Initiated")
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("Answered")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        WEBHOOK = "webhook", _("Webhook")
        CDR = "cdr", _("CDR file")

    carrier = models.CharField(_("carrier"), max_length=32)
    event_id = models.CharField(_("event id"), max_length=64)
    call = models.ForeignKey(
        CarrierCall, on_delete=models.CASCADE, related_name="events", verbose_name=_("call")
    )
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.WEBHOOK
    )
    payload = models.JSONField(_("payload"), default=dict)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name = _("carrier event")
        verbose_name_plural = _("carrier events")
        constraints = [
            models.UniqueConstraint(fields=["carrier", "event_id"], name="carrier_event_unique_id")
        ]

    def __str__(self) -> str:
        return f"{self.carrier}:{self.event_id} {self.type}"


class VoicemailDropQuerySet(models.QuerySet):
    def for_user(self, user) -> "VoicemailDropQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class VoicemailDrop(models.Model):
    """A recorded message the carrier leaves on an answering machine, per territory and call
    reason (data, edited by CPAM admins): none active, no message is left."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="voicemail_drops",
        verbose_name=_("territory"),
    )
    reason = models.CharField(_("reason"), max_length=24, choices=CallTask.Reason.choices)
    message_id = models.CharField(
        _("carrier message id"),
        max_length=64,
        blank=True,
        help_text=_("The recorded message's id at the carrier, or give an audio URL."),
    )
    audio_url = models.URLField(_("audio URL"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = VoicemailDropQuerySet.as_manager()

    class Meta:
        verbose_name = _("voicemail drop")
        verbose_name_plural = _("voicemail drops")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "reason"],
                condition=Q(active=True),
                name="voicemail_drop_one_active",
            ),
            models.CheckConstraint(
                condition=~Q(message_id="") | ~Q(audio_url=""),
                name="voicemail_drop_has_message",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.territory} – {self.get_reason_display()}"
