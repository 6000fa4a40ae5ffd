"""API v1 shapes of the call loop: the agent's status, the claim, the lease and the outcome."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agents.models import Agent, PauseReason
from agents.serializers import LanguageCodeField
from calls.models import Assignment, CallAttempt, CallTask, CarrierCall, CarrierEvent
from calls.services.outcomes import callback_time_problem

# The statuses an agent sets; on call and wrap-up follow from claims and outcomes.
CHOSEN_STATUSES = [
    (s.value, s.label) for s in (Agent.Status.READY, Agent.Status.PAUSED, Agent.Status.OFFLINE)
]


class AgentStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CHOSEN_STATUSES)
    pause_reason = serializers.SlugRelatedField(
        slug_field="code",
        queryset=PauseReason.objects.filter(active=True),
        default=None,
        allow_null=True,
        help_text="Code of an active pause reason; required with status paused, refused otherwise.",
    )

    def validate(self, attrs: dict) -> dict:
        paused = attrs["status"] == Agent.Status.PAUSED
        if paused and attrs["pause_reason"] is None:
            raise serializers.ValidationError({"pause_reason": [_("A pause needs a reason.")]})
        if not paused and attrs["pause_reason"] is not None:
            raise serializers.ValidationError({"pause_reason": [_("Only a pause has a reason.")]})
        return attrs


class AgentStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agent
        fields = ["status", "status_since"]
        read_only_fields = fields


# The person and the task are read from the assignment: the number to dial is the assignment's.
class PersonToCallSerializer(serializers.Serializer):
    """The person to call, and the number to dial."""

    first_name = serializers.CharField(source="task.person.first_name", read_only=True)
    last_name = serializers.CharField(source="task.person.last_name", read_only=True)
    phone = serializers.CharField(read_only=True, help_text="E.164")


class OfferedTaskSerializer(serializers.Serializer):
    """The call to make."""

    id = serializers.IntegerField(source="task.pk", read_only=True)
    reason = serializers.ChoiceField(
        source="task.reason", choices=CallTask.Reason.choices, read_only=True
    )
    deadline_at = serializers.DateTimeField(source="task.deadline_at", read_only=True)
    language = serializers.CharField(
        source="task.language_id", read_only=True, help_text="ISO 639-1, or 639-3 where none"
    )
    person = PersonToCallSerializer(source="*", read_only=True)


class LeasedAssignmentSerializer(serializers.ModelSerializer):
    task = OfferedTaskSerializer(source="*", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "lease_expires_at", "task"]
        read_only_fields = fields


class QueueNextSerializer(serializers.Serializer):
    assignment = LeasedAssignmentSerializer(source="*", read_only=True)


class LeaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["id", "lease_expires_at"]
        read_only_fields = fields


class OutcomeInputSerializer(serializers.Serializer):
    """What the call did; a callback is booked for a time in the future, before the call's
    deadline unless the notification was given during the call."""

    # The view passes the server's `now` and the task in the context.

    outcome = serializers.ChoiceField(choices=CallAttempt.Outcome.choices)
    callback_at = serializers.DateTimeField(
        default=None, allow_null=True, help_text="Required with outcome callback."
    )
    callback_for_all = serializers.BooleanField(
        default=False,
        help_text="Open the callback to every agent instead of keeping it for the caller.",
    )
    notification_given = serializers.BooleanField(
        default=False,
        help_text=(
            "With callback: the notification was given during this call. The person counts as "
            "reached (the attempt is recorded as reached and the call is done) and the callback "
            "is queued as a follow-up call, which may come after the deadline. Without it, a "
            "callback must come before the deadline."
        ),
    )
    notes = serializers.CharField(default="", allow_blank=True, max_length=4000)
    language = LanguageCodeField(
        default=None,
        allow_null=True,
        help_text=(
            "With language_barrier: the person's language (ISO 639-1, or 639-3 where none); "
            "without it the call is escalated."
        ),
    )

    def validate(self, attrs: dict) -> dict:
        errors = {}
        outcome, callback_at = attrs["outcome"], attrs["callback_at"]
        if outcome == CallAttempt.Outcome.CALLBACK:
            if problem := callback_time_problem(
                callback_at=callback_at,
                now=self.context["now"],
                task=self.context["task"],
                notification_given=attrs["notification_given"],
            ):
                errors["callback_at"] = [problem]
        else:
            if callback_at is not None:
                errors["callback_at"] = [_("Only a callback has a time.")]
            if attrs["notification_given"]:
                errors["notification_given"] = [
                    _("Only a callback says whether the notification was given.")
                ]
        if attrs["language"] is not None and outcome != CallAttempt.Outcome.LANGUAGE_BARRIER:
            errors["language"] = [_("A language goes only with a language barrier.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class CallAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallAttempt
        fields = ["id", "outcome", "started_at", "connected_at", "ended_at"]
        read_only_fields = fields


class CallTaskStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallTask
        fields = ["id", "status", "attempts", "not_before"]
        read_only_fields = fields


class OutcomeResultSerializer(serializers.Serializer):
    attempt = CallAttemptSerializer(read_only=True)
    task = CallTaskStateSerializer(read_only=True)


class CarrierEventSerializer(serializers.Serializer):
    """One event of the carrier webhook's body (docs/telephony.md)."""

    event_id = serializers.CharField(max_length=64)
    call_id = serializers.CharField(max_length=64)
    type = serializers.ChoiceField(choices=CarrierEvent.Type.choices)
    occurred_at = serializers.DateTimeField()
    answered_by = serializers.ChoiceField(
        choices=CarrierCall.AnsweredBy.choices, required=False, default=""
    )
    status = serializers.ChoiceField(
        choices=CarrierCall.FinalStatus.choices, required=False, default=""
    )
    billed_seconds = serializers.IntegerField(
        min_value=0, max_value=24 * 3600, required=False, allow_null=True, default=None
    )
    reference = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    to = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    voicemail_dropped = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict) -> dict:
        if attrs["type"] == CarrierEvent.Type.ANSWERED and not attrs["answered_by"]:
            raise serializers.ValidationError(
                {"answered_by": _("An answered call says who answered: person or machine.")}
            )
        return attrs


