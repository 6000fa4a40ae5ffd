"""API v1 of intake: patients zéro and their contacts (DESIGN.md §7), and the doctors'
declarations (issue 16)."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.access import access_own_doctor, access_territory_in_body
from agents.roles import role_permission
from cases.models import IndexCase
from cases.services import log_person_access
from common.api import BAD_INPUT, FORBIDDEN, NOT_AUTHENTICATED, ApiView
from intake import selectors
from intake.serializers import (
    DeclarationResultSerializer,
    DeclarationSerializer,
    DoctorDeclarationInputSerializer,
    IndexCaseInputSerializer,
    IntakeResultSerializer,
    PostcodeSerializer,
)
from intake.services import doctor_external_ref, register_index_case


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


class DoctorDeclarationsView(ApiView):
    """A doctor's declarations: declare a patient and their contacts, list those declared."""

    permission_classes = [IsAuthenticated, role_permission(roles.MEDECIN)]

    @extend_schema(
        operation_id="declare_patient",
        request=DoctorDeclarationInputSerializer,
        responses={
            201: DeclarationResultSerializer,
            200: OpenApiResponse(
                DeclarationResultSerializer,
                description="You already declared this external_ref: the existing case.",
            ),
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def post(self, request: Request) -> Response:
        """Declare a positive patient and their contacts (doctors only): the case goes to the
        CPAM of the patient's postcode, every call queued; all or nothing."""
        doctor = access_own_doctor(request.user)
        # The postcode first: it names the territory, in whose region phones are read.
        where = PostcodeSerializer(data=request.data)
        where.is_valid(raise_exception=True)
        territory = where.validated_data["postcode"]
        serializer = DoctorDeclarationInputSerializer(
            data=request.data, context={"territory": territory}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = register_index_case(
            territory=territory,
            source=IndexCase.Source.DOCTOR,
            now=timezone.now(),
            created_by=doctor.user,
            **data
            | {
                "external_ref": doctor_external_ref(
                    rpps=doctor.rpps, file_number=data["external_ref"]
                )
            },
        )
        return Response(
            DeclarationResultSerializer(result).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="list_declarations",
        parameters=[OpenApiParameter("page", int, description="The page, from 1 (20 a page).")],
        responses={
            200: DeclarationSerializer(many=True),
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: OpenApiResponse(description="No such page."),
        },
    )
    def get(self, request: Request) -> Response:
        """List the patients you declared, newest first, with where each patient and contact
        stands (queued, reached, notified by SMS, escalated, missed) and their isolation dates."""
        doctor = access_own_doctor(request.user)
        paginator = Paginator(
            selectors.declarations_of(user=doctor.user), selectors.DECLARATIONS_PER_PAGE
        )
        try:
            page = paginator.page(request.query_params.get("page", 1))
        except (EmptyPage, PageNotAnInteger) as exc:
            raise NotFound from exc
        now = timezone.now()
        declarations = selectors.declarations_progress(cases=list(page.object_list), now=now)
        log_person_access(
            user=doctor.user,
            persons=[p for d in declarations for p in d.persons],
            what="api-declaration-list",
            now=now,
        )
        return Response(DeclarationSerializer(declarations, many=True).data)
