"""People and epidemiology: persons, their phones, index cases (patients zéro) and exposures."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents import roles
from agents.models import (
    Agent,
    Language,
    Territory,
    scope_clusters_for_user,
    scope_for_user,
    staff_territory_id,
)


class PersonQuerySet(models.QuerySet):
    def for_user(self, user) -> "PersonQuerySet":
        # A téléconseiller sees only the person whose call they hold (one call at a time, so the
        # join yields no duplicates).
        return scope_for_user(
            self.live(), user, territory="territory_id", own="call_tasks__lease_holder__user"
        )

    def live(self) -> "PersonQuerySet":
        """The persons not merged into another one (a merged person is a tombstone kept so that
        the merge can be undone; lists, searches and queues never show it)."""
        return self.filter(merged_into__isnull=True)

    def for_desk(self, agent: Agent) -> "PersonQuerySet":
        """The people a téléconseiller may look up when someone calls the platform: those of the
        agent's territory whose identity is not purged (wider than for_user(), which shows a
        téléconseiller only the person of the call they hold; every such read is logged)."""
        return self.live().filter(territory_id=agent.territory_id, purged_at__isnull=True)


class Person(models.Model):
    """Someone to call: a patient zéro or a contact. Identity is purged after retention."""

    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="persons", verbose_name=_("territory")
    )
    first_name = models.CharField(_("first name"), max_length=120)
    last_name = models.CharField(_("last name"), max_length=120)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    language = models.ForeignKey(
        Language, on_delete=models.PROTECT, related_name="+", verbose_name=_("language")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    purged_at = models.DateTimeField(_("purged at"), null=True, blank=True)
    # Identity across cases (cases/identity.py): the blocking key of the duplicate search, and the
    # tombstone of a person merged into another one.
    name_key = models.CharField(_("name key"), max_length=40, blank=True, default="")
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["territory", "last_name"], name="person_territory_name"),
            models.Index(fields=["name_key", "territory"], name="person_name_key"),
            models.Index(fields=["birth_date", "territory"], name="person_birth_date"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PhoneQuerySet(models.QuerySet):
    def in_service(self) -> "PhoneQuerySet":
        return self.filter(retired_at__isnull=True)


class Phone(models.Model):
    """One number of a person, in E.164. A wrong number retires the number, not the person."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="phones", verbose_name=_("person")
    )
    number = models.CharField(_("number"), max_length=20, help_text=_("E.164, e.g. +33612345678"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    objects = PhoneQuerySet.as_manager()

    class Meta:
        ordering = ["person", "position"]
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "number"], name="phone_unique_number_per_person"
            ),
            models.CheckConstraint(
                condition=Q(number__regex=r"^\+[1-9][0-9]{6,14}$"), name="phone_number_is_e164"
            ),
        ]
        indexes = [models.Index(fields=["number"], name="phone_number")]

    def __str__(self) -> str:
        return self.number


