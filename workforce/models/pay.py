"""Pay rates: the base hourly rate and the Sunday and public-holiday premiums, per employer kind,
nationally or for one territory, from a date. Data, not code: payroll reads them."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agents import roles
from agents.models import Agent, Territory, staff_territory_id


class PayRateQuerySet(models.QuerySet):
    def for_user(self, user) -> "PayRateQuerySet":
        """A superuser sees every rate; a CPAM admin their territory's and the national ones (which
        they read, never change); anybody else nothing."""
        if user.is_superuser:
            return self
        if not roles.has_role(user, roles.ADMIN_CPAM):
            return self.none()
        territory_id = staff_territory_id(user)
        if territory_id is None:
            return self.none()
        return self.filter(Q(territory__isnull=True) | Q(territory_id=territory_id))


class PayRate(models.Model):
    """What an hour of an employer kind is paid from a date: the base, and the premium on Sundays
    and public holidays in percent of the base. A territory's own rate beats the national one."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pay_rates",
        verbose_name=_("territory"),
        help_text=_("Empty: the national rate, used where a territory has none of its own."),
    )
    employer = models.CharField(_("employer"), max_length=16, choices=Agent.Employer.choices)
    valid_from = models.DateField(_("valid from"))
    hourly_rate = models.DecimalField(
        _("base hourly rate (€)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Gross. Empty: the payroll shows the hours without amounts."),
    )
    sunday_premium_percent = models.DecimalField(
        _("Sunday premium (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("Added to the base rate for each hour worked on a Sunday."),
    )
    holiday_premium_percent = models.DecimalField(
        _("public holiday premium (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_(
            "Added to the base rate for each hour worked on a public holiday. A Sunday that is "
            "also a public holiday gets the higher of the two premiums, once."
        ),
    )

    objects = PayRateQuerySet.as_manager()

    class Meta:
        ordering = ["territory", "employer", "-valid_from"]
        verbose_name = _("pay rate")
        verbose_name_plural = _("pay rates")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "employer", "valid_from"],
                condition=Q(territory__isnull=False),
                name="pay_rate_unique_per_territory",
            ),
            models.UniqueConstraint(
                fields=["employer", "valid_from"],
                condition=Q(territory__isnull=True),
                name="pay_rate_unique_national",
            ),
            models.CheckConstraint(
                condition=Q(hourly_rate__isnull=True) | Q(hourly_rate__gte=0),
                name="pay_rate_hourly_rate_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(sunday_premium_percent__gte=0, holiday_premium_percent__gte=0),
                name="pay_rate_premiums_not_negative",
            ),
        ]

    def __str__(self) -> str:
        where = self.territory.code if self.territory_id else _("national")
        return f"{self.get_employer_display()} ({where}) {self.valid_from.isoformat()}"
