"""API v1 of intake: patients zéro and their contacts (DESIGN.md §7)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.access import access_territory_in_body
from agents.roles import role_permission
from cases.models import IndexCase
from common.api import BAD_INPUT, FORBIDDEN, NOT_AUTHENTICATED, ApiView
from intake.serializers import IndexCaseInputSerializer, IntakeResultSerializer
from intake.services import register_index_case


class RegisterIndexCaseView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM, roles.LAB_FEED)]

    @extend_schema(
        operation_id="register_index_case",
        request=IndexCaseInputSerializer,
        responses={
            201: IntakeResultSerializer,
            200: OpenApiResponse(
                IntakeResultSerializer,
                description="This external_ref was already registered: the existing case.",
            ),
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def post(self, request: Request) -> Response:
        """Register a patient zéro and their contacts, queueing every call; all or nothing."""
        # A laboratory feed is national; a CPAM admin registers cases of their own territory.
        territory = access_territory_in_body(request, national_roles=(roles.LAB_FEED,))
        serializer = IndexCaseInputSerializer(data=request.data, context={"territory": territory})
        serializer.is_valid(raise_exception=True)
        assert request.user.is_authenticated  # IsAuthenticated let them in
        is_lab = roles.LAB_FEED in roles.roles_of(request.user)
        result = register_index_case(
            territory=territory,
            source=IndexCase.Source.LAB if is_lab else IndexCase.Source.API,
            now=timezone.now(),
            created_by=request.user,
            **serializer.validated_data,
        )
        return Response(
            IntakeResultSerializer(result).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )
