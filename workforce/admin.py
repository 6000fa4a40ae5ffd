"""The Django admin of the workforce (agents with their contracts, recruitment, rota, staffing),
scoped to the CPAM admin's territory (see agents.admin_scoping)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents import roles
from agents.admin_scoping import (
    NationalReferenceMixin,
    ReadOnlyAdminMixin,
    ScopedModelAdmin,
    ScopedTabularInline,
)
from agents.models import Agent
from common.bounds import EARLIEST_DATE, LATEST_DATE
from workforce.models.contracts import Contract, FixedTermRule
from workforce.models.pay import PayRate
from workforce.models.recruitment import Candidate, CandidateEvent, TrainingSession
from workforce.models.rota import ClockEntry, Shift, ShiftPattern
from workforce.models.staffing import StaffingParameters, VolumeForecast
from workforce.services.contracts import (
    FixedTermChain,
    fixed_term_breach,
    fixed_term_chains,
    fixed_term_rules,
    limits_on,
)
from workforce.services.staff import create_agent

ROLE_LABELS = {
    roles.TELECONSEILLER: _("Call agent"),
    roles.SUPERVISEUR: _("Supervisor"),
    roles.ADMIN_CPAM: _("CPAM admin"),
}


class ContractInline(ScopedTabularInline):
    model = Contract
    fk_name = "agent"
    fields = ("kind", "start_on", "end_on", "renews", "created_at")
    readonly_fields = ("renews", "created_at")
    extra = 0


class AgentCreationForm(forms.ModelForm):
    """A new member of staff: the account and the profile, created by
    agents.services.create_agent."""

    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"))
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    contract_end = forms.DateField(
        label=_("Contract end"),
        required=False,
        help_text=_("For a fixed-term contract; leave empty for a permanent one."),
    )

    # Set by AgentAdmin.get_form: a CPAM admin creates téléconseillers and superviseurs only.
    allowed_roles: tuple[str, ...] = (roles.TELECONSEILLER, roles.SUPERVISEUR)

    class Meta:
        model = Agent
        fields = ("territory", "plateau", "team", "employer", "provider_name", "languages")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role, ROLE_LABELS[role]) for role in self.allowed_roles]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("A user with that username already exists."), code="unique")
        return username

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2",
                ValidationError(_("The two passwords differ."), code="password_mismatch"),
            )
        elif password1:
            candidate = User(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        employer = cleaned.get("employer")
        if employer == Agent.Employer.PROVIDER and cleaned.get("contract_end"):
            self.add_error(
                "contract_end", _("An outsourced provider's staff have no contract with the CPAM.")
            )
        if employer == Agent.Employer.FIXED_TERM and not cleaned.get("contract_end"):
            self.add_error("contract_end", _("A fixed-term recruit needs a contract end date."))
        if employer == Agent.Employer.PROVIDER and not cleaned.get("provider_name"):
            self.add_error("provider_name", _("Name the provider."))
        return cleaned


@admin.register(Agent)
class AgentAdmin(ScopedModelAdmin):
    list_display = ("full_name", "territory", "plateau", "team", "employer", "status")
    list_filter = ("territory", "plateau", "team", "employer", "status", "languages")
    list_select_related = ("user", "territory", "plateau", "team__plateau")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    filter_horizontal = ("languages",)
    fieldsets = (
        (None, {"fields": ("user", "territory", "plateau", "team")}),
        (_("Employment"), {"fields": ("employer", "provider_name")}),
        (_("Languages"), {"fields": ("languages",)}),
        (_("Live status"), {"fields": ("status", "status_since", "pause_reason")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "role",
                    "password1",
                    "password2",
                )
            },
        ),
        (_("Workplace"), {"fields": ("territory", "plateau", "team")}),
        (_("Employment"), {"fields": ("employer", "provider_name", "contract_end")}),
        (_("Languages"), {"fields": ("languages",)}),
    )
    # The live status belongs to the desk: the admin shows it, the agent's actions change it.
    readonly_fields = ("user", "status", "status_since", "pause_reason")

    @admin.display(description=_("name"), ordering="user__last_name")
    def full_name(self, agent: Agent) -> str:
        return str(agent)

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        # A new agent's contract comes from the form's contract end; later ones are edited here.
        return [] if obj is None else [ContractInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AgentCreationForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            allowed = (
                roles.STAFF_ROLES if request.user.is_superuser else AgentCreationForm.allowed_roles
            )
            form = type(form.__name__, (form,), {"allowed_roles": allowed})
        return form

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        territory_id = self.own_territory_id(request)
        if territory_id is not None and obj.territory_id != territory_id:
            raise PermissionDenied
        data = form.cleaned_data
        agent = create_agent(
            username=data["username"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            role=data["role"],
            territory=obj.territory,
            languages=list(data["languages"]),
            today=timezone.localdate(timezone=obj.territory.zone),
            plateau=obj.plateau,
            team=obj.team,
            employer=obj.employer,
            provider_name=obj.provider_name,
            contract_end=data["contract_end"],
            temporary_password=True,
        )
        # The admin goes on with `obj` (languages, log entry, redirect): make it the saved row.
        obj.pk = agent.pk
        obj.user = agent.user
        obj._state.adding = False
        obj._state.db = agent._state.db


class ContractAdminForm(forms.ModelForm):
    """A CDD typed here obeys the legal limits as on the pages, or says why it goes beyond them."""

    def clean(self):
        cleaned = super().clean()
        start_on, end_on, renews = (
            cleaned.get("start_on"),
            cleaned.get("end_on"),
            cleaned.get("renews"),
        )
        if cleaned.get("kind") != Contract.Kind.CDD or start_on is None or end_on is None:
            return cleaned
        if not (
            EARLIEST_DATE <= start_on <= LATEST_DATE and EARLIEST_DATE <= end_on <= LATEST_DATE
        ):
            return cleaned  # a date out of bounds is an error of its own, not a length
        if renews is not None:
            chain = fixed_term_chains([renews])[renews.pk]
        else:
            chain = FixedTermChain(renewals=0, first_day=start_on)
        breach = fixed_term_breach(
            chain=chain,
            end_on=end_on,
            limits=limits_on(fixed_term_rules(), start_on),
            renewal=renews is not None,
        )
        if breach is not None and not (cleaned.get("limit_override_reason") or "").strip():
            self.add_error(
                "limit_override_reason",
                _("%(limit)s Give the reason for going beyond it, or change the dates.")
                % {"limit": breach.message},
            )
        return cleaned


@admin.register(Contract)
class ContractAdmin(ScopedModelAdmin):
    form = ContractAdminForm
    list_display = ("agent", "kind", "start_on", "end_on", "end_alerted_at", "closed_at")
    list_filter = ("kind", "end_on")
    list_select_related = ("agent__user",)
    search_fields = ("agent__user__username", "agent__user__first_name", "agent__user__last_name")
    autocomplete_fields = ("agent", "renews")
    # Set by the contract sweeps: the alert and the end carried out are records, not settings.
    readonly_fields = (
        "created_at",
        "end_alerted_at",
        "end_acknowledged_at",
        "closed_at",
        "limit_overridden_by",
    )

    def save_model(self, request, obj, form, change):
        if "limit_override_reason" in form.changed_data:
            obj.limit_overridden_by = request.user if obj.limit_override_reason else None
            form.changed_data.append("limit_overridden_by")
        super().save_model(request, obj, form, change)


@admin.register(FixedTermRule)
class FixedTermRuleAdmin(NationalReferenceMixin, admin.ModelAdmin):
    """The legal limits of a CDD, shared by every territory: national admins change them."""

    list_display = ("valid_from", "max_renewals", "max_total_months", "source")


@admin.register(TrainingSession)
class TrainingSessionAdmin(ScopedModelAdmin):
    list_display = ("name", "territory", "plateau", "starts_on", "days", "capacity")
    list_filter = ("territory", "starts_on")
    list_select_related = ("territory", "plateau")
    search_fields = ("name",)


class CandidateEventInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = CandidateEvent
    fields = ("at", "from_stage", "to_stage", "by", "note")
    readonly_fields = fields
    extra = 0


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Candidates move through the pipeline on the recruitment pages, where the transitions are
    checked."""

    list_display = ("__str__", "territory", "stage", "source", "applied_at", "last_heard_at")
    list_filter = ("territory", "stage", "source", "languages")
    list_select_related = ("territory",)
    search_fields = ("first_name", "last_name", "phone", "email")
    inlines = [CandidateEventInline]
    show_full_result_count = False


