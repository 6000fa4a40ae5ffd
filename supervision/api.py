"""API v1 of supervision: the live state of the agents (DESIGN.md §7) and the queue health figures,
scoped like the pages."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.roles import role_permission
from cases.clusters import close_cluster, return_cluster, take_cluster
from cases.handoffs import export_cluster
from cases.models import Cluster
from cases.services import log_person_access
from common.api import BAD_INPUT, FORBIDDEN, NOT_AUTHENTICATED, ApiView
from supervision.forms import ClusterFilterForm, TerritoryFilterForm
from supervision.selectors.board import agents_for_api
from supervision.selectors.clusters import LIST_LIMIT, access_cluster, clusters_for
from supervision.selectors.queue_health import queue_health
from supervision.serializers import (
    ClusterExportSerializer,
    ClusterReasonInputSerializer,
    ClusterRowSerializer,
    ClusterStatusSerializer,
    QueueHealthSerializer,
    SupervisedAgentSerializer,
)


class SupervisionAgentsView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.SUPERVISEUR, roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="list_supervised_agents",
        parameters=[
            OpenApiParameter(
                "territory",
                str,
                description="A territory's code (superusers only; others see their own).",
            )
        ],
        responses={
            200: SupervisedAgentSerializer(many=True),
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        """List the agents of your territory logged in or active today, with their calls today.

        From the live board's snapshot, refreshed every few seconds.
        """
        code = request.query_params.get("territory", "") if request.user.is_superuser else ""
        rows = agents_for_api(user=request.user, now=timezone.now(), territory_code=code)
        return Response(SupervisedAgentSerializer(rows, many=True).data)


class QueueHealthView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.SUPERVISEUR, roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="queue_health",
        parameters=[
            OpenApiParameter(
                "territory",
                str,
                description="A territory's code (superusers only; others see their own).",
            )
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
            # django-stubs type an ErrorList's items as ValidationErrors; iterated, it gives str.
            detail = {name: list(errors) for name, errors in form.errors.items()}
            raise ValidationError(detail)  # type: ignore[arg-type]
        health = queue_health(
            user=request.user, territory=form.selected_territory(), now=timezone.now()
        )
        return Response(QueueHealthSerializer(health).data)


CLUSTER_ROLES = (roles.ADMIN_CPAM, roles.ARS, roles.ADMIN_NATIONAL)


class ClusterListView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(*CLUSTER_ROLES)]

    @extend_schema(
        operation_id="list_clusters",
        parameters=[
            OpenApiParameter(
                "status", str, enum=Cluster.Status.values, description="Only this status."
            )
        ],
        responses={
            200: ClusterRowSerializer(many=True),
            400: OpenApiResponse(description="Unknown status."),
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        """List the clusters you may see, newest first (a CPAM admin: their territory's; an ARS
        officer: their region's; a national admin: all)."""
        form = ClusterFilterForm(request.query_params)
        if not form.is_valid():
            detail = {name: list(errors) for name, errors in form.errors.items()}
            raise ValidationError(detail)  # type: ignore[arg-type]
        clusters = clusters_for(user=request.user, status=form.selected_status())[:LIST_LIMIT]
        return Response(ClusterRowSerializer(clusters, many=True).data)


class ClusterDetailView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(*CLUSTER_ROLES)]

    @extend_schema(
        operation_id="get_cluster",
        responses={
            200: ClusterExportSerializer,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: OpenApiResponse(description="No such cluster in your territory or region."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Return a cluster's export: the document the ARS receives (docs/api.md)."""
        cluster = access_cluster(user=request.user, pk=pk)
        now = timezone.now()
        payload = export_cluster(cluster=cluster, now=now)
        log_person_access(
            user=request.user,  # type: ignore[arg-type]  # authenticated: IsAuthenticated
            persons=[case.person for case in cluster.cases.select_related("person")],
            what=f"api-cluster:{cluster.pk}",
            now=now,
        )
        return Response(payload, headers={"Cache-Control": "no-store"})


CONFLICT = OpenApiResponse(
    description="The cluster's status no longer allows this action (code invalid_transition)."
)


class ClusterTakeView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ARS)]

    @extend_schema(
        operation_id="take_cluster",
        request=None,
        responses={
            200: ClusterStatusSerializer,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: OpenApiResponse(description="No such cluster in your region."),
            409: CONFLICT,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Mark a handed-off cluster of your region under investigation (you take it)."""
        cluster = access_cluster(user=request.user, pk=pk)
        cluster = take_cluster(
            cluster=cluster,
            by=request.user,  # type: ignore[arg-type]  # authenticated: IsAuthenticated
            now=timezone.now(),
        )
        return Response(ClusterStatusSerializer(cluster).data)


class ClusterEndView(ApiView):
    """Close a cluster, or return it to its CPAM: both with a reason."""

    permission_classes = [IsAuthenticated, role_permission(roles.ARS)]
    action = "close"

    def post(self, request: Request, pk: int) -> Response:
        cluster = access_cluster(user=request.user, pk=pk)
        body = ClusterReasonInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        end = close_cluster if self.action == "close" else return_cluster
        cluster = end(
            cluster=cluster,
            by=request.user,  # type: ignore[arg-type]  # authenticated: IsAuthenticated
            reason=body.validated_data["reason"],
            now=timezone.now(),
        )
        return Response(ClusterStatusSerializer(cluster).data)


_END_RESPONSES = {
    200: ClusterStatusSerializer,
    400: BAD_INPUT,
    401: NOT_AUTHENTICATED,
    403: FORBIDDEN,
    404: OpenApiResponse(description="No such cluster in your region."),
    409: CONFLICT,
}


class ClusterCloseView(ClusterEndView):
    action = "close"

    @extend_schema(
        operation_id="close_cluster", request=ClusterReasonInputSerializer, responses=_END_RESPONSES
    )
    def post(self, request: Request, pk: int) -> Response:
        """Close a cluster of your region (handed off or under investigation), with the reason."""
        return super().post(request, pk)


class ClusterReturnView(ClusterEndView):
    action = "return"

    @extend_schema(
        operation_id="return_cluster",
        request=ClusterReasonInputSerializer,
        responses=_END_RESPONSES,
    )
    def post(self, request: Request, pk: int) -> Response:
        """Return a cluster of your region to its CPAM, with the reason its admins will read."""
        return super().post(request, pk)
