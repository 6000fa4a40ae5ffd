"""API v1 of the foundation: tokens and territories (DESIGN.md §7)."""

from django.contrib.auth import authenticate, user_logged_in
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents.roles import IsSuperuser
from agents.serializers import (
    TerritoryInputSerializer,
    TerritorySerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from agents.services.sessions import revoke_tokens, token_expired
from agents.services.staff import create_territory
from common.api import BAD_INPUT, FORBIDDEN, NOT_AUTHENTICATED, ApiView


class ObtainTokenView(ApiView):
    # No authentication at all: a stale session cookie must not make this call fail on CSRF.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="obtain_token",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: BAD_INPUT,
            429: OpenApiResponse(description="Locked out after failures."),
        },
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
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with these credentials.")]}
            )
        # Obtaining a token is a login: axes resets the failure count, last_login is stamped.
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        if token_expired(token=token, now=timezone.now()):
            # The old one is refused anyway: a fresh one, for another working day.
            revoke_tokens(user_id=user.pk)
            token = Token.objects.create(user=user)
        return Response(TokenSerializer(token).data)


class CreateTerritoryView(ApiView):
    permission_classes = [IsAuthenticated, IsSuperuser]

    @extend_schema(
        operation_id="create_territory",
        request=TerritoryInputSerializer,
        responses={
            201: TerritorySerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def post(self, request: Request) -> Response:
        """Create a territory (a CPAM)."""
        serializer = TerritoryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        territory = create_territory(**serializer.validated_data)
        return Response(TerritorySerializer(territory).data, status=status.HTTP_201_CREATED)
