"""Read models for supervision: counters updated in the same transaction as the attempt."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, PauseReason, Territory, scope_for_user


class AlertQuerySet(models.QuerySet):
    def for_user(self, user) -> "AlertQuerySet":
        return scope_for_user(self, user, territory="agent__territory_id")

    def open(self) -> "AlertQuerySet":
        return self.filter(cleared_at__isnull=True)


class Alert(models.Model):
    """An agent flagged for a supervisor: idle, paused too long, no call for a while, short
    calls."""

    class Kind(models.TextChoices):
        IDLE = "idle", _("Ready but idle too long")
        LONG_PAUSE = "long_pause", _("Paused beyond the reason's limit")
        NO_CALL = "no_call", _("Logged in with no call for too long")
        LONG_CALL = "long_call", _("On call for very long")
        LONG_WRAP_UP = "long_wrap_up", _("Wrap-up past its limit")
        PAUSE_OVER_CAP = "pause_over_cap", _("Pause past its daily cap: to confirm")
        SHORT_CALLS = "short_calls", _("Unusual share of short calls")

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("agent")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    raised_at = models.DateTimeField(_("raised at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
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

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            # A condition that lasts is one alert, not one per sweep.
            models.UniqueConstraint(
                fields=["agent", "kind"],
                condition=Q(cleared_at__isnull=True),
                name="alert_one_open_per_agent_kind",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="alert_acknowledged_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["agent", "raised_at"], name="alert_agent_raised")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.agent}"


class SupervisorActionQuerySet(models.QuerySet):
    def for_user(self, user) -> "SupervisorActionQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class SupervisorAction(models.Model):
    """What a supervisor did to an agent or a call, kept as evidence."""

    class Kind(models.TextChoices):
        RELEASE_LEASE = "release_lease", _("Released a stuck call")
        REASSIGN_CALLBACK = "reassign_callback", _("Reassigned a callback")
        PAUSE_AGENT = "pause_agent", _("Put an agent in pause")
        LOG_OUT_AGENT = "log_out_agent", _("Logged an agent out")
        ACKNOWLEDGE_ALERT = "acknowledge_alert", _("Acknowledged an alert")
        SEND_MESSAGE = "send_message", _("Sent a message to desks")
        CHANNEL_MODE = "channel_mode", _("Switched the channel mode")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="+", verbose_name=_("territory")
    )
    kind = models.CharField(_("action"), max_length=20, choices=Kind.choices)
    agent = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    task = models.ForeignKey(
        "calls.CallTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("call"),
    )
    # What the action was about, as rows rather than codes in the note: the log shows their labels
    # and names (the pause's reason; the owner a callback was taken from).
    pause_reason = models.ForeignKey(
        PauseReason,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pause reason"),
    )
    previous_agent = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous owner"),
    )
    # A message to desks: the log shows to whom it went and how many have read it.
    message = models.ForeignKey(
        "calls.DeskMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message"),
    )
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))

    objects = SupervisorActionQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("supervisor action")
        verbose_name_plural = _("supervisor actions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.at:%Y-%m-%d %H:%M}"


class SlaDayQuerySet(models.QuerySet):
    def for_user(self, user) -> "SlaDayQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class SlaDay(models.Model):
    """One territory's deadline figures for the calls due on one local day (a rollup)."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="+", verbose_name=_("territory")
    )
    day = models.DateField(_("day"))
    contacts_due = models.PositiveIntegerField(_("contacts due"), default=0)
    contacts_reached_in_time = models.PositiveIntegerField(_("contacts reached in time"), default=0)
    contacts_notified_in_time = models.PositiveIntegerField(
        _("contacts notified by SMS in time"), default=0
    )
    index_due = models.PositiveIntegerField(_("patients zéro due"), default=0)
    index_reached_in_time = models.PositiveIntegerField(
        _("patients zéro reached in time"), default=0
    )
    contacts_reached_late = models.PositiveIntegerField(
        _("contacts reached after the deadline"), default=0
    )
    index_reached_late = models.PositiveIntegerField(
        _("patients zéro reached after the deadline"), default=0
    )
    first_attempt_median_seconds = models.PositiveIntegerField(
        _("median time to first attempt (s)"), null=True, blank=True
    )
    computed_at = models.DateTimeField(_("computed at"))

    objects = SlaDayQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "territory"]
        verbose_name = _("SLA day")
        verbose_name_plural = _("SLA days")
        constraints = [models.UniqueConstraint(fields=["territory", "day"], name="sla_day_unique")]

    def __str__(self) -> str:
        return f"{self.territory} {self.day}"

    @property
    def contacts_missed(self) -> int:
        """Contacts due that day neither reached by phone nor notified by SMS in time."""
        return max(
            0, self.contacts_due - self.contacts_reached_in_time - self.contacts_notified_in_time
        )


class HourlyCalls(models.Model):
    """The calls the agents of a territory made in one hour (UTC), counted once the hour is over
    by a periodic job (supervision.services.hourly_calls): the queue-health chart reads two days
    of these rather than counting two days of attempts on every poll. Every hour counted has its
    row, zeros included: an hour without one is counted from the attempts."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="+", verbose_name=_("territory")
    )
    hour = models.DateTimeField(_("hour (start, UTC)"))
    calls = models.PositiveIntegerField(_("calls"), default=0)
    # Those on the territory's own tasks: what its superviseurs and CPAM admins are shown (a
    # superuser sees them all, the calls made for other territories included).
    own_calls = models.PositiveIntegerField(_("calls on the territory's tasks"), default=0)
    reached = models.PositiveIntegerField(_("reached"), default=0)

    class Meta:
        ordering = ["-hour", "territory"]
        verbose_name = _("calls in an hour")
        verbose_name_plural = _("calls per hour")
        constraints = [
            models.UniqueConstraint(fields=["territory", "hour"], name="hourly_calls_unique"),
        ]
        indexes = [models.Index(fields=["hour"], name="hourly_calls_hour")]

    def __str__(self) -> str:
        return f"{self.territory} {self.hour:%Y-%m-%d %H}h"


class QueueProjection(models.Model):
    """A territory's latest projection of misses (supervision.services.projection): its open
    calls due within 24 h and the agents working then, run through the queue simulator by a
    periodic job. The queue-health page reads it; it never runs the simulator itself."""

    territory = models.OneToOneField(
        Territory,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("territory"),
    )
    computed_at = models.DateTimeField(_("computed at"))
    # What the projection was computed from (projection._fingerprint): unchanged inputs within a
    # period are not simulated again.
    inputs = models.CharField(_("inputs"), max_length=40)
    # Per language code: the people due within 24 h, those reached or notified in time, misses.
    due = models.JSONField(_("due within 24 h"), default=dict)
    within = models.JSONField(_("reached or notified in time"), default=dict)
    misses = models.JSONField(_("projected misses"), default=dict)
    events = models.PositiveIntegerField(_("simulated events"), default=0)
    wall_seconds = models.FloatField(_("simulation time (s)"), default=0)

    class Meta:
        verbose_name = _("queue projection")
        verbose_name_plural = _("queue projections")

    def __str__(self) -> str:
        return f"{self.territory} {self.computed_at:%Y-%m-%d %H:%M}"
