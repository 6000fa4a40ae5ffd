"""Serializers of the contracts API (workforce/api/contracts.py)."""

from rest_framework import serializers

from agents.serializers import LanguageCodeField
from common.bounds import MAX_ID, check_plain_date
from workforce.forms.contracts import MAX_WINDOW_DAYS
from workforce.models.contracts import Contract
from workforce.services.contracts import MAX_BULK_RENEWAL, RENEWAL_MONTHS


class ContractSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="agent.user.username", read_only=True)
    territory = serializers.CharField(source="agent.territory.code", read_only=True)
    renewal = serializers.IntegerField(
        source="renewal_id",
        read_only=True,
        allow_null=True,
        help_text="The contract that renews this one, if any.",
    )
    limit_overridden_by = serializers.CharField(
        source="limit_overridden_by.username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Who went beyond the legal limits of a CDD for this contract, if anyone.",
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
            "limit_override_reason",
            "limit_overridden_by",
        ]
        read_only_fields = fields


OVERRIDE_REASON_HELP = (
    "To go beyond the legal limits of a CDD (number of renewals, total length) on purpose: the "
    "reason, recorded on the new contract. Without it, such a renewal is refused (409 "
    "cdd_max_renewals or cdd_max_length)."
)


class ContractPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ContractSerializer(many=True)


class ContractQuerySerializer(serializers.Serializer):
    agent = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="An agent's id."
    )
    ending_within_days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_WINDOW_DAYS,
        help_text="Only contracts ending from today to today + N days.",
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, help_text="Page size (default 100, at most 1000)."
    )
    offset = serializers.IntegerField(required=False, min_value=0, max_value=MAX_ID)


class RenewContractInputSerializer(serializers.Serializer):
    months = serializers.ChoiceField(choices=RENEWAL_MONTHS)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        default="",
        help_text=OVERRIDE_REASON_HELP,
    )


class EndContractInputSerializer(serializers.Serializer):
    end_on = serializers.DateField(
        validators=[check_plain_date],
        help_text="The new last day: not before the start, not after the planned end.",
    )


class ConvertContractInputSerializer(serializers.Serializer):
    start_on = serializers.DateField(
        validators=[check_plain_date],
        help_text=(
            "The CDI's first day: after the CDD's first day, at the latest the day after its last "
            "day. The CDD ends the day before."
        ),
    )


class BulkRenewalQuerySerializer(serializers.Serializer):
    ending_by = serializers.DateField(
        validators=[check_plain_date],
        help_text="Fixed-term contracts whose last day is on or before this day.",
    )
    plateau = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="A plateau of your territory: its agents only.",
    )
    language = LanguageCodeField(required=False, help_text="Only agents speaking this language.")
    months = serializers.ChoiceField(
        choices=RENEWAL_MONTHS, default=3, help_text="The renewal's length, for its dates."
    )


class RefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField(source="message")


class MatchedContractSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="agent.user.username", read_only=True)
    territory = serializers.CharField(source="agent.territory.code", read_only=True)
    plateau = serializers.IntegerField(source="agent.plateau_id", read_only=True, allow_null=True)

    class Meta:
        model = Contract
        fields = ["id", "agent", "username", "territory", "plateau", "kind", "start_on", "end_on"]
        read_only_fields = fields


class RenewalPreviewSerializer(serializers.Serializer):
    contract = MatchedContractSerializer()
    renewable = serializers.BooleanField()
    overridable = serializers.BooleanField(
        help_text=(
            "Only the legal limits of a CDD refuse it: the POST renews it with an override_reason."
        )
    )
    refusal = RefusalSerializer(
        allow_null=True, help_text="Why this contract cannot be renewed (null: it can)."
    )
    renewal_start_on = serializers.DateField(source="start_on", allow_null=True)
    renewal_end_on = serializers.DateField(source="end_on", allow_null=True)


class BulkRenewalPreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    truncated = serializers.BooleanField(
        help_text=f"More than {MAX_BULK_RENEWAL} contracts matched: narrow the filters."
    )
    results = RenewalPreviewSerializer(many=True)


class BulkRenewalInputSerializer(serializers.Serializer):
    contracts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        max_length=MAX_BULK_RENEWAL,
        help_text="The ids of the contracts to renew, all of them or none.",
    )
    months = serializers.ChoiceField(choices=RENEWAL_MONTHS)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        default="",
        help_text=OVERRIDE_REASON_HELP,
    )


class BulkRenewalResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    renewed = ContractSerializer(many=True, help_text="The new contracts.")


class BulkRenewalRefusedItemSerializer(serializers.Serializer):
    contract = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()


class BulkRenewalRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    refused = BulkRenewalRefusedItemSerializer(many=True)
