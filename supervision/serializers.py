"""Serializers of the supervision API (DESIGN.md §7)."""

from rest_framework import serializers

from agents.models import Agent


class SupervisedAgentSerializer(serializers.Serializer):
    """One row of a board snapshot, in the names of the API contract."""

    username = serializers.CharField()
    status = serializers.ChoiceField(choices=Agent.Status.choices)
    status_since = serializers.DateTimeField()
    calls_today = serializers.IntegerField(source="calls")
    reached_today = serializers.IntegerField(source="reached")
    last_call_at = serializers.DateTimeField(allow_null=True)


class BucketsSerializer(serializers.Serializer):
    overdue = serializers.IntegerField(help_text="Deadline passed.")
    lt_2h = serializers.IntegerField(help_text="Deadline within 2 hours.")
    lt_6h = serializers.IntegerField(help_text="Deadline within 2 to 6 hours.")
    lt_24h = serializers.IntegerField(help_text="Deadline within 6 to 24 hours.")
    later = serializers.IntegerField(help_text="Deadline in more than 24 hours.")


class LanguageHealthSerializer(serializers.Serializer):
    language = serializers.CharField(source="code")
    backlog = BucketsSerializer(
        source="buckets", help_text="Open calls (queued, held, escalated) by time to deadline."
    )
    backlog_total = serializers.IntegerField(source="total")
    escalated = serializers.IntegerField()
    agents_ready = serializers.IntegerField(source="ready")
    agents_working = serializers.IntegerField(
        source="working", help_text="Ready, on a call or in wrap-up."
    )
    due_within_24h = serializers.IntegerField(help_text="Queued or held calls due within 24 hours.")
    calls_per_active_hour = serializers.FloatField(
        source="calls_per_hour",
        allow_null=True,
        help_text="Observed today; null until the sample means something. Not used to project.",
    )
    capacity_24h = serializers.IntegerField(
        allow_null=True,
        help_text="Calls due within 24 h the queue simulator reaches or notifies in time.",
    )
    projected_misses = serializers.IntegerField(
        allow_null=True,
        help_text="Calls due within 24 h the queue simulator does not reach or notify in time; "
        "null across too many territories at once.",
    )


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
