"""API v1 of contracts: list, read, renew (one or in bulk), convert to a CDI and end early, for
CPAM admins of the contract's territory."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.models import Plateau
from agents.roles import role_permission
from common.api import BAD_INPUT, FORBIDDEN, NOT_AUTHENTICATED, ApiView
from workforce.selectors import contracts as selectors
from workforce.serializers.contracts import (
    BulkRenewalInputSerializer,
    BulkRenewalPreviewSerializer,
    BulkRenewalQuerySerializer,
    BulkRenewalRefusedSerializer,
    BulkRenewalResultSerializer,
    ContractPageSerializer,
    ContractQuerySerializer,
    ContractSerializer,
    ConvertContractInputSerializer,
    EndContractInputSerializer,
    RenewContractInputSerializer,
)
from workforce.services import contracts as services

NOT_FOUND = OpenApiResponse(description="No such contract in your territory.")
REFUSED = OpenApiResponse(
    description=(
        "Refused in the contract's present state (already renewed, a CDI, account deactivated…), "
        "or beyond the legal limits of a CDD without an override_reason."
    )
)


class ContractPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


def _answer(
    request: Request, contract_id: int, *, status_code: int = status.HTTP_200_OK
) -> Response:
    contract = selectors.access_contract(user=request.user, pk=contract_id)
    return Response(ContractSerializer(contract).data, status=status_code)


class ContractListView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="list_contracts",
        parameters=[ContractQuerySerializer],
        responses={
            200: ContractPageSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        """List the contracts of your territory, the soonest end first (CDIs last)."""
        query = ContractQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        contracts = selectors.contracts_for_list(
            user=request.user,
            now=timezone.now(),
            agent_id=query.validated_data.get("agent"),
            ending_within_days=query.validated_data.get("ending_within_days"),
        )
        paginator = ContractPagination()
        page = paginator.paginate_queryset(contracts, request, view=self)
        return paginator.get_paginated_response(ContractSerializer(page, many=True).data)


class ContractDetailView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="get_contract",
        responses={200: ContractSerializer, 401: NOT_AUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read one contract of your territory."""
        return _answer(request, pk)


class RenewContractView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="renew_contract",
        request=RenewContractInputSerializer,
        responses={
            201: ContractSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: REFUSED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Renew a fixed-term contract (CDD) for 3 or 6 months; answer the new contract. Beyond
        the legal limits of a CDD only with an override_reason."""
        assert request.user.is_authenticated  # IsAuthenticated let them in
        contract = selectors.access_contract(user=request.user, pk=pk)
        serializer = RenewContractInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        renewal = services.renew_contract(
            contract=contract,
            months=serializer.validated_data["months"],
            override_reason=serializer.validated_data["override_reason"],
            by=request.user,
        )
        return _answer(request, renewal.pk, status_code=status.HTTP_201_CREATED)


class EndContractView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="end_contract",
        request=EndContractInputSerializer,
        responses={
            200: ContractSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: REFUSED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """End a contract early: the shifts after the new last day are cancelled, and the account
        is deactivated the day after it."""
        assert request.user.is_authenticated  # IsAuthenticated let them in
        contract = selectors.access_contract(user=request.user, pk=pk)
        serializer = EndContractInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.end_contract(
            contract=contract, end_on=serializer.validated_data["end_on"], by=request.user
        )
        return _answer(request, pk)


class ConvertContractView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="convert_contract",
        request=ConvertContractInputSerializer,
        responses={
            201: ContractSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: REFUSED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Turn a fixed-term contract (CDD) into a permanent one (CDI) from a day; the CDD ends the
        day before. Answer the new contract."""
        contract = selectors.access_contract(user=request.user, pk=pk)
        serializer = ConvertContractInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cdi = services.convert_to_cdi(
            contract=contract, start_on=serializer.validated_data["start_on"]
        )
        return _answer(request, cdi.pk, status_code=status.HTTP_201_CREATED)


class BulkRenewalView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="preview_bulk_renewal",
        parameters=[BulkRenewalQuerySerializer],
        responses={
            200: BulkRenewalPreviewSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: OpenApiResponse(description="No such plateau in your territory."),
        },
    )
    def get(self, request: Request) -> Response:
        """List the fixed-term contracts of your territory a bulk renewal would take: not renewed,
        ending on or before a day (of a plateau, of agents speaking a language), each with its new
        dates or why it cannot be renewed."""
        query = BulkRenewalQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        plateau = None
        if "plateau" in data:
            plateau = get_object_or_404(Plateau.objects.for_user(request.user), pk=data["plateau"])
        match = selectors.bulk_renewal_candidates(
            user=request.user,
            ending_by=data["ending_by"],
            months=data["months"],
            plateau=plateau,
            language=data.get("language"),
        )
        body = {"count": len(match.rows), "truncated": match.truncated, "results": match.rows}
        return Response(BulkRenewalPreviewSerializer(body).data)

    @extend_schema(
        operation_id="renew_contracts",
        request=BulkRenewalInputSerializer,
        responses={
            201: BulkRenewalResultSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: OpenApiResponse(
                description="A contract is not in your territory (or not at all)."
            ),
            409: OpenApiResponse(
                BulkRenewalRefusedSerializer,
                description=(
                    "Some contracts are refused (code bulk_renewal_refused): nothing was renewed; "
                    "`refused` gives each one's code and reason."
                ),
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Renew fixed-term contracts by the same 3 or 6 months, in one transaction: all of them,
        or none and the reason for each one refused. Those beyond the legal limits of a CDD only
        with an override_reason."""
        assert request.user.is_authenticated  # IsAuthenticated let them in
        serializer = BulkRenewalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contracts = selectors.access_contracts(user=request.user, pks=data["contracts"])
        renewals = services.renew_contracts(
            contracts=contracts,
            months=data["months"],
            override_reason=data["override_reason"],
            by=request.user,
        )
        renewed = selectors.access_contracts(
            user=request.user, pks=[renewal.pk for renewal in renewals]
        )
        return Response(
            BulkRenewalResultSerializer({"count": len(renewed), "renewed": renewed}).data,
            status=status.HTTP_201_CREATED,
        )
