"""Serializers of the contracts API (workforce/api/contracts.py)."""

from rest_framework import serializers

from workforce.forms.contracts import MAX_WINDOW_DAYS
from workforce.models.contracts import Contract


class ContractSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="agent.user.username", read_only=True)
    territory = serializers.CharField(source="agent.territory.code", read_only=True)
    renewal = serializers.IntegerField(
        source="renewal_id",
        read_only=True,
        allow_null=True,
        help_text="The contract that renews this one, if any.",
    )

    class Meta:
        model = Contract
        fields = [
            "id",
            "agent",
            "username",
            "territory",
            "kind",
            "start_on",
            "end_on",
            "renews",
            "renewal",
            "end_alerted_at",
            "end_acknowledged_at",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields


class ContractPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ContractSerializer(many=True)


class ContractQuerySerializer(serializers.Serializer):
    agent = serializers.IntegerField(required=False, min_value=1, help_text="An agent's id.")
    ending_within_days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_WINDOW_DAYS,
        help_text="Only contracts ending from today to today + N days.",
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, help_text="Page size (default 100, at most 1000)."
    )
    offset = serializers.IntegerField(required=False, min_value=0)


class RenewContractInputSerializer(serializers.Serializer):
    months = serializers.ChoiceField(choices=[3, 6])


class EndContractInputSerializer(serializers.Serializer):
    end_on = serializers.DateField(
        help_text="The new last day: not before the start, not after the planned end."
    )
