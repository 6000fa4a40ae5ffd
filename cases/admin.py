"""The Django admin of people and cases, scoped to the CPAM admin's territory.

Identity is health data: lists show names and territory only, and every opening of a record
that shows a person is logged (invariant 8). Patients zéro and contacts are created by the
intake (form, API, import), which queues their calls; the admin corrects, it does not add.
Interviews and notifications are what agents recorded: read-only here. Isolation rule sets are
national doctrine, dated, shared by every territory.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agents.admin_scoping import (
    NationalReferenceMixin,
    ScopedModelAdmin,
    ScopedRecordAdmin,
    ScopedTabularInline,
)
from cases.models import (
    ClusterRule,
    Exposure,
    IndexCase,
    Interview,
    IsolationRuleSet,
    Notification,
    Person,
    Phone,
    Place,
    RuleSetTranslation,
)
from cases.services import log_person_access
from common.phones import to_e164


class PersonReadLoggingMixin:
    """Log who opened a record showing a person, as the staff pages do."""

    def persons_read(self, obj) -> list[Person]:
        raise NotImplementedError

    def persons_listed(self, obj) -> list[Person]:
        """The persons a changelist row shows (by default, those its change form shows)."""
        return self.persons_read(obj)

    def get_changelist_instance(self, request):
        # A list or a search shows names too: log the persons of the page shown, once each.
        changelist = super().get_changelist_instance(request)
        persons = {p.pk: p for obj in changelist.result_list for p in self.persons_listed(obj)}
        if persons:
            kind = "admin-search" if changelist.query else "admin-list"
            log_person_access(
                user=request.user,
                persons=list(persons.values()),
                what=f"{kind}:{self.opts.model_name}",
                now=timezone.now(),
            )
        return changelist

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            log_person_access(
                user=request.user,
                persons=self.persons_read(obj),
                what=f"admin:{self.opts.model_name}",
                now=timezone.now(),
            )
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )


class PhoneForm(forms.ModelForm):
    class Meta:
        model = Phone
        fields = ("number", "position")

    def clean_number(self) -> str:
        try:
            region = self.instance.person.territory.phone_region
        except ObjectDoesNotExist:
            region = "FR"
        return to_e164(self.cleaned_data["number"], region=region)


class PhoneInline(ScopedTabularInline):
    model = Phone
    form = PhoneForm
    fields = ("number", "position", "retired_at")
    readonly_fields = ("retired_at",)
    extra = 0


@admin.register(Person)
class PersonAdmin(PersonReadLoggingMixin, ScopedModelAdmin):
    list_display = ("last_name", "first_name", "territory")
    list_filter = ("territory",)
    list_select_related = ("territory",)
    search_fields = ("last_name", "first_name")
    fields = (
        "territory",
        "first_name",
        "last_name",
        "birth_date",
        "language",
        "address",
        "created_at",
        "purged_at",
    )
    readonly_fields = ("created_at", "purged_at")
    autocomplete_fields = ("language",)
    inlines = (PhoneInline,)

    def persons_read(self, obj: Person) -> list[Person]:
        return [obj]

    def has_add_permission(self, request):
        return False

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Staff search a number as they read it ("06 12 34 56 78"); it is stored in E.164.
        try:
            number = to_e164(search_term)
        except ValidationError:
            return results, may_have_duplicates
        return results | queryset.filter(phones__number=number), True


@admin.register(IndexCase)
class IndexCaseAdmin(PersonReadLoggingMixin, ScopedModelAdmin):
    list_display = ("__str__", "territory", "source", "sampled_at", "identified_at")
    list_filter = ("territory", "source")
    list_select_related = ("person", "territory")
    search_fields = ("person__last_name", "person__first_name", "=external_ref")
    fields = (
        "person",
        "territory",
        "source",
        "external_ref",
        "sampled_at",
        "symptom_onset_on",
        "identified_at",
        "created_by",
        "contacts",
    )
    # The deadlines of the queued calls derive from these: they are not edited after intake.
    readonly_fields = (
        "person",
        "territory",
        "source",
        "external_ref",
        "identified_at",
        "created_by",
        "contacts",
    )

    # A case may have hundreds of contacts: the change page links to them rather than showing
    # every one inline (seconds and megabytes for one page).
    @admin.display(description=_("contacts"))
    def contacts(self, obj: IndexCase) -> str:
        count = obj.exposures.count()
        url = reverse("admin:cases_exposure_changelist") + f"?index_case__id__exact={obj.pk}"
        label = ngettext("%(count)d contact", "%(count)d contacts", count) % {"count": count}
        return format_html('<a href="{}">{}</a>', url, label)

    def persons_read(self, obj: IndexCase) -> list[Person]:
        return [obj.person]

    def persons_listed(self, obj: IndexCase) -> list[Person]:
        return [obj.person]

    def has_add_permission(self, request):
        # A patient zéro registered here would have no interview queued: use the intake.
        return False


@admin.register(Exposure)
class ExposureAdmin(PersonReadLoggingMixin, ScopedModelAdmin):
    list_display = ("person", "index_case", "exposure_type", "last_exposure_date", "identified_at")
    list_filter = ("index_case__territory", "exposure_type")
    list_select_related = ("person", "index_case__person")
    search_fields = ("person__last_name", "person__first_name")
    fields = ("index_case", "person", "exposure_type", "last_exposure_date", "identified_at")
    readonly_fields = ("index_case", "person", "identified_at")

    def persons_read(self, obj: Exposure) -> list[Person]:
        return [obj.person, obj.index_case.person]

    def has_add_permission(self, request):
        return False


class RuleSetTranslationInline(NationalReferenceMixin, admin.StackedInline):
    """The instructions in other languages than French: agents read them to a person who speaks
    one (a wording, not the doctrine: editable even once the rules were applied)."""

    model = RuleSetTranslation
    extra = 0
    autocomplete_fields = ("language",)


@admin.register(IsolationRuleSet)
class IsolationRuleSetAdmin(NationalReferenceMixin, admin.ModelAdmin):
    """Doctrine changes by a new dated rule set, not by editing one already applied."""

    inlines = (RuleSetTranslationInline,)

    list_display = (
        "name",
        "valid_from",
        "index_isolation_days",
        "contact_isolation_days",
        "contact_test_days",
    )
    search_fields = ("name",)

    def get_readonly_fields(self, request, obj=None):
        # Interviews and notifications name the rules they applied: those rules are the record.
        if obj is not None and (
            Interview.objects.filter(rule_set=obj).exists()
            or Notification.objects.filter(rule_set=obj).exists()
        ):
            return [field.name for field in self.model._meta.concrete_fields if field.name != "id"]
        return ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Interview)
class InterviewAdmin(PersonReadLoggingMixin, ScopedRecordAdmin):
    territory_path = "index_case__territory_id"
    list_display = ("index_case", "recorded_at", "recorded_by")
    list_select_related = ("index_case__person", "recorded_by")
    search_fields = ("index_case__person__last_name",)
    show_full_result_count = False

    def persons_read(self, obj: Interview) -> list[Person]:
        return [obj.index_case.person]


@admin.register(Notification)
class NotificationAdmin(PersonReadLoggingMixin, ScopedRecordAdmin):
    territory_path = "exposure__index_case__territory_id"
    list_display = ("exposure", "recorded_at", "recorded_by")
    list_select_related = ("exposure__person", "exposure__index_case__person", "recorded_by")
    search_fields = ("exposure__person__last_name",)
    show_full_result_count = False

    def persons_read(self, obj: Notification) -> list[Person]:
        return [obj.exposure.person]


@admin.register(ClusterRule)
class ClusterRuleAdmin(NationalReferenceMixin, admin.ModelAdmin):
    """How many cases at a place of a type make a cluster: national data (one row per type,
    created by a migration)."""

    list_display = ("place_type", "min_cases", "window_days")

    def get_readonly_fields(self, request, obj=None):
        return ("place_type",) if obj is not None else ()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Place)
class PlaceAdmin(ScopedModelAdmin):
    """Places named by intakes: an admin corrects a spelling; the intake creates them."""

    list_display = ("name", "type", "address", "postcode", "territory")
    list_filter = ("type", "territory")
    list_select_related = ("territory",)
    search_fields = ("name", "address", "postcode")
    fields = ("territory", "name", "type", "address", "postcode", "created_at")
    # The name and address are how intakes find the place again (normalised): not edited here.
    readonly_fields = ("name", "address", "postcode", "created_at")

    def has_add_permission(self, request):
        return False