# The two answers of the call loop, built as plain dicts: DRF builds a serializer's fields
# afresh for each response (a ModelSerializer introspects its model), about a third of the
# claim's Python CPU (issue 17). QueueNextSerializer and OutcomeResultSerializer above remain
# the documented shapes; tests/api/test_call_loop_answers.py checks both give the same JSON, and
# the schemathesis run checks the answers against the schema. Datetimes go through DRF's own
# field, so their format follows REST_FRAMEWORK settings as the serializers' do.
_DATETIME = serializers.DateTimeField(read_only=True)


def _datetime(value) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


def queue_next_answer(assignment: Assignment) -> dict:
    """What QueueNextSerializer(assignment).data gives."""
    task = assignment.task
    return {
        "assignment": {
            "id": assignment.pk,
            "lease_expires_at": _datetime(assignment.lease_expires_at),
            "task": {
                "id": task.pk,
                "reason": str(task.reason),
                "deadline_at": _datetime(task.deadline_at),
                "language": task.language_id,
                "person": {
                    "first_name": task.person.first_name,
                    "last_name": task.person.last_name,
                    "phone": assignment.phone,
                },
            },
        }
    }


def outcome_answer(*, attempt: CallAttempt, task: CallTask) -> dict:
    """What OutcomeResultSerializer({"attempt": attempt, "task": task}).data gives."""
    return {
        "attempt": {
            "id": attempt.pk,
            "outcome": str(attempt.outcome),
            "started_at": _datetime(attempt.started_at),
            "connected_at": _datetime(attempt.connected_at),
            "ended_at": _datetime(attempt.ended_at),
        },
        "task": {
            "id": task.pk,
            "status": str(task.status),
            "attempts": task.attempts,
            "not_before": _datetime(task.not_before),
        },
    }
