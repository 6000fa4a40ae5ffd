"""API v1: the queue health figures, scoped like the page (supervision:queue-health)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.roles import role_permission
from common.api import FORBIDDEN, NOT_AUTHENTICATED, ApiView
from supervision.forms import TerritoryFilterForm
from supervision.selectors.queue_health import queue_health


class BucketsSerializer(serializers.Serializer):
    overdue = serializers.IntegerField(help_text="Deadline passed.")
    lt_2h = serializers.IntegerField(help_text="Deadline within 2 hours.")
    lt_6h = serializers.IntegerField(help_text="Deadline within 2 to 6 hours.")
    lt_24h = serializers.IntegerField(help_text="Deadline within 6 to 24 hours.")
    later = serializers.IntegerField(help_text="Deadline in more than 24 hours.")


class LanguageHealthSerializer(serializers.Serializer):
    language = serializers.CharField(source="code")
    backlog = BucketsSerializer(source="buckets", help_text="Open calls (queued, held, escalated) by time to deadline.")
    backlog_total = serializers.IntegerField(source="total")
    escalated = serializers.IntegerField()
    agents_ready = serializers.IntegerField(source="ready")
    agents_working = serializers.IntegerField(source="working", help_text="Ready, on a call or in wrap-up.")
    due_within_24h = serializers.IntegerField(help_text="Queued or held calls due within 24 hours.")
    calls_per_active_hour = serializers.FloatField(source="calls_per_hour", allow_null=True)
    capacity_24h = serializers.IntegerField(allow_null=True)
    projected_misses = serializers.IntegerField(allow_null=True, help_text="Null while the rate is unknown.")


class ReasonBacklogSerializer(serializers.Serializer):
    reason = serializers.CharField()
    backlog = BucketsSerializer(source="buckets")
    backlog_total = serializers.IntegerField(source="total")


class CallbacksSerializer(serializers.Serializer):
    owned = serializers.IntegerField(source="callbacks_owned")
    open = serializers.IntegerField(source="callbacks_open")
    total = serializers.IntegerField(source="callbacks_due")


class QueueHealthSerializer(serializers.Serializer):
    territory = serializers.CharField(source="territory.code", allow_null=True, default=None)
    computed_at = serializers.DateTimeField(source="now")
    languages = LanguageHealthSerializer(many=True)
    backlog_by_reason = ReasonBacklogSerializer(source="by_reason", many=True)
    callbacks_due = CallbacksSerializer(source="*")
    escalations_waiting = serializers.IntegerField(source="escalations")


class QueueHealthView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.SUPERVISEUR, roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="queue_health",
        parameters=[
            OpenApiParameter("territory", str, description="A territory's code (superusers only; others see their own).")
        ],
        responses={
            200: QueueHealthSerializer,
            400: OpenApiResponse(description="Unknown territory code."),
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        """Return the backlog by language and time to deadline, the agents working, the projected
        misses, the callbacks due and the escalations waiting, for your territory."""
        form = TerritoryFilterForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        health = queue_health(user=request.user, territory=form.selected_territory(), now=timezone.now())
        return Response(QueueHealthSerializer(health).data)