class IndexCaseQuerySet(models.QuerySet):
    def for_user(self, user) -> "IndexCaseQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class IndexCase(models.Model):
    """A patient zéro: a person with a positive sample, to interview about their contacts."""

    class Source(models.TextChoices):
        LAB = "lab", _("Laboratory feed")
        DOCTOR = "doctor", _("Doctor")
        FORM = "form", _("Registration form")
        API = "api", _("API")
        IMPORT = "import", _("CSV import")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="index_cases", verbose_name=_("person")
    )
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="index_cases", verbose_name=_("territory")
    )
    sampled_at = models.DateTimeField(_("sampled at"))
    symptom_onset_on = models.DateField(_("symptom onset"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    external_ref = models.CharField(
        _("external reference"),
        max_length=64,
        blank=True,
        help_text=_("The laboratory's or doctor's file number."),
    )
    identified_at = models.DateTimeField(_("identified at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = IndexCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-identified_at"]
        verbose_name = _("index case")
        verbose_name_plural = _("index cases")
        constraints = [
            # A re-sent intake with the same reference must not create a second case.
            models.UniqueConstraint(
                fields=["territory", "external_ref"],
                condition=~Q(external_ref=""),
                name="index_case_unique_external_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.person}"


class ExposureQuerySet(models.QuerySet):
    def for_user(self, user) -> "ExposureQuerySet":
        return scope_for_user(self, user, territory="index_case__territory_id")


class Exposure(models.Model):
    """A contact: a person exposed to an index case."""

    class Type(models.TextChoices):
        HOUSEHOLD = "household", _("Household")
        CLOSE = "close", _("Close contact")
        CO_EXPOSED = "co_exposed", _("Co-exposed")

    index_case = models.ForeignKey(
        IndexCase, on_delete=models.CASCADE, related_name="exposures", verbose_name=_("index case")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="exposures", verbose_name=_("person")
    )
    exposure_type = models.CharField(_("exposure type"), max_length=12, choices=Type.choices)
    last_exposure_date = models.DateField(_("last exposure date"))
    identified_at = models.DateTimeField(_("identified at"), default=timezone.now)
    # Where it happened, when the patient zéro said (optional): what clusters are detected from.
    place = models.ForeignKey(
        "Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exposures",
        verbose_name=_("place"),
    )

    objects = ExposureQuerySet.as_manager()

    class Meta:
        ordering = ["identified_at"]
        verbose_name = _("exposure")
        verbose_name_plural = _("exposures")
        constraints = [
            models.UniqueConstraint(
                fields=["index_case", "person"], name="exposure_unique_person_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ← {self.index_case}"


class PersonAccess(models.Model):
    """Who read a person's record, and when (health data: every read by staff is logged)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="accesses", verbose_name=_("person")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    accessed_at = models.DateTimeField(_("accessed at"), default=timezone.now)
    what = models.CharField(_("what"), max_length=64)

    class Meta:
        ordering = ["-accessed_at"]
        verbose_name = _("person access")
        verbose_name_plural = _("person accesses")

    def __str__(self) -> str:
        return f"{self.user} → {self.person} ({self.what})"


class IsolationRuleSet(models.Model):
    """The isolation and testing rules in force from a date: data, edited as doctrine changes."""

    name = models.CharField(_("name"), max_length=120)
    valid_from = models.DateField(_("valid from"), unique=True)
    index_isolation_days = models.PositiveSmallIntegerField(
        _("patient zéro isolation (days from onset or sample)")
    )
    contact_isolation_days = models.PositiveSmallIntegerField(
        _("contact isolation (days from last exposure)")
    )
    contact_test_days = models.PositiveSmallIntegerField(
        _("contact test (days after last exposure)")
    )
    index_instructions = models.TextField(_("instructions for a patient zéro"))
    contact_instructions = models.TextField(_("instructions for a contact"))

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("isolation rule set")
        verbose_name_plural = _("isolation rule sets")

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from.isoformat()})"


class RuleSetTranslation(models.Model):
    """A rule set's instructions in one more language than French, read out by agents to a
    person who speaks it (English shipped; national admins add the others)."""

    rule_set = models.ForeignKey(
        IsolationRuleSet,
        on_delete=models.CASCADE,
        related_name="translations",
        verbose_name=_("isolation rule set"),
    )
    language = models.ForeignKey(
        Language, on_delete=models.PROTECT, related_name="+", verbose_name=_("language")
    )
    index_instructions = models.TextField(_("instructions for a patient zéro"))
    contact_instructions = models.TextField(_("instructions for a contact"))

    class Meta:
        ordering = ["rule_set", "language"]
        verbose_name = _("translation of the instructions")
        verbose_name_plural = _("translations of the instructions")
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "language"], name="rule_set_translation_once_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_set.name} – {self.language_id}"


class Interview(models.Model):
    """What a patient zéro told the agent during their interview."""

    index_case = models.OneToOneField(
        IndexCase, on_delete=models.CASCADE, related_name="interview", verbose_name=_("index case")
    )
    symptomatic = models.BooleanField(_("symptomatic"), default=False)
    symptom_onset_on = models.DateField(_("symptom onset"), null=True, blank=True)
    isolation_until = models.DateField(_("isolation until"))
    consent_to_name = models.BooleanField(_("agrees to be named to contacts"), default=False)
    support_needed = models.BooleanField(_("needs support (food, housing, care)"), default=False)
    rule_set = models.ForeignKey(
        IsolationRuleSet,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rules applied"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")

    def __str__(self) -> str:
        return f"{self.index_case}"


class Notification(models.Model):
    """What a contact was told: isolation, test date, certificate, support."""

    exposure = models.OneToOneField(
        Exposure, on_delete=models.CASCADE, related_name="notification", verbose_name=_("exposure")
    )
    isolation_until = models.DateField(_("isolation until"))
    test_on = models.DateField(_("test date"))
    certificate_needed = models.BooleanField(_("needs an isolation certificate"), default=False)
    support_referral = models.BooleanField(_("referred for support"), default=False)
    rule_set = models.ForeignKey(
        IsolationRuleSet,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rules applied"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.exposure}"


class DuplicateCandidateQuerySet(models.QuerySet):
    def for_user(self, user) -> "DuplicateCandidateQuerySet":
        """A CPAM admin sees the pairs where either person is in their territory; a national
        admin or a superuser, every pair; anybody else, none."""
        if roles.is_national_admin(user):
            return self
        if roles.has_role(user, roles.ADMIN_CPAM):
            territory_id = staff_territory_id(user)
            return self.filter(
                Q(person_a__territory_id=territory_id) | Q(person_b__territory_id=territory_id)
            )
        return self.none()

    def to_review(self) -> "DuplicateCandidateQuerySet":
        """The open pairs whose two persons are still live, best score first."""
        return self.filter(
            status=DuplicateCandidate.Status.OPEN,
            person_a__merged_into__isnull=True,
            person_b__merged_into__isnull=True,
            person_a__purged_at__isnull=True,
            person_b__purged_at__isnull=True,
        ).order_by("-score", "-found_at", "pk")


class DuplicateCandidate(models.Model):
    """Two persons who may be the same human being, found by cases/identity.py, for a CPAM
    admin to merge or dismiss. A dismissed pair is never proposed again."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    person_a = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("person A")
    )
    person_b = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("person B")
    )
    score = models.PositiveSmallIntegerField(_("score"))
    evidence = models.JSONField(_("evidence"), default=dict)
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = DuplicateCandidateQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="duplicate_pair_once"),
            models.CheckConstraint(
                condition=Q(person_a__lt=models.F("person_b")), name="duplicate_pair_ordered"
            ),
        ]
        indexes = [
            models.Index(
                fields=["-score"], condition=Q(status="open"), name="duplicate_open_by_score"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_a} ~ {self.person_b} ({self.score})"


class PersonMerge(models.Model):
    """One merge of a person into another: what moved, so that it can be undone for
    MERGE_UNDO_DAYS."""

    survivor = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("surviving person")
    )
    merged = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged person")
    )
    candidate = models.ForeignKey(
        DuplicateCandidate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merges",
        verbose_name=_("duplicate candidate"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))
    # {"app.Model": [ids moved from the merged person to the survivor]}.
    moved = models.JSONField(_("moved rows"), default=dict)
    # [{"id": task id, "status": …, fields to restore}]: the open calls the merge closed.
    closed_tasks = models.JSONField(_("calls closed by the merge"), default=list)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("person merge")
        verbose_name_plural = _("person merges")

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"


# --- Places and clusters (issue 16): where exposures happened, and the places with several
# cases, handed to the regional health agency (docs/clusters.md) ------------------------------


class PlaceQuerySet(models.QuerySet):
    def for_user(self, user) -> "PlaceQuerySet":
        return scope_for_user(self, user, territory="territory_id")


class Place(models.Model):
    """Where an exposure happened: a school, a workplace, a nursing home… One row per place of a
    territory, found again by its normalised name and address."""

    class Type(models.TextChoices):
        SCHOOL = "school", _("School")
        WORKPLACE = "workplace", _("Workplace")
        NURSING_HOME = "nursing_home", _("Nursing home")
        HEALTH_FACILITY = "health_facility", _("Health facility")
        EVENT = "event", _("Event")
        OTHER = "other", _("Other place")

    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="places", verbose_name=_("territory")
    )
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    # Lower case, no accents, no punctuation, single spaces (cases.places.normalise).
    normalised_name = models.CharField(_("normalised name"), max_length=200, editable=False)
    normalised_address = models.CharField(
        _("normalised address"), max_length=255, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "normalised_name", "normalised_address"],
                name="place_unique_per_territory",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ClusterRule(models.Model):
    """How many cases at a place of a type, within how many days, make a cluster: national
    data, edited by national admins."""

    place_type = models.CharField(
        _("place type"), max_length=16, choices=Place.Type.choices, unique=True
    )
    min_cases = models.PositiveSmallIntegerField(
        _("cases"), validators=[MinValueValidator(1)], help_text=_("At least this many cases…")
    )
    window_days = models.PositiveSmallIntegerField(
        _("within (days)"),
        validators=[MinValueValidator(1)],
        help_text=_("…whose exposures at the place fall within this many consecutive days."),
    )

    class Meta:
        ordering = ["place_type"]
        verbose_name = _("cluster rule")
        verbose_name_plural = _("cluster rules")

    def __str__(self) -> str:
        return f"{self.get_place_type_display()}: {self.min_cases} / {self.window_days}"


class ClusterQuerySet(models.QuerySet):
    def for_user(self, user) -> "ClusterQuerySet":
        return scope_clusters_for_user(
            self, user, territory="territory_id", region="territory__region_id"
        )

    def open(self) -> "ClusterQuerySet":
        return self.filter(status__in=Cluster.OPEN_STATUSES)


class Cluster(models.Model):
    """Several cases at one place: detected by the CPAM's data, handed off to the region's ARS,
    investigated and closed by it, or returned to the CPAM."""

    class Status(models.TextChoices):
        DETECTED = "detected", _("Detected")
        HANDED_OFF = "handed_off", _("Handed off to the ARS")
        UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
        CLOSED = "closed", _("Closed")
        RETURNED = "returned", _("Returned to the CPAM")

    OPEN_STATUSES = (Status.DETECTED, Status.HANDED_OFF, Status.UNDER_INVESTIGATION)

    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="clusters", verbose_name=_("place")
    )
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="clusters", verbose_name=_("territory")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DETECTED
    )
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    cases = models.ManyToManyField(
        IndexCase,
        through="ClusterCase",
        related_name="clusters",
        verbose_name=_("cases"),
    )
    handed_off_at = models.DateTimeField(_("handed off at"), null=True, blank=True)
    handed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed off by"),
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    ended_at = models.DateTimeField(_("closed or returned at"), null=True, blank=True)
    # Why the ARS closed it or returned it to the CPAM (shown to the CPAM admin).
    reason = models.TextField(_("reason"), blank=True, max_length=2000)

    objects = ClusterQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        constraints = [
            # Detection adds a new case to the open cluster of its place, never opens a second.
            models.UniqueConstraint(
                fields=["place"],
                condition=Q(status__in=["detected", "handed_off", "under_investigation"]),
                name="cluster_one_open_per_place",
            )
        ]
        indexes = [models.Index(fields=["territory", "status"], name="cluster_territory_status")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.place}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ClusterCase(models.Model):
    """A confirmed case of a cluster: one of its exposures names the place."""

    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("cluster")
    )
    index_case = models.ForeignKey(
        IndexCase,
        on_delete=models.CASCADE,
        related_name="cluster_memberships",
        verbose_name=_("index case"),
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name = _("case of a cluster")
        verbose_name_plural = _("cases of a cluster")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "index_case"], name="cluster_case_once")
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id} ∋ {self.index_case_id}"


