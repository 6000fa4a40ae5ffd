"""API v1 of the workforce: tokens, territories and agents (DESIGN.md §7)."""

from django.contrib.auth import authenticate, user_logged_in
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.models import Territory, staff_territory_id
from agents.serializers import (
    AgentInputSerializer,
    AgentSerializer,
    TerritoryInputSerializer,
    TerritoryRefSerializer,
    TerritorySerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from agents.services import create_agent, create_territory
from common.api import ApiView

BAD_INPUT = OpenApiResponse(description="Field errors, keyed by field (nested lists keep their positions).")
NOT_AUTHENTICATED = OpenApiResponse(description="No valid token or session.")
FORBIDDEN = OpenApiResponse(description="Not allowed for this role or in this territory.")


class IsSuperuser(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_superuser)


def role_permission(*role_names: str) -> type[BasePermission]:
    """Return a permission that lets in the holders of one of the roles (and superusers)."""

    class HasRole(BasePermission):
        def has_permission(self, request, view) -> bool:
            return roles.has_role(request.user, *role_names)

    return HasRole


def access_territory(request: Request, *, national_roles: tuple[str, ...] = ()) -> Territory:
    """Return the territory named in the request body, refusing (403) one the user does not work in.

    Resolved before the rest of the body, so that someone from another territory learns nothing
    from field errors, and so that phone numbers can be read in the territory's region.
    """
    ref = TerritoryRefSerializer(data=request.data)
    ref.is_valid(raise_exception=True)
    territory = ref.validated_data["territory"]
    user = request.user
    national = bool(national_roles) and bool(roles.roles_of(user) & set(national_roles))
    if not (user.is_superuser or national or staff_territory_id(user) == territory.pk):
        raise PermissionDenied(_("You may not act in this territory."))
    return territory


class ObtainTokenView(ApiView):
    # No authentication at all: a stale session cookie must not make this call fail on CSRF.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="obtain_token",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: BAD_INPUT, 429: OpenApiResponse(description="Locked out after failures.")},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Exchange a username and password for the user's API token."""
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The Django request, not DRF's: axes marks it as locked out, and its middleware
        # answers 429 instead of our response.
        django_request = request._request
        user = authenticate(django_request, **serializer.validated_data)
        if user is None:
            raise serializers.ValidationError({"non_field_errors": [_("Unable to log in with these credentials.")]})
        # Obtaining a token is a login: axes resets the failure count, last_login is stamped.
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer(token).data)


class CreateTerritoryView(ApiView):
    permission_classes = [IsAuthenticated, IsSuperuser]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="create_territory",
        request=TerritoryInputSerializer,
        responses={201: TerritorySerializer, 400: BAD_INPUT, 401: NOT_AUTHENTICATED, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        """Create a territory (a CPAM)."""
        serializer = TerritoryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        territory = create_territory(**serializer.validated_data)
        return Response(TerritorySerializer(territory).data, status=status.HTTP_201_CREATED)


class CreateAgentView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="create_agent",
        request=AgentInputSerializer,
        responses={201: AgentSerializer, 400: BAD_INPUT, 401: NOT_AUTHENTICATED, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        """Create a member of staff in a territory: account, role, profile and contract."""
        territory = access_territory(request)
        today = timezone.localdate(timezone=territory.zone)
        serializer = AgentInputSerializer(data=request.data, context={"territory": territory, "today": today})
        serializer.is_valid(raise_exception=True)
        agent = create_agent(territory=territory, today=today, **serializer.validated_data)
        return Response(AgentSerializer(agent).data, status=status.HTTP_201_CREATED)
