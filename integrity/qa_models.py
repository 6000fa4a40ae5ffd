"""Quality review (issue 14, part 7): scorecards as data, and the weekly sample of calls that
supervisors score against them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, Territory, scope_for_user
from calls.models import CallAttempt

# Each criterion is scored from 0 (not done) to SCORE_MAX (done perfectly).
SCORE_MAX = 4


class ScorecardQuerySet(models.QuerySet):
    def for_territory(self, territory: Territory) -> "ScorecardQuerySet":
        """The scorecards that apply in a territory: its own, then the national ones."""
        return self.filter(Q(territory=territory) | Q(territory__isnull=True))


class Scorecard(models.Model):
    """A grid to score a call: criteria with weights summing to 100. A territory's active
    scorecard wins over the national one."""

    name = models.CharField(_("name"), max_length=120)
    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("territory"),
        help_text=_("Blank: the national scorecard, for every territory without its own."),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = ScorecardQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("QA scorecard")
        verbose_name_plural = _("QA scorecards")

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("scorecard")
    )
    label_fr = models.CharField(_("French label"), max_length=120)
    label_en = models.CharField(_("English label"), max_length=120)
    weight = models.PositiveSmallIntegerField(
        _("weight"), help_text=_("The weights of a scorecard's criteria sum to 100.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scorecard", "order", "pk"]
        verbose_name = _("QA criterion")
        verbose_name_plural = _("QA criteria")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=100), name="criterion_weight_1_100"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "fr").startswith("en") else self.label_fr


class ReviewQuerySet(models.QuerySet):
    def for_user(self, user) -> "ReviewQuerySet":
        # Supervisors and CPAM admins: their territory; an agent: her own reviews.
        return scope_for_user(self, user, territory="territory_id", own="agent__user")


class Review(models.Model):
    """One sampled call to score: drawn by the weekly job, scored by a supervisor."""

    class State(models.TextChoices):
        TO_REVIEW = "to_review", _("To review")
        SCORED = "scored", _("Scored")

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="+", verbose_name=_("territory")
    )
    attempt = models.OneToOneField(
        CallAttempt, on_delete=models.CASCADE, related_name="review", verbose_name=_("call attempt")
    )
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("agent")
    )
    week = models.DateField(_("week"), help_text=_("The Monday of the call's ISO week."))
    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("scorecard")
    )
    with_finding = models.BooleanField(_("drawn for a finding"), default=False)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.TO_REVIEW
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    # {criterion id: score from 0 to SCORE_MAX}, validated against the scorecard by the form.
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    total = models.DecimalField(
        _("weighted total"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    drawn_at = models.DateTimeField(_("drawn at"))
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-week", "agent", "pk"]
        verbose_name = _("QA review")
        verbose_name_plural = _("QA reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="to_review")
                | (Q(reviewer__isnull=False) & Q(scored_at__isnull=False) & Q(total__isnull=False)),
                name="review_scored_by_someone",
            ),
        ]
        indexes = [
            models.Index(fields=["territory", "state", "week"], name="review_territory_state"),
            models.Index(fields=["agent", "week"], name="review_agent_week"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.week} #{self.attempt_id}"
