"""API v1 of the call loop: an agent's status, the next call, its lease and its outcome (DESIGN.md
§7)."""

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.models import Agent
from agents.services.staff import record_heartbeat
from calls.exceptions import LeaseLost
from calls.models import Assignment
from calls.serializers import (
    AgentStatusInputSerializer,
    AgentStatusSerializer,
    LeaseSerializer,
    OutcomeInputSerializer,
    OutcomeResultSerializer,
    QueueNextSerializer,
    outcome_answer,
    queue_next_answer,
)
from calls.services.dispatch import claim_next_task, renew_lease
from calls.services.outcomes import lock_assignment, record_outcome
from calls.services.presence import change_status
from cases.services import log_person_access
from common.api import BAD_INPUT, FORBIDDEN, NOT_AUTHENTICATED, ApiView

NOT_YOURS = OpenApiResponse(description="No assignment of yours has this id.")
NOT_READY = OpenApiResponse(description="code agent_not_ready: set your status to ready first.")
LEASE_LOST = OpenApiResponse(
    description=(
        "code lease_lost: the lease expired or the call was already closed; attempt_id names the "
        "attempt recorded anyway."
    )
)


class IsCallingAgent(BasePermission):
    """Let in téléconseillers with an agent profile: a superuser without one has no calls to
    take."""

    def has_permission(self, request, view) -> bool:
        return roles.has_role(request.user, roles.TELECONSEILLER) and hasattr(request.user, "agent")


def access_assignment(*, agent: Agent, assignment_id: int) -> Assignment:
    """Return one of the agent's own assignments; anyone else's is as unknown as a missing one
    (404)."""
    try:
        return Assignment.objects.get(pk=assignment_id, agent=agent)
    except Assignment.DoesNotExist:
        raise Http404 from None


class SetMyStatusView(ApiView):
    permission_classes = [IsAuthenticated, IsCallingAgent]

    @extend_schema(
        operation_id="set_my_status",
        request=AgentStatusInputSerializer,
        responses={
            200: AgentStatusSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def post(self, request: Request) -> Response:
        """Set your own status: ready to take calls, paused (with a reason) or offline."""
        assert request.user.is_authenticated  # IsAuthenticated let them in
        serializer = AgentStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agent = change_status(
            agent=request.user.agent, now=timezone.now(), **serializer.validated_data
        )
        return Response(AgentStatusSerializer(agent).data)


class ClaimNextView(ApiView):
    permission_classes = [IsAuthenticated, IsCallingAgent]

    @extend_schema(
        # The operation's description in the schema, as one line (the docstring wraps).
        description=(
            "Lease the most urgent call you may take; "
            "asked again while the lease holds, the same one."
        ),
        operation_id="claim_next_call",
        request=None,
        responses={
            200: QueueNextSerializer,
            204: OpenApiResponse(description="Nothing is eligible for you now."),
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            409: NOT_READY,
        },
    )
    def post(self, request: Request) -> Response:
        """Lease the most urgent call you may take;
        asked again while the lease holds, the same one."""
        assert request.user.is_authenticated  # IsAuthenticated let them in
        now = timezone.now()
        # One transaction: the claim and the log of the read it answers commit together.
        with transaction.atomic():
            assignment = claim_next_task(agent=request.user.agent, now=now, savepoint=False)
            if assignment is None:
                # Asking is a sign of life: an API client waiting on an empty queue is not absent.
                record_heartbeat(agent=request.user.agent, now=now)
                return Response(status=status.HTTP_204_NO_CONTENT)
            # The answer shows who to call: a read of that person's record.
            log_person_access(
                user=request.user, persons=[assignment.task.person], what="queue-next", now=now
            )
        return Response(queue_next_answer(assignment))


class RenewLeaseView(ApiView):
    permission_classes = [IsAuthenticated, IsCallingAgent]

    @extend_schema(
        operation_id="renew_lease",
        request=None,
        responses={
            200: LeaseSerializer,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_YOURS,
            409: LEASE_LOST,
        },
    )
    def post(self, request: Request, assignment_id: int) -> Response:
        """Extend the lease of the call you are on (a long interview)."""
        assert request.user.is_authenticated  # IsAuthenticated let them in
        agent = request.user.agent
        assignment = access_assignment(agent=agent, assignment_id=assignment_id)
        assignment = renew_lease(assignment=assignment, agent=agent, now=timezone.now())
        return Response(LeaseSerializer(assignment).data)


class RecordOutcomeView(ApiView):
    permission_classes = [IsAuthenticated, IsCallingAgent]

    @extend_schema(
        operation_id="record_outcome",
        request=OutcomeInputSerializer,
        responses={
            200: OutcomeResultSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_YOURS,
            409: LEASE_LOST,
        },
    )
    def post(self, request: Request, assignment_id: int) -> Response:
        """Record the outcome of your call; the task moves on by the retry policy."""
        assert request.user.is_authenticated  # IsAuthenticated let them in
        agent = request.user.agent
        now = timezone.now()
        lost = None
        # One transaction, one read: the assignment and its task locked with what the outcome
        # needs, looked up before the body is read (someone else's assignment reveals nothing,
        # not even errors).
        with transaction.atomic():
            try:
                assignment = lock_assignment(assignment_id=assignment_id, agent=agent)
            except Assignment.DoesNotExist:
                raise Http404 from None
            task = assignment.task
            serializer = OutcomeInputSerializer(
                data=request.data, context={"now": now, "task": task}
            )
            serializer.is_valid(raise_exception=True)
            try:
                attempt = record_outcome(
                    assignment=assignment,
                    agent=agent,
                    now=now,
                    locked=True,
                    **serializer.validated_data,
                ).attempt
            except LeaseLost as exc:
                # The refused attempt is kept: the error is raised once it is committed.
                lost = exc
        if lost is not None:
            raise lost
        return Response(outcome_answer(attempt=attempt, task=task))
