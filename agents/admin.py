"""The Django admin of the foundation, scoped to the CPAM admin's territory (see admin_scoping)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from agents.admin_scoping import (
    NationalReferenceMixin,
    ScopedModelAdmin,
    ScopedRecordAdmin,
    ScopedTabularInline,
)
from agents.models import (
    AgentStatusPeriod,
    ArsOfficer,
    Language,
    OpeningHours,
    PauseReason,
    Plateau,
    Region,
    Team,
    Territory,
    staff_territory_id,
)
from agents.services.staff import region_for_departement

admin.site.site_header = _("Tracing Center administration")
admin.site.site_title = _("Tracing Center administration")
admin.site.index_title = _("Administration")


class OpeningHoursInline(ScopedTabularInline):
    model = OpeningHours
    fields = ("weekday", "opens_at", "closes_at")
    extra = 0


class TerritoryForm(forms.ModelForm):
    """A territory's region, left blank, is the one of its département (the static table)."""

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("region") and cleaned.get("code"):
            cleaned["region"] = region_for_departement(cleaned["code"])
        return cleaned


@admin.register(Territory)
class TerritoryAdmin(ScopedModelAdmin):
    form = TerritoryForm
    list_display = (
        "code",
        "name",
        "region",
        "timezone",
        "phone_region",
        "calling_hours_start",
        "calling_hours_end",
    )
    search_fields = ("code", "name")
    filter_horizontal = ("lends_to",)
    inlines = [OpeningHoursInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # The code identifies the CPAM everywhere, and lending calls to another territory
            # is a decision above one CPAM.
            fields += ["code", "lends_to", "region"]
        return fields


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """The regions are created by a migration; a superuser sets their ARS's address."""

    list_display = ("code", "name", "ars_email")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ArsOfficer)
class ArsOfficerAdmin(admin.ModelAdmin):
    """Who works for which regional health agency (superusers only: no group holds these
    permissions)."""

    list_display = ("user", "region")
    list_filter = ("region",)
    list_select_related = ("user", "region")
    search_fields = ("user__username", "user__last_name")
    autocomplete_fields = ("user",)

    def get_queryset(self, request):
        # A CPAM admin sees who works for their own region's ARS (where their clusters go).
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        territory_id = staff_territory_id(request.user)
        return (
            queryset.filter(region__territories=territory_id) if territory_id else queryset.none()
        )


@admin.register(Plateau)
class PlateauAdmin(ScopedModelAdmin):
    list_display = ("name", "territory", "address")
    list_filter = ("territory",)
    list_select_related = ("territory",)
    search_fields = ("name", "address")


@admin.register(Team)
class TeamAdmin(ScopedModelAdmin):
    list_display = ("name", "plateau", "territory")
    list_filter = ("plateau",)
    list_select_related = ("plateau__territory",)
    search_fields = ("name", "plateau__name")

    @admin.display(description=_("territory"), ordering="plateau__territory__code")
    def territory(self, team: Team) -> Territory:
        return team.plateau.territory


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    """Reference data loaded by a migration: the same for every territory, read-only here."""

    list_display = ("code", "name_fr", "name_en")
    search_fields = ("code", "name_fr", "name_en")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PauseReason)
class PauseReasonAdmin(NationalReferenceMixin, admin.ModelAdmin):
    """Reference data shared by every territory: a reason in use is retired (inactive), not
    deleted."""

    list_display = ("code", "label_fr", "label_en", "max_minutes", "active")
    list_filter = ("active",)
    search_fields = ("code", "label_fr", "label_en")

    def get_readonly_fields(self, request, obj=None):
        # The code names the reason in the status log and the exports: it is fixed once created.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AgentStatusPeriod)
class AgentStatusPeriodAdmin(ScopedRecordAdmin):
    """The time-sheet record: written by the desk, read here."""

    territory_path = "agent__territory_id"
    list_display = ("agent", "status", "pause_reason", "started_at", "ended_at")
    list_filter = ("status",)
    list_select_related = ("agent__user", "pause_reason")
    search_fields = ("agent__user__username", "agent__user__last_name")
    show_full_result_count = False


# --- Recruitment, rota, staffing: the French pages under /workforce/ are the tools; the admin
# shows the rows and edits only what has no rule behind it (sessions, patterns, parameters).
