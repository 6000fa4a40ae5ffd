"""The staff: territories (CPAMs), plateaux, teams, agents, languages, the status log and
contracts."""

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agents import roles


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


def validate_rpps(value: str) -> None:
    """Refuse what is not an RPPS number: 11 digits, the last a Luhn check digit (the one rule of
    the admin, the pages and the API)."""
    if not (len(value) == 11 and value.isascii() and value.isdigit()):
        raise ValidationError(_("An RPPS number has 11 digits."), code="rpps_length")
    total = 0
    # Luhn: from the right, every second digit doubled (minus 9 past 9).
    for position, digit in enumerate(int(c) for c in reversed(value)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    if total % 10:
        raise ValidationError(
            _("This RPPS number is not valid (its check digit is wrong)."), code="rpps_check"
        )


def parse_hour(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def default_calling_start() -> time:
    return parse_hour(settings.DEFAULT_CALLING_HOURS[0])


def default_calling_end() -> time:
    return parse_hour(settings.DEFAULT_CALLING_HOURS[1])


def scope_for_user(
    queryset: models.QuerySet, user, *, territory: str, own: str | None = None
) -> models.QuerySet:
    """Filter a queryset to what this user may see (the one rule behind every for_user()).

    A superuser sees everything; a superviseur or CPAM admin, their territory (the `territory`
    lookup path); a téléconseiller, only their own rows (the `own` lookup path to a user), if the
    model has any; anybody else, nothing.
    """
    if user.is_superuser:
        return queryset
    if roles.has_role(user, roles.ADMIN_CPAM, roles.SUPERVISEUR):
        return queryset.filter(**{territory: staff_territory_id(user)})
    if own and roles.has_role(user, roles.TELECONSEILLER):
        return queryset.filter(**{own: user})
    return queryset.none()


class Language(models.Model):
    """A language a person speaks: ISO 639-1, or ISO 639-3 where there is no 639-1 code."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name_fr = models.CharField(_("French name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80)

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return self.name_en if (get_language() or "fr").startswith("en") else self.name_fr


class Region(models.Model):
    """A French region (INSEE code): its regional health agency (ARS) takes the clusters of the
    territories it covers."""

    code = models.CharField(_("INSEE code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=120)
    ars_email = models.EmailField(
        _("ARS e-mail"),
        blank=True,
        help_text=_("Where clusters handed off to the regional health agency are sent."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class TerritoryQuerySet(models.QuerySet):
    def for_user(self, user) -> "TerritoryQuerySet":
        if user.is_superuser:
            return self
        territory_id = staff_territory_id(user)
        if territory_id is None:
            return self.none()
        return self.filter(pk=territory_id)


class Territory(models.Model):
    """A CPAM: one département, its time zone and its calling hours."""

    class ChannelMode(models.TextChoices):
        CALL_FIRST = "call_first", _("Call first (SMS only as a fallback)")
        SMS_FIRST = "sms_first", _("SMS first, then a call")
        SMS_ONLY = "sms_only", _("SMS only for some contacts, SMS first for the others")

    code = models.CharField(_("département code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # Set from the code by whatever creates a territory (agents.regions), editable in the admin.
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="territories",
        verbose_name=_("region"),
    )
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    phone_region = models.CharField(
        _("phone region"),
        max_length=2,
        default="FR",
        help_text=_("Region used to read national phone numbers (FR, RE, GP, MQ, GF, YT…)."),
    )
    calling_hours_start = models.TimeField(_("calling hours start"), default=default_calling_start)
    calling_hours_end = models.TimeField(_("calling hours end"), default=default_calling_end)
    lends_to = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="borrows_from",
        verbose_name=_("lends its calls to"),
        help_text=_("Territories whose agents may also take this territory's calls."),
    )

    # Channel modes (issue 15): how a new contact is first told. Data, switched by the territory's
    # CPAM admin, proposed on the queue-health page when the day is projected to miss.
    channel_mode = models.CharField(
        _("channel mode"),
        max_length=10,
        choices=ChannelMode.choices,
        default=ChannelMode.CALL_FIRST,
        db_default=ChannelMode.CALL_FIRST,
    )
    # Exposure types (cases.Exposure.Type values) notified by SMS only in the SMS-only mode.
    sms_only_exposure_types = models.JSONField(
        _("exposure types notified by SMS only"), default=list, blank=True
    )
    sms_daily_quota = models.PositiveIntegerField(
        _("SMS per day"),
        default=5000,
        db_default=5000,
        validators=[MinValueValidator(1)],
        help_text=_("Past it, messages wait for the next day (shown to supervisors)."),
    )

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        constraints = [
            models.CheckConstraint(
                condition=Q(calling_hours_start__lt=models.F("calling_hours_end")),
                name="territory_calling_hours_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def is_calling_time(self, moment) -> bool:
        """Say whether people of this territory may be called at this moment, in their local
        time."""
        local = moment.astimezone(self.zone).time()
        return self.calling_hours_start <= local < self.calling_hours_end


class PlateauQuerySet(models.QuerySet):
    def for_user(self, user) -> "PlateauQuerySet":
        if user.is_superuser:
            return self
        return self.filter(territory_id=staff_territory_id(user))


class Plateau(models.Model):
    """A call-centre floor of a territory."""

    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="plateaux", verbose_name=_("territory")
    )
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=255, blank=True)

    objects = PlateauQuerySet.as_manager()

    class Meta:
        ordering = ["territory__code", "name"]
        verbose_name = _("plateau")
        verbose_name_plural = _("plateaux")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "name"], name="plateau_unique_name_per_territory"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TeamQuerySet(models.QuerySet):
    def for_user(self, user) -> "TeamQuerySet":
        if user.is_superuser:
            return self
        return self.filter(plateau__territory_id=staff_territory_id(user))


class Team(models.Model):
    plateau = models.ForeignKey(
        Plateau, on_delete=models.PROTECT, related_name="teams", verbose_name=_("plateau")
    )
    name = models.CharField(_("name"), max_length=120)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["plateau__name", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["plateau", "name"], name="team_unique_name_per_plateau")
        ]

    def __str__(self) -> str:
        return f"{self.plateau.name} / {self.name}"


class PauseReason(models.Model):
    """Why an agent is paused, and how long such a pause may last before it is flagged."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    label_fr = models.CharField(_("French label"), max_length=80)
    label_en = models.CharField(_("English label"), max_length=80)
    max_minutes = models.PositiveSmallIntegerField(
        _("longest normal duration (minutes)"), default=15
    )
    # A reason that can hide a day (training, meeting): past this total per agent and day, the
    # pause needs a supervisor's confirmation; unconfirmed, the time past it counts as idle.
    daily_cap_minutes = models.PositiveSmallIntegerField(
        _("daily cap per agent (minutes)"),
        null=True,
        blank=True,
        help_text=_(
            "Past this total in a day, the pause needs a supervisor's confirmation; unconfirmed, "
            "the time past it counts as idle. Blank: no cap."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["label_fr"]
        verbose_name = _("pause reason")
        verbose_name_plural = _("pause reasons")

    def __str__(self) -> str:
        return self.label_en if (get_language() or "fr").startswith("en") else self.label_fr


class AgentQuerySet(models.QuerySet):
    def for_user(self, user) -> "AgentQuerySet":
        return scope_for_user(self, user, territory="territory_id", own="user")


class Agent(models.Model):
    """A member of staff: téléconseiller, superviseur or CPAM admin, with a territory."""

    class Employer(models.TextChoices):
        CNAM = "cnam", _("Assurance Maladie staff")
        FIXED_TERM = "fixed_term", _("Fixed-term recruit")
        PROVIDER = "provider", _("Outsourced provider")
        DOCTOR = "doctor", _("Doctor")

    class Status(models.TextChoices):
        OFFLINE = "offline", _("Offline")
        READY = "ready", _("Ready")
        ON_CALL = "on_call", _("On call")
        WRAP_UP = "wrap_up", _("Wrap-up")
        PAUSED = "paused", _("Paused")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent",
        verbose_name=_("user"),
    )
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="agents", verbose_name=_("territory")
    )
    plateau = models.ForeignKey(
        Plateau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agents",
        verbose_name=_("plateau"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agents",
        verbose_name=_("team"),
    )
    employer = models.CharField(
        _("employer"), max_length=16, choices=Employer.choices, default=Employer.CNAM
    )
    provider_name = models.CharField(_("provider name"), max_length=120, blank=True)
    languages = models.ManyToManyField(Language, related_name="agents", verbose_name=_("languages"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OFFLINE
    )
    status_since = models.DateTimeField(_("status since"), default=timezone.now)
    # Set when someone else chose the password (hiring, the admin, the API): the agent must
    # choose their own at their first login before anything else.
    password_change_required = models.BooleanField(_("must change their password"), default=False)
    # The last sign of life of the agent's desk (its heartbeat, a claim, a status change): a desk
    # silent for AGENT_ABSENT_AFTER_MINUTES is closed by a sweep (calls.services.sweeps).
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    pause_reason = models.ForeignKey(
        PauseReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pause reason"),
    )

    objects = AgentQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        constraints = [
            models.CheckConstraint(
                condition=~Q(employer="provider") | ~Q(provider_name=""),
                name="agent_provider_is_named",
            ),
            models.CheckConstraint(
                condition=Q(status="paused", pause_reason__isnull=False)
                | (~Q(status="paused") & Q(pause_reason__isnull=True)),
                name="agent_pause_reason_only_when_paused",
            ),
        ]
        indexes = [models.Index(fields=["territory", "status"], name="agent_territory_status")]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def clean(self) -> None:
        if self.plateau_id and self.plateau.territory_id != self.territory_id:
            raise ValidationError({"plateau": _("This plateau belongs to another territory.")})
        if self.team_id and self.team.plateau_id != self.plateau_id:
            raise ValidationError({"team": _("This team belongs to another plateau.")})


class AgentStatusPeriod(models.Model):
    """One period an agent spent in one status: the time sheet is the sum of these rows."""

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="status_periods", verbose_name=_("agent")
    )
    status = models.CharField(_("status"), max_length=16, choices=Agent.Status.choices)
    pause_reason = models.ForeignKey(
        PauseReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pause reason"),
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # A wrap-up's limit (the call's outcome and reason, calls.DurationRule): time past it is idle,
    # not active.
    limit_seconds = models.PositiveIntegerField(
        _("counts as working time for at most (seconds)"), null=True, blank=True
    )

    class Meta:
        ordering = ["agent", "started_at"]
        verbose_name = _("status period")
        verbose_name_plural = _("status periods")
        constraints = [
            models.UniqueConstraint(
                fields=["agent"],
                condition=Q(ended_at__isnull=True),
                name="status_period_one_open_per_agent",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="status_period_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["agent", "started_at"], name="status_period_agent_started")]

    def __str__(self) -> str:
        return f"{self.agent} {self.status} {self.started_at:%Y-%m-%d %H:%M}"


class PauseCapDecisionQuerySet(models.QuerySet):
    def for_user(self, user) -> "PauseCapDecisionQuerySet":
        return scope_for_user(self, user, territory="agent__territory_id", own="agent__user")


class PauseCapDecision(models.Model):
    """A supervisor's word on an agent's pause past its reason's daily cap: confirmed (the time
    is a pause), or refused (the time past the cap is idle)."""

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="pause_cap_decisions", verbose_name=_("agent")
    )
    day = models.DateField(_("day"))
    pause_reason = models.ForeignKey(
        PauseReason, on_delete=models.PROTECT, related_name="+", verbose_name=_("pause reason")
    )
    confirmed = models.BooleanField(_("confirmed"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"))
    note = models.TextField(_("note"), blank=True)

    objects = PauseCapDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "agent"]
        verbose_name = _("decision on a pause past its cap")
        verbose_name_plural = _("decisions on pauses past their cap")
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "day", "pause_reason"], name="pause_cap_decision_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.day} {self.pause_reason}"


def staff_territory_id(user) -> int | None:
    """Return the territory of a member of staff, or None (lab feeds, users without a profile)."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_territory_id", False)
    if cached is False:
        cached = Agent.objects.filter(user=user).values_list("territory_id", flat=True).first()
        user._territory_id = cached
    return cached


class OpeningHoursQuerySet(models.QuerySet):
    def for_user(self, user) -> "OpeningHoursQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class OpeningHours(models.Model):
    """When a territory's floor is open on one day of the week, or on public holidays.

    No row for a day means closed that day. Public holidays have their own row (weekday 7) because
    the floor often opens then with shorter hours.
    """

    PUBLIC_HOLIDAY = 7

    class Day(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")
        PUBLIC_HOLIDAY = 7, _("Public holiday")

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="opening_hours",
        verbose_name=_("territory"),
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Day.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    objects = OpeningHoursQuerySet.as_manager()

    class Meta:
        ordering = ["territory", "weekday"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "weekday"], name="opening_hours_one_per_day"
            ),
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")), name="opening_hours_ordered"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=7), name="opening_hours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class AgentDayQuerySet(models.QuerySet):
    def for_user(self, user) -> "AgentDayQuerySet":
        return scope_for_user(self, user, territory="agent__territory_id", own="agent__user")


class AgentDay(models.Model):
    """One agent's figures for one local day; boards read these, never a COUNT over history."""

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="days", verbose_name=_("agent")
    )
    day = models.DateField(_("day"))
    calls = models.PositiveIntegerField(_("calls"), default=0)
    reached = models.PositiveIntegerField(_("reached"), default=0)
    talk_seconds = models.PositiveIntegerField(_("talk time (s)"), default=0)
    short_calls = models.PositiveIntegerField(_("short calls"), default=0)
    # Calls whose outcome needs a conversation, recorded without « Answered »: their talk time is
    # unknown (not counted in talk_seconds), and said so rather than read as zero.
    talk_not_marked = models.PositiveIntegerField(_("calls with talk time not marked"), default=0)
    refused_outcomes = models.PositiveIntegerField(_("outcomes refused (lease lost)"), default=0)
    last_call_at = models.DateTimeField(_("last call at"), null=True, blank=True)
    # Seconds in each status, from the status periods closed that day (the open one is added live).
    ready_seconds = models.PositiveIntegerField(_("ready time (s)"), default=0)
    on_call_seconds = models.PositiveIntegerField(_("on-call time (s)"), default=0)
    wrap_up_seconds = models.PositiveIntegerField(_("wrap-up time (s)"), default=0)
    # The part of wrap_up_seconds past each wrap-up's limit: idle, not active.
    wrap_up_over_seconds = models.PositiveIntegerField(_("wrap-up past its limit (s)"), default=0)
    paused_seconds = models.PositiveIntegerField(_("pause time (s)"), default=0)
    first_login_at = models.DateTimeField(_("first login at"), null=True, blank=True)

    objects = AgentDayQuerySet.as_manager()

    class Meta:
        # Moved from the supervision app; the table keeps its name.
        db_table = "supervision_agentday"
        ordering = ["-day", "agent"]
        verbose_name = _("agent day")
        verbose_name_plural = _("agent days")
        constraints = [
            models.UniqueConstraint(fields=["agent", "day"], name="agent_day_unique"),
            models.CheckConstraint(
                condition=Q(reached__lte=models.F("calls")), name="agent_day_reached_within_calls"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.day}"


class DoctorQuerySet(models.QuerySet):
    def for_user(self, user) -> "DoctorQuerySet":
        """A national admin (or superuser) sees every doctor; a CPAM admin, those practising in
        their territory; anybody else, none."""
        if roles.is_national_admin(user):
            return self
        if roles.has_role(user, roles.ADMIN_CPAM):
            return self.filter(territories=staff_territory_id(user))
        return self.none()


class Doctor(models.Model):
    """A general practitioner who declares their positive patients and their contacts.

    Not an Agent: a doctor holds no staff territory, so every territory-scoped list shows them
    nothing; they see only the cases they declared. Where they practise is informational: patients
    move, and a declaration goes to the territory of the patient's postcode.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="doctor",
        verbose_name=_("user"),
    )
    rpps = models.CharField(
        _("RPPS number"),
        max_length=11,
        unique=True,
        validators=[validate_rpps],
        help_text=_("The 11-digit number of the shared directory of health professionals."),
    )
    territories = models.ManyToManyField(
        Territory,
        blank=True,
        related_name="doctors",
        verbose_name=_("practises in"),
        help_text=_("Informational: a doctor may declare a patient of any territory."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = DoctorQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("doctor")
        verbose_name_plural = _("doctors")

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        return f"Dr {name} ({self.rpps})"


class ArsOfficer(models.Model):
    """A member of a regional health agency (ARS): not an agent, no territory of their own; sees
    and acts on the clusters of their region's territories only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ars_officer",
        verbose_name=_("user"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="officers", verbose_name=_("region")
    )

    class Meta:
        verbose_name = _("ARS officer")
        verbose_name_plural = _("ARS officers")

    def __str__(self) -> str:
        return f"{self.user} ({self.region.name})"


def ars_region_id(user) -> int | None:
    """Return the region of an ARS officer, or None (anybody else)."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_ars_region_id", False)
    if cached is False:
        cached = ArsOfficer.objects.filter(user=user).values_list("region_id", flat=True).first()
        user._ars_region_id = cached
    return cached


def scope_clusters_for_user(
    queryset: models.QuerySet, user, *, territory: str, region: str
) -> models.QuerySet:
    """Filter a queryset of clusters (or rows under them) to what this user may see: a superuser
    or national admin everything; a CPAM admin their territory; an ARS officer their region's
    territories; anybody else (superviseurs and téléconseillers included) nothing."""
    if roles.is_national_admin(user):
        return queryset
    if roles.ARS in roles.roles_of(user):
        return queryset.filter(**{region: ars_region_id(user)})
    if roles.ADMIN_CPAM in roles.roles_of(user):
        return queryset.filter(**{territory: staff_territory_id(user)})
    return queryset.none()
