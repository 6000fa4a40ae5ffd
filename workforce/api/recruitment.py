"""API v1 of recruitment: candidates and their moves through the pipeline."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.access import access_own_territory, access_territory_in_body
from agents.models import Territory
from agents.roles import role_permission
from common.api import BAD_INPUT, FORBIDDEN, NOT_AUTHENTICATED, ApiView
from workforce.models.recruitment import Candidate
from workforce.selectors.recruitment import candidates_for_list, get_candidate_for_user
from workforce.serializers.recruitment import (
    CandidateDetailSerializer,
    CandidateInputSerializer,
    CandidateSerializer,
    CandidateTransitionSerializer,
)
from workforce.services import recruitment as services

Stage = Candidate.Stage
NOT_FOUND = OpenApiResponse(description="No such candidate in your territory.")
REFUSED = OpenApiResponse(
    description=(
        "The move is not allowed from the candidate's stage, or the session cannot take them."
    )
)


# The stages one may ask for; "no answer" is the sweep's alone.
class CandidatePagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 500


class CandidatesView(ApiView, GenericAPIView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]
    pagination_class = CandidatePagination
    serializer_class = CandidateSerializer

    @extend_schema(
        operation_id="list_candidates",
        parameters=[
            OpenApiParameter(
                "stage", str, enum=Stage.values, description="Only the candidates at this stage."
            )
        ],
        responses={
            200: CandidateSerializer(many=True),
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        """List the candidates of your territory, most recent first."""
        stage = request.query_params.get("stage", "")
        if stage and stage not in Stage.values:
            raise serializers.ValidationError(
                {"stage": [_("Unknown stage: %(stage)s") % {"stage": stage}]}
            )
        candidates = candidates_for_list(user=request.user, stage=stage).select_related(
            "assessed_by"
        )
        page = self.paginate_queryset(candidates)
        return self.get_paginated_response(CandidateSerializer(page, many=True).data)

    @extend_schema(
        operation_id="create_candidate",
        request=CandidateInputSerializer,
        responses={
            201: CandidateSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def post(self, request: Request) -> Response:
        """Record a candidate at the stage "applied"; a superuser names the territory."""
        assert request.user.is_authenticated  # IsAuthenticated let them in
        territory = _territory_of_request(request)
        serializer = CandidateInputSerializer(data=request.data, context={"territory": territory})
        serializer.is_valid(raise_exception=True)
        candidate = services.add_candidate(
            territory=territory,
            data=serializer.candidate_data(),
            by=request.user,
            now=timezone.now(),
        )
        return Response(CandidateSerializer(candidate).data, status=status.HTTP_201_CREATED)


def _territory_of_request(request: Request) -> Territory:
    """Return the territory a new candidate belongs to: the one named (if the user works there), or
    the user's."""
    if "territory" in request.data or request.user.is_superuser:
        return access_territory_in_body(request)
    return access_own_territory(request.user)


class CandidateDetailView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="get_candidate",
        responses={
            200: CandidateDetailSerializer,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Return a candidate with their history."""
        candidate = get_candidate_for_user(user=request.user, pk=pk)
        return Response(CandidateDetailSerializer(candidate).data)


class CandidateTransitionView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]

    @extend_schema(
        # The operation's description in the schema, as one line (the docstring wraps).
        description=(
            "Move a candidate to another stage; hiring "
            "creates the account, the agent and the contract."
        ),
        operation_id="move_candidate",
        request=CandidateTransitionSerializer,
        responses={
            200: CandidateDetailSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: REFUSED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Move a candidate to another stage;
        hiring creates the account, the agent and the contract."""
        candidate = get_candidate_for_user(user=request.user, pk=pk)
        serializer = CandidateTransitionSerializer(
            data=request.data, candidate=candidate, context={"user": request.user}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        moved = _MOVES[data["to"]](
            candidate=candidate, data=data, by=request.user, now=timezone.now()
        )
        return Response(
            CandidateDetailSerializer(get_candidate_for_user(user=request.user, pk=moved.pk)).data
        )


_MOVES = {
    Stage.ASSESSMENT_SCHEDULED: lambda *, candidate, data, by, now: services.schedule_assessment(
        candidate=candidate, at=data["assessment_at"], by=by, now=now, note=data.get("note", "")
    ),
    Stage.ASSESSED: lambda *, candidate, data, by, now: services.record_assessment(
        candidate=candidate,
        score=data["score"],
        passed=data["passed"],
        by=by,
        now=now,
        note=data.get("note", ""),
    ),
    Stage.IN_TRAINING: lambda *, candidate, data, by, now: services.enrol_in_training(
        candidate=candidate,
        session=data["training_session"],
        by=by,
        now=now,
        note=data.get("note", ""),
    ),
    Stage.TRAINED: lambda *, candidate, data, by, now: services.complete_training(
        candidate=candidate, by=by, now=now, note=data.get("note", "")
    ),
    Stage.HIRED: lambda *, candidate, data, by, now: services.hire_candidate(
        candidate=candidate,
        by=by,
        username=data["username"],
        password=data["password"],
        plateau=data["plateau"],
        team=data.get("team"),
        role=data["role"],
        contract_kind=data["contract_kind"],
        months=data.get("months"),
        start_on=data["start_on"],
        now=now,
        note=data.get("note", ""),
    ),
    Stage.REJECTED: lambda *, candidate, data, by, now: services.reject_candidate(
        candidate=candidate, by=by, now=now, note=data.get("note", "")
    ),
    Stage.WITHDRAWN: lambda *, candidate, data, by, now: services.withdraw_candidate(
        candidate=candidate, by=by, now=now, note=data.get("note", "")
    ),
}
