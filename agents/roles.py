"""Roles are Django groups; these names are created by a migration and never renamed."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

TELECONSEILLER = "teleconseiller"
SUPERVISEUR = "superviseur"
ADMIN_CPAM = "admin_cpam"
# A technical account of a laboratory or doctors' feed: may only register index cases.
LAB_FEED = "lab_feed"
# Changes the reference data every CPAM shares (retry rules, pause reasons, isolation doctrine)
# and may create CPAM admins. Not a staff role: it holds no territory of its own.
ADMIN_NATIONAL = "admin_national"

# The data-protection officer: reads the access log of every territory, nothing else.
DPO = "dpo"

# A member of a regional health agency (agence régionale de santé): takes the clusters the CPAMs
# of their region hand off. Not a staff role either: an ArsOfficer profile gives the region.
ARS = "ars"
# A general practitioner who declares their positive patients and their contacts (issue 16). Not
# staff: no territory of their own, they see only the cases they declared.
MEDECIN = "medecin"

ALL_ROLES = (TELECONSEILLER, SUPERVISEUR, ADMIN_CPAM, LAB_FEED)
STAFF_ROLES = (TELECONSEILLER, SUPERVISEUR, ADMIN_CPAM)


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def remember_roles(user, names) -> None:
    """Give the user the role names read with them (the API token's query): roles_of() then
    reads no more."""
    user._role_names = set(names)


def has_role(user, *roles: str) -> bool:
    """Say whether the user holds one of the roles; a superuser holds them all."""
    return user.is_authenticated and (user.is_superuser or bool(roles_of(user) & set(roles)))


def is_national_admin(user) -> bool:
    """Say whether the user may change national reference data: a national admin or superuser."""
    return user.is_authenticated and (user.is_superuser or ADMIN_NATIONAL in roles_of(user))


def may_grant_role(user, role: str) -> bool:
    """Say whether the user may give this role: only national admins make CPAM admins."""
    return role != ADMIN_CPAM or is_national_admin(user)


def role_required(*roles: str) -> Callable:
    """Refuse (403) a page to a logged-in user without one of the roles."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class IsSuperuser(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_superuser)


def role_permission(*role_names: str) -> type[BasePermission]:
    """Return a permission that lets in the holders of one of the roles (and superusers)."""

    class HasRole(BasePermission):
        def has_permission(self, request, view) -> bool:
            return has_role(request.user, *role_names)

    return HasRole
