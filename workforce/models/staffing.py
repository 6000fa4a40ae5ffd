"""Staffing needs: the parameters of the workload model and the expected volumes per language."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agents.models import Language, Territory, scope_for_user


class StaffingParametersQuerySet(models.QuerySet):
    def for_user(self, user) -> "StaffingParametersQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class StaffingParameters(models.Model):
    """How a territory turns call volumes into agents: handle times, attempts, occupancy,
    shrinkage."""

    territory = models.OneToOneField(
        Territory,
        on_delete=models.CASCADE,
        related_name="staffing_parameters",
        verbose_name=_("territory"),
    )
    index_handle_minutes = models.PositiveSmallIntegerField(
        _("patient zéro interview (minutes)"), default=30
    )
    contact_handle_minutes = models.PositiveSmallIntegerField(
        _("contact call (minutes)"), default=15
    )
    use_observed_handle_times = models.BooleanField(
        _("use observed handle times"),
        default=True,
        help_text=_("Use the average handle time of the last 7 days when there are enough calls."),
    )
    attempts_per_contact = models.DecimalField(
        _("attempts per person"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    unanswered_attempt_minutes = models.DecimalField(
        _("unanswered attempt (minutes)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("30"))],
        help_text=_("What a call that is not answered costs: dialling, ringing, voicemail."),
    )
    occupancy = models.DecimalField(
        _("occupancy"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.85"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of logged-in time spent handling calls (0.85 = 85 %)."),
    )
    shrinkage = models.DecimalField(
        _("shrinkage"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.30"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.90"))],
        help_text=_("Share of paid time lost to breaks, training, absence (0.30 = 30 %)."),
    )
    paid_hours_per_day = models.DecimalField(
        _("paid hours per agent and day"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("7.00"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("12"))],
    )

    objects = StaffingParametersQuerySet.as_manager()

    class Meta:
        # Moved from the agents app; the table keeps its name.
        db_table = "agents_staffingparameters"
        verbose_name = _("staffing parameters")
        verbose_name_plural = _("staffing parameters")
        constraints = [
            models.CheckConstraint(
                condition=Q(occupancy__gt=0) & Q(occupancy__lte=1), name="staffing_occupancy_range"
            ),
            models.CheckConstraint(
                condition=Q(shrinkage__gte=0) & Q(shrinkage__lt=1), name="staffing_shrinkage_range"
            ),
        ]

    def __str__(self) -> str:
        return str(self.territory)


class VolumeForecastQuerySet(models.QuerySet):
    def for_user(self, user) -> "VolumeForecastQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class VolumeForecast(models.Model):
    """The expected number of people to call in one language on one day, as an admin entered it."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="volume_forecasts",
        verbose_name=_("territory"),
    )
    language = models.ForeignKey(
        Language, on_delete=models.PROTECT, related_name="+", verbose_name=_("language")
    )
    day = models.DateField(_("day"))
    index_cases = models.PositiveIntegerField(_("patients zéro"), default=0)
    contacts = models.PositiveIntegerField(_("contacts"), default=0)

    objects = VolumeForecastQuerySet.as_manager()

    class Meta:
        # Moved from the agents app; the table keeps its name.
        db_table = "agents_volumeforecast"
        ordering = ["territory", "day", "language"]
        verbose_name = _("volume forecast")
        verbose_name_plural = _("volume forecasts")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "language", "day"], name="volume_forecast_one_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.territory.code} {self.language_id} {self.day:%Y-%m-%d}"
