"""The intake's own rows: contact imports run as background jobs."""

from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agents.models import Territory, scope_for_user


class ContactImportQuerySet(models.QuerySet):
    def for_user(self, user) -> "ContactImportQuerySet":
        return cast("ContactImportQuerySet", scope_for_user(self, user, territory="territory_id"))

    def in_progress(self) -> "ContactImportQuerySet":
        return self.filter(state__in=ContactImport.IN_PROGRESS)


class ContactImport(models.Model):
    """One upload of a contacts CSV, imported by a worker: all of its rows or none.

    The file stays in the row until the job ends (it holds names and phone numbers), then is
    blanked; the result keeps ids, so the names shown are those of today's records (and go with
    the retention purge)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Stage(models.TextChoices):
        CHECKING = "checking", _("Checking the rows")
        RECORDING = "recording", _("Recording the contacts")

    class Problem(models.TextChoices):
        WORKER_LOST = (
            "worker_lost",
            _(
                "The worker running this import stopped: nothing was recorded, and the import was "
                "started again."
            ),
        )
        WORKER_LOST_AGAIN = (
            "worker_lost_again",
            _(
                "The worker running this import stopped twice: nothing was recorded. Upload the "
                "file again, or split it."
            ),
        )
        TIMEOUT = (
            "timeout",
            _("The import took too long and was stopped: nothing was recorded. Split the file."),
        )
        ERROR = (
            "error",
            _(
                "An unexpected error stopped the import: nothing was recorded. Try again; if it "
                "fails again, tell your administrator."
            ),
        )

    IN_PROGRESS = (State.QUEUED, State.RUNNING)

    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="+", verbose_name=_("territory")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # The uploader's language: the worker writes the errors in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"), blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.QUEUED)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    cases_count = models.PositiveIntegerField(_("index cases"), default=0)
    created_count = models.PositiveIntegerField(_("new contacts"), default=0)
    # [{"line": 3, "message": "line 3: language: Unknown language: xx"}]
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # [{"index_case": 12, "rows": 40, "created": 38, "persons": [301, 302, ...]}]
    result = models.JSONField(_("result"), default=list, blank=True)
    # What went wrong besides the rows (a lost worker, a timeout), shown on the job's page.
    problem = models.CharField(_("problem"), max_length=20, choices=Problem, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # The worker's heartbeat: a running job not updated for a while lost its worker.
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ContactImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("contact import")
        verbose_name_plural = _("contact imports")
        constraints = [
            # The same file posted twice for one territory while the first is still going.
            models.UniqueConstraint(
                fields=["territory", "sha256"],
                condition=Q(state__in=["queued", "running"]),
                name="one_running_import_per_file",
            )
        ]
        indexes = [models.Index(fields=["state", "updated_at"], name="contactimport_state_updated")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("intake:contact-import-detail", args=[self.pk])

    @property
    def in_progress(self) -> bool:
        return self.state in self.IN_PROGRESS
