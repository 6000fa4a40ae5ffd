"""API v1 of the rota: list, assign and remove shifts; an agent's own shifts."""

from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.access import user_today
from agents.models import Agent, Plateau
from agents.roles import role_permission
from common.api import BAD_INPUT, FORBIDDEN, NOT_AUTHENTICATED, ApiView
from workforce.models.rota import Shift
from workforce.selectors.rota import parse_week, shifts_for_user
from workforce.serializers.rota import (
    MAX_RANGE_DAYS,
    ShiftFilterSerializer,
    ShiftInputSerializer,
    ShiftRefSerializer,
    ShiftSerializer,
)
from workforce.services.rota import assign_shift, remove_shift

# A longer range is years of rows in one answer; page through weeks or months instead.
REFUSED = OpenApiResponse(
    description="A rota rule refused the shift (code shift_overlap, shift_outside_contract, "
    "shift_outside_opening_hours, floor_closed or shift_refused); nothing was written."
)
NOT_FOUND = OpenApiResponse(description="No such shift in your territory.")


class ShiftsView(ApiView):
    def get_permissions(self):
        allowed = (roles.ADMIN_CPAM,) if self.request.method == "POST" else roles.STAFF_ROLES
        return [IsAuthenticated(), role_permission(*allowed)()]

    @extend_schema(
        # The operation's description in the schema, as one line (the docstring wraps).
        description=(
            "List shifts: your territory's "
            "(superviseurs, CPAM admins), or your own (téléconseillers)."
        ),
        operation_id="list_shifts",
        parameters=[
            OpenApiParameter("plateau", int, description="A plateau of your territory."),
            OpenApiParameter(
                "from",
                str,
                description="First local day (YYYY-MM-DD); default: this week's Monday.",
            ),
            OpenApiParameter(
                "to",
                str,
                description=(
                    f"Last local day; default: 6 days after from; at most {MAX_RANGE_DAYS} days."
                ),
            ),
        ],
        responses={
            200: ShiftSerializer(many=True),
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        """List shifts:
        your territory's (superviseurs, CPAM admins), or your own (téléconseillers)."""
        assert request.user.is_authenticated  # IsAuthenticated let them in
        filters = ShiftFilterSerializer(
            data=request.query_params, context={"today": user_today(request.user)}
        )
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        plateau = None
        if "plateau" in data:
            plateau = get_object_or_404(Plateau.objects.for_user(request.user), pk=data["plateau"])
        shifts = shifts_for_user(
            user=request.user, start=data["from"], end=data["to"], plateau=plateau
        )
        return Response(ShiftSerializer(shifts, many=True).data)

    @extend_schema(
        operation_id="assign_shift",
        request=ShiftInputSerializer,
        responses={
            201: ShiftSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            409: REFUSED,
        },
    )
    def post(self, request: Request) -> Response:
        """Put an agent of your territory on a plateau's rota for one local day."""
        assert request.user.is_authenticated  # IsAuthenticated let them in
        # Agent and plateau first: someone from another territory learns nothing from field errors.
        refs = ShiftRefSerializer(data=request.data)
        refs.is_valid(raise_exception=True)
        agent, plateau = refs.validated_data["agent"], refs.validated_data["plateau"]
        in_scope = Agent.objects.for_user(request.user).filter(pk=agent.pk).exists()
        if not (in_scope and Plateau.objects.for_user(request.user).filter(pk=plateau.pk).exists()):
            raise PermissionDenied(_("You may not act in this territory."))
        serializer = ShiftInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shift = assign_shift(by=request.user, **serializer.validated_data)
        return Response(ShiftSerializer(shift).data, status=status.HTTP_201_CREATED)


class ShiftView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="remove_shift",
        responses={
            204: None,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: OpenApiResponse(
                description="A cancelled shift stays as history (code shift_cancelled)."
            ),
        },
    )
    def delete(self, request: Request, shift_id: int) -> Response:
        """Take a shift of your territory off the rota."""
        shift = get_object_or_404(
            Shift.objects.for_user(request.user).select_related("agent"), pk=shift_id
        )
        remove_shift(shift=shift)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyShiftsView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(*roles.STAFF_ROLES)]

    @extend_schema(
        operation_id="list_my_shifts",
        parameters=[
            OpenApiParameter(
                "week",
                str,
                description="Any day of the week wanted (YYYY-MM-DD); default: this week.",
            )
        ],
        responses={200: ShiftSerializer(many=True), 401: NOT_AUTHENTICATED, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        """List your own shifts of a week, Monday to Sunday in your territory."""
        assert request.user.is_authenticated  # IsAuthenticated let them in
        try:
            agent = request.user.agent
        except ObjectDoesNotExist:
            raise PermissionDenied(_("You have no agent profile.")) from None
        week_start = parse_week(request.query_params.get("week"), territory=agent.territory)
        shifts = (
            Shift.objects.scheduled()
            .filter(agent=agent, day__range=(week_start, week_start + timedelta(days=6)))
            .select_related("agent__user", "plateau")
            .order_by("starts_at")
        )
        return Response(ShiftSerializer(shifts, many=True).data)
