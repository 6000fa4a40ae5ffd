"""API v1 of contracts: list, read, renew and end early, for CPAM admins of the contract's
territory."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.roles import role_permission
from common.api import BAD_INPUT, FORBIDDEN, NOT_AUTHENTICATED, ApiView
from workforce.selectors import contracts as selectors
from workforce.serializers.contracts import (
    ContractPageSerializer,
    ContractQuerySerializer,
    ContractSerializer,
    EndContractInputSerializer,
    RenewContractInputSerializer,
)
from workforce.services import contracts as services

NOT_FOUND = OpenApiResponse(description="No such contract in your territory.")
REFUSED = OpenApiResponse(
    description=(
        "Refused in the contract's present state (already renewed, a CDI, account deactivated…)."
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
    parser_classes = [JSONParser]

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
        """Renew a fixed-term contract (CDD) for 3 or 6 months; answer the new contract."""
        contract = selectors.access_contract(user=request.user, pk=pk)
        serializer = RenewContractInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        renewal = services.renew_contract(
            contract=contract, months=serializer.validated_data["months"]
        )
        return _answer(request, renewal.pk, status_code=status.HTTP_201_CREATED)


class EndContractView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]
    parser_classes = [JSONParser]

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
        """End a contract early: the account is deactivated the day after the new last day."""
        contract = selectors.access_contract(user=request.user, pk=pk)
        serializer = EndContractInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.end_contract(contract=contract, end_on=serializer.validated_data["end_on"])
        return _answer(request, pk)
