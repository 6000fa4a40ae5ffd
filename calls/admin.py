"""The Django admin of the queue, scoped to the CPAM admin's territory.

Tasks are created by the intake and moved by the desk; here an admin may only re-prioritise,
delay or re-route one (priority, not before, language). Call attempts are the record behind
every figure (invariant 5): nobody edits or deletes them. The retry policy is data that CPAM
admins tune; SMS messages are a record, read-only.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agents.admin_scoping import (
    NationalReferenceMixin,
    ReadOnlyAdminMixin,
    ScopedModelAdmin,
    ScopedRecordAdmin,
    ScopedTabularInline,
)
from calls.exceptions import CdrImportError
from calls.models import (
    CallAttempt,
    CallTask,
    CarrierCall,
    CarrierEvent,
    DurationRule,
    RetryRule,
    SmsMessage,
    SmsTemplate,
    TaskEvent,
    VoicemailDrop,
)
from calls.services.cdr import import_cdr
from cases.admin import PersonReadLoggingMixin
from cases.models import Person

ATTEMPT_FIELDS = (
    "channel",
    "started_at",
    "connected_at",
    "ended_at",
    "agent",
    "phone",
    "outcome",
    "accepted",
    "notes",
    "telephony_ref",
    "carrier",
    "carrier_call_id",
    "connected_source",
)


class CallAttemptInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = CallAttempt
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agent__user")


EVENT_FIELDS = (
    "at",
    "kind",
    "from_status",
    "to_status",
    "by",
    "agent",
    "reason",
    "target_at",
    "note",
)


class TaskEventInline(ReadOnlyAdminMixin, ScopedTabularInline):
    """The task's history outside the plain call loop: a record, like the attempts. CPAM admins
    read it on the escalations page (no admin permission is granted on it)."""

    model = TaskEvent
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by", "agent__user")


@admin.register(CallTask)
class CallTaskAdmin(PersonReadLoggingMixin, ScopedModelAdmin):
    list_display = ("person", "reason", "status", "deadline_at", "language", "territory")
    list_filter = ("territory", "reason", "status", "language")
    list_select_related = ("person", "language", "territory")
    search_fields = ("person__last_name", "person__first_name")
    # The queue can be huge: no second COUNT(*) of the whole table under every filtered list.
    show_full_result_count = False
    fields = (
        "person",
        "reason",
        "territory",
        "index_case",
        "exposure",
        "status",
        "closed_reason",
        "deadline_at",
        "queue_band",
        "callable_until",
        "priority",
        "not_before",
        "callback_at",
        "language",
        "attempts",
        "lease_holder",
        "lease_expires_at",
        "created_at",
        "closed_at",
    )
    readonly_fields = tuple(
        name for name in fields if name not in ("priority", "not_before", "language")
    )
    autocomplete_fields = ("language",)
    inlines = (CallAttemptInline, TaskEventInline)

    def persons_read(self, obj: CallTask) -> list[Person]:
        return [obj.person]

    def has_add_permission(self, request):
        return False


@admin.register(CallAttempt)
class CallAttemptAdmin(PersonReadLoggingMixin, ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ("started_at", "task", "agent", "channel", "outcome", "accepted")
    list_filter = ("channel", "outcome", "accepted")
    list_select_related = ("task__person", "agent__user")
    search_fields = ("task__person__last_name", "agent__user__username", "agent__user__last_name")
    show_full_result_count = False
    fields = ("task", *ATTEMPT_FIELDS)
    readonly_fields = fields

    def persons_read(self, obj: CallAttempt) -> list[Person]:
        return [obj.task.person]


@admin.register(RetryRule)
class RetryRuleAdmin(NationalReferenceMixin, admin.ModelAdmin):
    """The retry policy, shared by every territory: one rule per outcome, tuned in the list."""

    list_display = ("outcome", "closes_task", "delay_minutes", "try_next_phone", "max_attempts")
    list_editable = ("closes_task", "delay_minutes", "try_next_phone", "max_attempts")
    readonly_fields = ("outcome",)

    # Every outcome has its rule (seeded); the desk needs each one, so none is added or removed.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DurationRule)
class DurationRuleAdmin(NationalReferenceMixin, admin.ModelAdmin):
    """Durations as policy: the credible length of a call and the wrap-up limit, per outcome and
    reason (a blank reason holds for every reason)."""

    list_display = ("outcome", "reason", "min_seconds", "max_seconds", "wrap_up_limit_seconds")
    list_editable = ("min_seconds", "max_seconds", "wrap_up_limit_seconds")
    list_filter = ("reason",)


@admin.register(SmsTemplate)
class SmsTemplateAdmin(NationalReferenceMixin, admin.ModelAdmin):
    """The fallback SMS texts per language: French and English shipped, the rest written here."""

    list_display = ("language", "reason", "wording", "body")
    list_filter = ("language", "reason", "wording")
    search_fields = ("body",)
    autocomplete_fields = ("language",)


@admin.register(SmsMessage)
class SmsMessageAdmin(PersonReadLoggingMixin, ScopedRecordAdmin):
    territory_path = "task__territory_id"
    list_display = ("created_at", "task", "kind", "status", "sent_at")
    list_filter = ("status", "kind")
    list_select_related = ("task__person",)
    search_fields = ("task__person__last_name", "=provider_ref")
    show_full_result_count = False
    fields = (
        "task",
        "kind",
        "phone",
        "body",
        "status",
        "provider_ref",
        "error",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields

    def persons_read(self, obj: SmsMessage) -> list[Person]:
        return [obj.task.person]


class CdrImportForm(forms.Form):
    carrier = forms.ChoiceField(label=gettext_lazy("Carrier"))
    file = forms.FileField(label=gettext_lazy("CDR file (CSV)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = [(c, c) for c in sorted(settings.CARRIER_SECRETS)]


class CarrierEventInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = CarrierEvent
    fields = ("occurred_at", "type", "source", "event_id", "received_at", "payload")
    readonly_fields = fields
    extra = 0


@admin.register(CarrierCall)
class CarrierCallAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """The carrier's record of each call (webhooks, CDR files): evidence, read-only."""

    list_display = (
        "started_at",
        "carrier",
        "carrier_call_id",
        "state",
        "answered_by",
        "final_status",
        "billed_seconds",
    )
    list_filter = ("carrier", "state", "answered_by", "final_status")
    search_fields = ("=carrier_call_id",)
    show_full_result_count = False
    fields = (
        "carrier",
        "carrier_call_id",
        "assignment",
        "state",
        "started_at",
        "ringing_at",
        "answered_at",
        "ended_at",
        "answered_by",
        "billed_seconds",
        "final_status",
        "voicemail_dropped",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [CarrierEventInline]

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_cdr_view)
        return [
            path("import-cdr/", view, name="calls_carriercall_import_cdr"),
            *super().get_urls(),
        ]

    def import_cdr_view(self, request: HttpRequest) -> HttpResponse:
        """Import a carrier's CDR file: all or nothing, the errors by line. A carrier's file
        holds every territory's calls: superusers only."""
        if not request.user.is_superuser:
            raise PermissionDenied
        form = CdrImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = import_cdr(
                    content=form.cleaned_data["file"].read(),
                    carrier=form.cleaned_data["carrier"],
                    now=timezone.now(),
                )
            except CdrImportError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    _("%(lines)d calls imported: %(new)d events recorded, %(known)d known already.")
                    % {
                        "lines": result.lines,
                        "new": result.events_recorded,
                        "known": result.events_already_known,
                    },
                )
                return redirect("admin:calls_carriercall_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a CDR file"),
            "form": form,
            "errors": errors,
        }
        return render(request, "admin/calls/carriercall/import_cdr.html", context)


@admin.register(VoicemailDrop)
class VoicemailDropAdmin(ScopedModelAdmin):
    """The recorded messages left on answering machines, per territory and call reason."""

    list_display = ("territory", "reason", "message_id", "audio_url", "active")
    list_filter = ("reason", "active")