@admin.register(PayRate)
class PayRateAdmin(ScopedModelAdmin):
    """The pay rates payroll applies. The national rows (no territory) are set by a superuser; a
    CPAM admin reads them and sets their territory's own, which replace them there."""

    list_display = (
        "employer",
        "territory_or_national",
        "valid_from",
        "hourly_rate",
        "sunday_premium_percent",
        "holiday_premium_percent",
    )
    list_filter = ("employer", "territory")
    list_select_related = ("territory",)
    fields = (
        "territory",
        "employer",
        "valid_from",
        "hourly_rate",
        "sunday_premium_percent",
        "holiday_premium_percent",
    )

    @admin.display(description=_("territory"), ordering="territory__code")
    def territory_or_national(self, rate: PayRate) -> str:
        return str(rate.territory) if rate.territory_id else str(_("national"))

    def _national_for_them(self, request, obj) -> bool:
        return obj is not None and obj.territory_id is None and not request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        if self._national_for_them(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._national_for_them(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # The bulk delete asks no row whether it may go: it would let a national rate go.
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("delete_selected", None)
        return actions


@admin.register(ShiftPattern)
class ShiftPatternAdmin(ScopedModelAdmin):
    list_display = ("name", "territory", "starts_at", "ends_at", "break_minutes")
    list_filter = ("territory",)
    list_select_related = ("territory",)


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """The rota is edited on its page, which refuses overlaps and shifts outside a contract."""

    list_display = (
        "agent",
        "plateau",
        "day",
        "starts_at",
        "ends_at",
        "break_minutes",
        "cancelled_at",
        "cancellation_reason",
    )
    list_filter = ("plateau", "day", "cancellation_reason")
    list_select_related = ("agent__user", "plateau")
    search_fields = ("agent__user__username", "agent__user__last_name")
    show_full_result_count = False


@admin.register(ClockEntry)
class ClockEntryAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ("agent", "clocked_in_at", "clocked_out_at")
    list_select_related = ("agent__user",)
    search_fields = ("agent__user__username", "agent__user__last_name")
    show_full_result_count = False


@admin.register(StaffingParameters)
class StaffingParametersAdmin(ScopedModelAdmin):
    list_display = (
        "territory",
        "index_handle_minutes",
        "contact_handle_minutes",
        "attempts_per_contact",
        "unanswered_attempt_minutes",
        "occupancy",
        "shrinkage",
        "paid_hours_per_day",
    )
    list_select_related = ("territory",)


@admin.register(VolumeForecast)
class VolumeForecastAdmin(ScopedModelAdmin):
    list_display = ("territory", "day", "language", "index_cases", "contacts")
    list_filter = ("territory", "day", "language")
    list_select_related = ("territory", "language")
