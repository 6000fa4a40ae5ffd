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
