"""The Django admin of the foundation, scoped to the CPAM admin's territory (see admin_scoping)."""

from django import forms
from django.contrib import admin
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
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
    Doctor,
    Language,
    OpeningHours,
    PauseReason,
    Plateau,
    Region,
    Team,
    Territory,
    staff_territory_id,
)
from agents.roles import is_national_admin
from agents.services.doctors import create_doctor
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


class DoctorCreationForm(forms.ModelForm):
    """A new doctor: their account and their RPPS number, in one form."""

    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        help_text=_("Leave empty: the doctor chooses one with the “forgotten password” link."),
        required=False,
        strip=False,
    )

    class Meta:
        model = Doctor
        fields = ["rpps", "territories"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This username is taken."), code="taken")
        return username

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if password:
            password_validation.validate_password(password)
        return password


@admin.register(Doctor)
class DoctorAdmin(ScopedModelAdmin):
    """CPAM admins create the doctors practising in their territory, national admins any doctor;
    a doctor declares in any territory whatever this list says."""

    list_display = ("__str__", "rpps", "created_at")
    list_select_related = ("user",)
    search_fields = ("rpps", "user__last_name", "user__username")
    filter_horizontal = ("territories",)
    readonly_fields = ("user", "created_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = DoctorCreationForm
            kwargs["fields"] = [
                "username",
                "first_name",
                "last_name",
                "email",
                "password",
                "rpps",
                "territories",
            ]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("user", "created_at") if obj is not None else ()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Where a doctor practises is informational, not a scope: a national admin picks any
        # territory (Territory.for_user gives them none of their own).
        if db_field.name == "territories" and is_national_admin(request.user):
            kwargs["queryset"] = Territory.objects.all()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        doctor = create_doctor(
            username=data["username"],
            password=data["password"] or None,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            rpps=data["rpps"],
            territories=data["territories"],
        )
        # The form's save_m2m() then writes the same territories on the same row.
        obj.pk, obj.user, obj.created_at = doctor.pk, doctor.user, doctor.created_at
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        doctor = form.instance
        own = None if is_national_admin(request.user) else self.own_territory_id(request)
        # A CPAM admin sees only their own territory in the list: the doctor's other ones
        # (set by another CPAM) must survive their save.
        kept = (
            []
            if own is None
            else list(
                Doctor.territories.through.objects.filter(doctor=doctor)
                .exclude(territory_id=own)
                .values_list("territory_id", flat=True)
            )
        )
        super().save_related(request, form, formsets, change)
        if own is not None:
            # A CPAM admin's doctor practises in their territory, or they could not see them.
            doctor.territories.add(own, *kept)


# --- Recruitment, rota, staffing: the French pages under /workforce/ are the tools; the admin
# shows the rows and edits only what has no rule behind it (sessions, patterns, parameters).
