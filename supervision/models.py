"""Read models for supervision: counters updated in the same transaction as the attempt."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, scope_for_user


class AgentDayQuerySet(models.QuerySet):
    def for_user(self, user) -> "AgentDayQuerySet":
        return scope_for_user(self, user, territory="agent__territory_id", own="agent__user")


class AgentDay(models.Model):
    """One agent's figures for one local day; boards read these, never a COUNT over history."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="days", verbose_name=_("agent"))
    day = models.DateField(_("day"))
    calls = models.PositiveIntegerField(_("calls"), default=0)
    reached = models.PositiveIntegerField(_("reached"), default=0)
    talk_seconds = models.PositiveIntegerField(_("talk time (s)"), default=0)
    short_calls = models.PositiveIntegerField(_("short calls"), default=0)
    refused_outcomes = models.PositiveIntegerField(_("outcomes refused (lease lost)"), default=0)
    last_call_at = models.DateTimeField(_("last call at"), null=True, blank=True)

    objects = AgentDayQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "agent"]
        verbose_name = _("agent day")
        verbose_name_plural = _("agent days")
        constraints = [
            models.UniqueConstraint(fields=["agent", "day"], name="agent_day_unique"),
            models.CheckConstraint(condition=Q(reached__lte=models.F("calls")), name="agent_day_reached_within_calls"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.day}"
