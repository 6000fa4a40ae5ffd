"""Provider invoices (issue 14, part 6): the rates of each provider as data, a provider's monthly
invoice as imported, and its lines, each reconciled against the evidence when read."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, Territory, scope_for_user


class ProviderRateQuerySet(models.QuerySet):
    def for_user(self, user) -> "ProviderRateQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class ProviderRate(models.Model):
    """What a territory pays a provider, from a day (to a day): per hour worked and per call."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="+", verbose_name=_("territory")
    )
    provider = models.CharField(
        _("provider"),
        max_length=120,
        help_text=_("The provider's name exactly as on its agents' profiles."),
    )
    hourly_rate = models.DecimalField(
        _("hourly rate (€)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    per_call_rate = models.DecimalField(
        _("rate per call (€)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ProviderRateQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "-valid_from"]
        verbose_name = _("provider rate")
        verbose_name_plural = _("provider rates")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "provider", "valid_from"], name="provider_rate_one_per_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="provider_rate_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(hourly_rate__gte=0) & Q(per_call_rate__gte=0),
                name="provider_rate_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.valid_from.isoformat()}"

    def covers(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class ProviderInvoiceQuerySet(models.QuerySet):
    def for_user(self, user) -> "ProviderInvoiceQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class ProviderInvoice(models.Model):
    """A provider's invoice for one month, as imported from its CSV file."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="+", verbose_name=_("territory")
    )
    provider = models.CharField(_("provider"), max_length=120)
    month = models.DateField(_("month"), help_text=_("The first day of the month billed."))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    file_name = models.CharField(_("file name"), max_length=255)
    billed_hours = models.DecimalField(_("hours billed"), max_digits=10, decimal_places=2)
    billed_calls = models.PositiveIntegerField(_("calls billed"))
    line_count = models.PositiveIntegerField(_("lines"))

    objects = ProviderInvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "provider"]
        verbose_name = _("provider invoice")
        verbose_name_plural = _("provider invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "provider", "month"], name="provider_invoice_one_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="provider_invoice_month_start"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.month:%Y-%m}"


class InvoiceLine(models.Model):
    """One line of an invoice: an agent's day, the hours and calls billed for it, and the CPAM
    admin's decision on it (accepted or disputed, with a note) once taken."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DISPUTED = "disputed", _("Disputed")

    invoice = models.ForeignKey(
        ProviderInvoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice")
    )
    line_number = models.PositiveIntegerField(_("line in the file"))
    agent = models.ForeignKey(
        Agent, on_delete=models.PROTECT, related_name="invoice_lines", verbose_name=_("agent")
    )
    day = models.DateField(_("day"))
    billed_hours = models.DecimalField(_("hours billed"), max_digits=5, decimal_places=2)
    billed_calls = models.PositiveIntegerField(_("calls billed"))
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["invoice", "line_number"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "agent", "day"], name="invoice_line_unique"),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="invoice_line_decided_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.agent_id} {self.day.isoformat()}"
