"""Opening hours, shift patterns, the rota and the time clock."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, Plateau, Territory, scope_for_user
from workforce.models.contracts import Contract, running_on


class ShiftPatternQuerySet(models.QuerySet):
    def for_user(self, user) -> "ShiftPatternQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class ShiftPattern(models.Model):
    """A named shift an admin can put on the rota in one click: "Matin 8:30–13:00"."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="shift_patterns",
        verbose_name=_("territory"),
    )
    name = models.CharField(_("name"), max_length=60)
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    break_minutes = models.PositiveSmallIntegerField(_("unpaid break (minutes)"), default=0)

    objects = ShiftPatternQuerySet.as_manager()

    class Meta:
        # Moved from the agents app; the table keeps its name.
        db_table = "agents_shiftpattern"
        ordering = ["territory", "starts_at", "name"]
        verbose_name = _("shift pattern")
        verbose_name_plural = _("shift patterns")
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="shift_pattern_unique_name"),
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="shift_pattern_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class ShiftQuerySet(models.QuerySet):
    def for_user(self, user) -> "ShiftQuerySet":
        return scope_for_user(self, user, territory="agent__territory_id", own="agent__user")

    def scheduled(self) -> "ShiftQuerySet":
        """Leave out cancelled shifts (kept as history) and drafts (proposed by the staffing
        planner, until an admin confirms them): nobody works or is paid for them."""
        return self.filter(cancelled_at__isnull=True, draft=False)

    def drafts(self) -> "ShiftQuerySet":
        """The shifts proposed by the staffing planner, waiting for an admin's confirmation."""
        return self.filter(cancelled_at__isnull=True, draft=True)

    def within_contract(self) -> "ShiftQuerySet":
        """Keep the shifts on a day a contract of their agent covers, or of an agent with no
        contract at all (Assurance Maladie staff, providers' agents and doctors need none here).

        Ends carried out cancel the shifts after them; this also holds while a contract shortened
        by hand (in the Django admin) waits for the end sweep.
        """
        contracts = Contract.objects.filter(agent_id=OuterRef("agent_id"))
        return self.filter(
            Exists(contracts.filter(running_on(OuterRef("day")))) | ~Exists(contracts)
        )

    def after_contract_end(self, *, contract: Contract, end_on) -> "ShiftQuerySet":
        """Return the scheduled shifts of the contract's agent after `end_on` that no other
        contract of theirs covers: those an end on that day cancels."""
        others = Contract.objects.filter(agent_id=OuterRef("agent_id")).exclude(pk=contract.pk)
        return (
            self.scheduled()
            .filter(agent_id=contract.agent_id, day__gt=end_on)
            .exclude(Exists(others.filter(running_on(OuterRef("day")))))
        )


class Shift(models.Model):
    """One agent scheduled on one plateau for one local day, from a start to an end (aware, UTC).

    A cancelled shift is kept, with when, why and by whom (nobody: a sweep), as history.
    """

    class CancellationReason(models.TextChoices):
        CONTRACT_END = "contract_end", _("contract ended")

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("agent")
    )
    plateau = models.ForeignKey(
        Plateau, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("plateau")
    )
    day = models.DateField(_("day"), help_text=_("The local day the shift starts on."))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    break_minutes = models.PositiveSmallIntegerField(_("unpaid break (minutes)"), default=0)
    pattern = models.ForeignKey(
        ShiftPattern,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pattern"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    draft = models.BooleanField(
        _("draft"),
        default=False,
        help_text=_("Proposed by the staffing planner: not worked or paid until confirmed."),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancellation_reason = models.CharField(
        _("cancellation reason"), max_length=20, choices=CancellationReason.choices, blank=True
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )

    objects = ShiftQuerySet.as_manager()

    class Meta:
        # Moved from the agents app; the table keeps its name.
        db_table = "agents_shift"
        ordering = ["day", "starts_at"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancellation_reason="")
                | (Q(cancelled_at__isnull=False) & ~Q(cancellation_reason="")),
                name="shift_cancelled_with_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "day"], name="shift_agent_day"),
            models.Index(fields=["plateau", "day"], name="shift_plateau_day"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.day:%Y-%m-%d}"

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class ClockEntryQuerySet(models.QuerySet):
    def for_user(self, user) -> "ClockEntryQuerySet":
        return scope_for_user(self, user, territory="agent__territory_id", own="agent__user")


class ClockEntry(models.Model):
    """One clock-in and its clock-out: presence on site, as payroll counts it."""

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="clock_entries", verbose_name=_("agent")
    )
    clocked_in_at = models.DateTimeField(_("clocked in at"))
    clocked_out_at = models.DateTimeField(_("clocked out at"), null=True, blank=True)

    objects = ClockEntryQuerySet.as_manager()

    class Meta:
        # Moved from the agents app; the table keeps its name.
        db_table = "agents_clockentry"
        ordering = ["agent", "clocked_in_at"]
        verbose_name = _("clock entry")
        verbose_name_plural = _("clock entries")
        constraints = [
            models.UniqueConstraint(
                fields=["agent"],
                condition=Q(clocked_out_at__isnull=True),
                name="clock_entry_one_open_per_agent",
            ),
            models.CheckConstraint(
                condition=Q(clocked_out_at__isnull=True)
                | Q(clocked_out_at__gte=models.F("clocked_in_at")),
                name="clock_entry_out_after_in",
            ),
        ]
        indexes = [models.Index(fields=["agent", "clocked_in_at"], name="clock_entry_agent_in")]

    def __str__(self) -> str:
        return f"{self.agent} {self.clocked_in_at:%Y-%m-%d %H:%M}"
