"""API authentication: tokens that expire (DESIGN.md §6), read with everything a request of the
call loop needs in one query."""

from django.contrib.auth.models import Group
from django.db.models import Aggregate, CharField, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from agents import roles
from agents.services.sessions import token_expired
from common.compiled_query import CompiledQuery


class _Names(Aggregate):
    """The group names joined by commas: string_agg on PostgreSQL, group_concat on SQLite."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def _role_names():
    """A subquery of the user's role names (group names never contain a comma)."""
    return Subquery(
        Group.objects.filter(user=OuterRef("user_id"))
        .order_by()
        .values("user")
        .annotate(names=_Names("name"))
        .values("names")[:1]
    )


# Compiled once per process: at every request of the call loop, Django compiling this four-table
# read cost more CPU than running it.
_TOKEN_WITH_ALL: CompiledQuery[Token] = CompiledQuery(
    lambda key: Token.objects.select_related("user__agent__territory")
    .annotate(role_names=_role_names())
    .filter(key=key),
    str,
)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing (and deleting) a token older than API_TOKEN_HOURS.

    One query reads the token, its user, their roles and their agent profile with its
    territory: the permission checks and the call loop read no more (roles.roles_of() takes the
    names given here, so a change of role applies to the next request).
    """

    def authenticate_credentials(self, key):
        try:
            token = _TOKEN_WITH_ALL.get(key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token_expired(token=token, now=timezone.now()):
            token.delete()
            raise exceptions.AuthenticationFailed(_("Token expired."))
        names = token.role_names  # type: ignore[attr-defined]
        roles.remember_roles(user, names.split(",") if names else ())
        return user, token