class ClusterEvent(models.Model):
    """The timeline of a cluster: what happened to it, when and by whom."""

    class Kind(models.TextChoices):
        DETECTED = "detected", _("Detected")
        CASE_ADDED = "case_added", _("A new case joined")
        HANDED_OFF = "handed_off", _("Handed off to the ARS")
        SENT = "sent", _("E-mail sent to the ARS")
        SEND_FAILED = "send_failed", _("E-mail to the ARS failed")
        TAKEN = "taken", _("Taken under investigation")
        CLOSED = "closed", _("Closed")
        RETURNED = "returned", _("Returned to the CPAM")

    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="events", verbose_name=_("cluster")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("cluster event")
        verbose_name_plural = _("cluster events")

    def __str__(self) -> str:
        return f"{self.cluster_id} {self.kind} @ {self.at:%Y-%m-%d %H:%M}"


class ClusterHandoff(models.Model):
    """The e-mail that hands a cluster to the region's ARS: a row first (the outbox), sent once
    by a worker, tried again by a sweep; a failure that lasts is shown on the cluster's page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    cluster = models.OneToOneField(
        Cluster, on_delete=models.CASCADE, related_name="handoff", verbose_name=_("cluster")
    )
    to_email = models.EmailField(_("to"))
    # The export as it was handed off (cases.clusters.export_cluster), attached to the e-mail;
    # emptied by the purge with the persons it names.
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cluster hand-off")
        verbose_name_plural = _("cluster hand-offs")

    def __str__(self) -> str:
        return f"{self.cluster_id} → {self.to_email} ({self.status})"
