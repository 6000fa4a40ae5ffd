"""API v1 of hiring: POST agents/ creates a member of staff with their contract (DESIGN.md §7)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.access import access_territory_in_body
from agents.roles import role_permission
from common.api import BAD_INPUT, FORBIDDEN, NOT_AUTHENTICATED, ApiView
from workforce.serializers.staff import AgentInputSerializer, AgentSerializer
from workforce.services.staff import create_agent


class CreateAgentView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM, roles.ADMIN_NATIONAL)]

    @extend_schema(
        operation_id="create_agent",
        request=AgentInputSerializer,
        responses={201: AgentSerializer, 400: BAD_INPUT, 401: NOT_AUTHENTICATED, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        """Create a member of staff in a territory: account, role, profile and contract."""
        # A national admin creates CPAM admins in any territory; a CPAM admin staffs their own.
        territory = access_territory_in_body(request, national_roles=(roles.ADMIN_NATIONAL,))
        today = timezone.localdate(timezone=territory.zone)
        serializer = AgentInputSerializer(
            data=request.data,
            context={"territory": territory, "today": today, "user": request.user},
        )
        serializer.is_valid(raise_exception=True)
        # The caller chose the password: the agent changes it at their first login.
        agent = create_agent(
            territory=territory, today=today, temporary_password=True, **serializer.validated_data
        )
        return Response(AgentSerializer(agent).data, status=status.HTTP_201_CREATED)
