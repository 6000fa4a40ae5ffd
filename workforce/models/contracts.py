"""Employment contracts: CDI, CDD and their renewals, and the legal limits of a CDD."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from agents.models import Agent
from common.bounds import check_plain_date


class ContractQuerySet(models.QuerySet):
    def for_user(self, user) -> "ContractQuerySet":
        return self.filter(agent__in=Agent.objects.for_user(user))

    def active_on(self, day) -> "ContractQuerySet":
        return self.filter(running_on(day))

    def with_successors(self) -> "ContractQuerySet":
        """Annotate `renewed` (a renewal or conversion continues the contract) and `followed` (any
        later contract of the same agent, a renewal included): what a renewal must not find."""
        later = Contract.objects.filter(
            agent_id=OuterRef("agent_id"), start_on__gt=OuterRef("start_on")
        )
        return self.annotate(
            renewed=Exists(Contract.objects.filter(renews=OuterRef("pk"))),
            followed=Exists(later),
        )


def running_on(day) -> Q:
    """Select the contracts running on a day: started, and not ended before it (Contract.covers in
    SQL)."""
    return Q(start_on__lte=day) & (Q(end_on__isnull=True) | Q(end_on__gte=day))


class Contract(models.Model):
    """An employment contract; a renewal is a new row pointing at the one it extends."""

    class Kind(models.TextChoices):
        CDI = "cdi", _("Permanent (CDI)")
        CDD = "cdd", _("Fixed-term (CDD)")

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="contracts", verbose_name=_("agent")
    )
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    start_on = models.DateField(_("start"))
    end_on = models.DateField(_("end"), null=True, blank=True)
    renews = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewed_by",
        verbose_name=_("renews"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set once by the sweeps: the alert before the end was raised; the end was carried out
    # (account deactivated, callbacks released). Rows, not Celery countdowns, hold these due dates.
    end_alerted_at = models.DateTimeField(_("end alert raised at"), null=True, blank=True)
    end_acknowledged_at = models.DateTimeField(
        _("end alert acknowledged at"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("end carried out at"), null=True, blank=True)
    # Set when an admin moved the end earlier (a resignation, a dismissal): a bulk renewal leaves
    # such a contract alone.
    ended_early_at = models.DateTimeField(_("ended early at"), null=True, blank=True)
    # Set once the contract has started: the agent's account was opened (or already open) for it.
    opened_at = models.DateTimeField(_("start carried out at"), null=True, blank=True)
    # A CDD made beyond the legal limits (FixedTermRule) on an admin's decision: why, and who.
    limit_override_reason = models.TextField(
        _("reason for going beyond the CDD limits"), blank=True
    )
    limit_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("CDD limits overridden by"),
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        # Moved from the agents app; the table keeps its name.
        db_table = "agents_contract"
        ordering = ["agent", "start_on"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="contract_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(kind="cdd") | Q(end_on__isnull=False), name="contract_cdd_has_end"
            ),
        ]

    def __str__(self) -> str:
        end = self.end_on.isoformat() if self.end_on else "…"
        return f"{self.get_kind_display()} {self.start_on.isoformat()} → {end}"

    def covers(self, day) -> bool:
        """Say whether the contract runs on this day (running_on says it to the database)."""
        return self.start_on <= day and (self.end_on is None or self.end_on >= day)


class FixedTermRuleQuerySet(models.QuerySet):
    def for_user(self, user) -> "FixedTermRuleQuerySet":
        # National reference data: every admin reads it (NationalReferenceMixin restricts writes).
        return self


class FixedTermRule(models.Model):
    """The legal limits of a fixed-term contract (CDD), from a date: data, not code.

    The defaults are the Code du travail's: at most 2 renewals (art. L1243-13, as amended by the
    Rebsamen law n° 2015-994 of 17 August 2015, which raised it from 1), and at most 18 months in
    all, renewals included (art. L1242-8). A branch agreement may set others (art. L1243-13 since
    the 2017 ordinances): a national admin then adds a row from its date.
    """

    valid_from = models.DateField(_("valid from"), unique=True, validators=[check_plain_date])
    max_renewals = models.PositiveSmallIntegerField(
        _("maximum number of renewals"),
        default=2,
        help_text=_(
            "Code du travail, art. L1243-13 (Rebsamen law of 17 August 2015): 2 renewals, unless a "
            "branch agreement says otherwise."
        ),
    )
    max_total_months = models.PositiveSmallIntegerField(
        _("maximum total length (months)"),
        default=18,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Code du travail, art. L1242-8: 18 months in all, renewals included, unless a branch "
            "agreement says otherwise."
        ),
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("The text these limits come from (an article of law, a branch agreement)."),
    )

    objects = FixedTermRuleQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("fixed-term contract rule")
        verbose_name_plural = _("fixed-term contract rules")

    def __str__(self) -> str:
        return f"{self.valid_from.isoformat()}: {self.max_renewals} / {self.max_total_months}"
