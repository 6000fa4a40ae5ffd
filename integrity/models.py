"""The control of work actually done: findings, each resting on its evidence."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, Territory, scope_for_user
from calls.models import CallAttempt, CarrierCall


class FindingQuerySet(models.QuerySet):
    def for_user(self, user) -> "FindingQuerySet":
        # Agents do not see findings (the page is for supervisors and CPAM admins).
        return scope_for_user(self, user, territory="territory_id")


class Finding(models.Model):
    """Something the evidence says about an agent's work: a call outside its duration policy,
    a day with too little output. It stays visible until acknowledged with a note."""

    class Kind(models.TextChoices):
        CALL_TOO_SHORT = "call_too_short", _("Call shorter than its outcome allows")
        CALL_TOO_LONG = "call_too_long", _("Call longer than its outcome allows")
        LOW_OUTPUT = "low_output", _("Low output: too few connected calls on a full day")
        # Flags on an agent's day (integrity.services.detection.detect_day_flags).
        LOW_ACTIVITY = "low_activity", _("Little of the logged-in time on calls")
        WRAP_UP_OVER = "wrap_up_over", _("Wrap-up past its limits for long in the day")
        PAUSE_OVER_CAP = "pause_over_cap", _("Pause past its daily cap, not confirmed")
        FAST_HANG_UPS = "fast_hang_ups", _("Repeated calls shorter than their outcome allows")
        UNANSWERED_OUTCOMES = (
            "unanswered_outcomes",
            _("Repeated conversation outcomes the carrier never saw answered"),
        )
        # Reconciliation with the carrier's record (integrity.reconciliation).
        NO_CARRIER_ANSWER = "no_carrier_answer", _("Conversation outcome without a carrier answer")
        BILLED_MISMATCH = "billed_mismatch", _("Talk time differs from the carrier's billing")
        NO_CARRIER_RECORD = "no_carrier_record", _("Dialled through the carrier, no carrier record")
        UNPROVEN_CALL = "unproven_call", _("Unproven: dialled by hand, no carrier record")
        CALL_OUTSIDE_DESK = "call_outside_desk", _("Carrier call with no attempt on the desk")

    # Findings about one call; the others are about the agent's day.
    ATTEMPT_KINDS = (Kind.CALL_TOO_SHORT, Kind.CALL_TOO_LONG)
    # Flags: a judgement on an agent's whole day, from its figures or from repeated findings on
    # its calls. One hurried call is a finding to look at; a flag says the day needs an answer.
    FLAG_KINDS = (
        Kind.LOW_OUTPUT,
        Kind.LOW_ACTIVITY,
        Kind.WRAP_UP_OVER,
        Kind.PAUSE_OVER_CAP,
        Kind.FAST_HANG_UPS,
        Kind.UNANSWERED_OUTCOMES,
    )
    # The attempt set against the carrier's record; a call outside the desk has no attempt.
    RECONCILIATION_KINDS = (
        Kind.NO_CARRIER_ANSWER,
        Kind.BILLED_MISMATCH,
        Kind.NO_CARRIER_RECORD,
        Kind.UNPROVEN_CALL,
        Kind.CALL_OUTSIDE_DESK,
    )

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="+", verbose_name=_("territory")
    )
    # None for a carrier call made outside the desk whose agent is unknown.
    agent = models.ForeignKey(
        Agent,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("agent"),
    )
    day = models.DateField(_("day"), help_text=_("The agent's local day."))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    attempt = models.ForeignKey(
        CallAttempt,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("call attempt"),
    )
    # The carrier's call a finding is about, when it has no attempt (a call outside the desk).
    carrier_call = models.ForeignKey(
        CarrierCall,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("carrier call"),
    )
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    detected_at = models.DateTimeField(_("detected at"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "agent", "kind"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            # Detection runs again and again: one finding per call, or per agent's day.
            models.UniqueConstraint(
                fields=["kind", "attempt"],
                condition=Q(attempt__isnull=False),
                name="finding_one_per_attempt",
            ),
            models.UniqueConstraint(
                fields=["kind", "agent", "day"],
                condition=Q(attempt__isnull=True, carrier_call__isnull=True),
                name="finding_one_per_agent_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "carrier_call"],
                condition=Q(carrier_call__isnull=False),
                name="finding_one_per_carrier_call",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="finding_acknowledged_by_someone",
            ),
        ]
        indexes = [
            models.Index(fields=["territory", "day"], name="finding_territory_day"),
            models.Index(fields=["agent", "day"], name="finding_agent_day"),
            models.Index(fields=["detected_at"], name="finding_detected_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.agent or self.territory} {self.day}"


# Quality review (issue 14, part 7) and provider invoices (part 6) live in their own modules;
# imported here so that Django registers them.
from integrity.invoice_models import InvoiceLine, ProviderInvoice, ProviderRate  # noqa: E402, F401
from integrity.qa_models import Criterion, Review, Scorecard  # noqa: E402, F401
