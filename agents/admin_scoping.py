"""Territory scoping for the Django admin: a CPAM admin sees, picks and saves only their own rows.

Every list, change page, choice list and autocomplete goes through the model's
`for_user(user)` queryset (DESIGN.md §6), so the admin obeys the same rule as the pages and
the API. A model without `for_user` shows nothing to a non-superuser unless it is listed in
GLOBAL_MODELS: the scoping fails closed.
"""

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.utils import timezone

from agents.models import Language, scope_for_user, staff_territory_id
from agents.roles import is_national_admin
from common.bounds import check_birth_date, check_plain_date, check_plain_moment

# Reference data that is the same for every territory: anyone with the permission may read it.
GLOBAL_MODELS: set[type[models.Model]] = {Language}

# What a choice label reads (its __str__), fetched with the choices rather than once per option.
CHOICE_SELECT_RELATED = {
    "agents.agent": ("user",),
    "agents.team": ("plateau",),
    "cases.indexcase": ("person",),
    "cases.exposure": ("person", "index_case__person"),
    "calls.calltask": ("person",),
}


def scoped_queryset(model: type[models.Model], user) -> models.QuerySet:
    """Return the rows of `model` the user may see or pick."""
    queryset = model._default_manager.all()
    if hasattr(queryset, "for_user"):
        queryset = queryset.for_user(user)
    elif not (user.is_superuser or model in GLOBAL_MODELS):
        return queryset.none()
    related = CHOICE_SELECT_RELATED.get(model._meta.label_lower)
    return queryset.select_related(*related) if related else queryset


def has_territory_field(model: type[models.Model]) -> bool:
    try:
        field = model._meta.get_field("territory")
    except FieldDoesNotExist:
        return False
    return field.many_to_one


def _birth_date(value):
    return check_birth_date(value, today=timezone.localdate())


class BoundedDatesMixin:
    """Every date typed in the admin within the sane ranges of common.bounds (birth dates after
    1900 and not in the future; any other date or time between 2000 and 2100), as in the API and
    the pages: year 1 or 9999 is refused with a form error instead of being stored."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is None:
            return None
        if isinstance(db_field, models.DateTimeField):
            formfield.validators.append(check_plain_moment)
        elif isinstance(db_field, models.DateField):
            birth = "birth" in db_field.name
            formfield.validators.append(_birth_date if birth else check_plain_date)
        return formfield


class TerritoryScopedMixin(BoundedDatesMixin):
    """Scope a ModelAdmin or an inline to the user's territory; a superuser sees everything."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "for_user"):
            return queryset.for_user(request.user)
        if isinstance(self, InlineModelAdmin):
            return queryset  # The parent's change page is scoped already.
        if request.user.is_superuser or self.model in GLOBAL_MODELS:
            return queryset
        return queryset.none()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = scoped_queryset(db_field.related_model, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = scoped_queryset(db_field.related_model, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        # A plain filter on a foreign key lists every row of the related table, other
        # territories' plateaux included; RelatedOnlyFieldListFilter lists only those in the
        # (scoped) changelist.
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and self._is_relation(item):
                item = (item, admin.RelatedOnlyFieldListFilter)
            filters.append(item)
        return filters

    def _is_relation(self, path: str) -> bool:
        try:
            return get_fields_from_path(self.model, path)[-1].is_relation
        except (FieldDoesNotExist, NotRelationField):
            return False

    def own_territory_id(self, request) -> int | None:
        """Return the territory a non-superuser is pinned to (None for a superuser)."""
        if request.user.is_superuser:
            return None
        territory_id = staff_territory_id(request.user)
        if territory_id is None:
            # Staff without an agent profile have no territory: they may touch nothing.
            raise PermissionDenied
        return territory_id


class ScopedModelAdmin(TerritoryScopedMixin, admin.ModelAdmin):
    """A ModelAdmin whose `territory` field, if any, is the user's own and not editable by them."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if (
            not request.user.is_superuser
            and has_territory_field(self.model)
            and "territory" not in fields
        ):
            fields.append("territory")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if not has_territory_field(self.model):
            return form
        territory_id = self.own_territory_id(request)
        if territory_id is None:
            return form

        def __init__(self, *args, **kwargs):
            form.__init__(self, *args, **kwargs)
            # Pinned before validation, so that model checks (a plateau of the same
            # territory…) see the territory the row will be saved with.
            if self.instance._state.adding:
                self.instance.territory_id = territory_id

        return type(form.__name__, (form,), {"__init__": __init__})

    def save_model(self, request, obj, form, change):
        territory_id = self.own_territory_id(request)
        if (
            territory_id is not None
            and has_territory_field(self.model)
            and obj.territory_id != territory_id
        ):
            raise PermissionDenied
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Only what the form changed: the row was read at the start of the request, and the desk
        # may have moved it since (an agent's live status, a task's lease).
        columns = {field.name for field in self.model._meta.concrete_fields}
        obj.save(update_fields=[name for name in form.changed_data if name in columns])


class ScopedTabularInline(TerritoryScopedMixin, admin.TabularInline):
    pass


class ScopedStackedInline(TerritoryScopedMixin, admin.StackedInline):
    pass


class ReadOnlyAdminMixin:
    """A record written by the application, never by hand: the admin only shows it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NationalReferenceMixin(BoundedDatesMixin):
    """Reference data every CPAM shares: read by all admins, written by national admins only.

    The group permissions say the same (agents 0015); this holds even if a CPAM admin is given
    them by hand.
    """

    def has_add_permission(self, request, *args):
        return is_national_admin(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return is_national_admin(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_national_admin(request.user) and super().has_delete_permission(request, obj)


class ScopedRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A read-only record whose model has no for_user(): scoped by the lookup path to its territory.

    The rule is the one behind every for_user() (agents.models.scope_for_user): a superuser sees
    everything, a CPAM admin their territory, anybody else nothing.
    """

    territory_path: str

    def get_queryset(self, request):
        return scope_for_user(
            super().get_queryset(request), request.user, territory=self.territory_path
        )
