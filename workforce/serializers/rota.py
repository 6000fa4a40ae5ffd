"""Serializers of the rota API (workforce/api/rota.py)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.models import Agent, Plateau
from common.bounds import MAX_ID, check_plain_date
from workforce.models.rota import Shift
from workforce.selectors.rota import shift_minutes, week_start_of

# A longer range is years of rows in one answer; page through weeks or months instead.
MAX_RANGE_DAYS = 62


class ShiftSerializer(serializers.ModelSerializer):
    agent_username = serializers.CharField(source="agent.user.username", read_only=True)
    plateau_name = serializers.CharField(source="plateau.name", read_only=True)
    scheduled_minutes = serializers.SerializerMethodField()

    class Meta:
        model = Shift
        fields = [
            "id",
            "agent",
            "agent_username",
            "plateau",
            "plateau_name",
            "day",
            "starts_at",
            "ends_at",
            "break_minutes",
            "scheduled_minutes",
            "pattern",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.IntegerField(help_text="Length minus the unpaid break, in minutes.")
    )
    def get_scheduled_minutes(self, shift: Shift) -> int:
        return shift_minutes(shift)


class ShiftRefSerializer(serializers.Serializer):
    """The agent and plateau a new shift names, resolved before the rest of the body."""

    agent = serializers.PrimaryKeyRelatedField(
        queryset=Agent.objects.select_related("user", "territory")
    )
    plateau = serializers.PrimaryKeyRelatedField(
        queryset=Plateau.objects.select_related("territory")
    )


class ShiftInputSerializer(ShiftRefSerializer):
    day = serializers.DateField(
        validators=[check_plain_date],
        help_text="The local day of the shift, in the agent's territory.",
    )
    starts_at = serializers.TimeField(help_text='Local time, "HH:MM".')
    ends_at = serializers.TimeField(help_text='Local time, "HH:MM".')
    break_minutes = serializers.IntegerField(min_value=0, max_value=600, default=0)

    def validate(self, attrs: dict) -> dict:
        starts_at, ends_at = attrs["starts_at"], attrs["ends_at"]
        if starts_at >= ends_at:
            raise serializers.ValidationError(
                {"ends_at": [_("The shift must end after it starts.")]}
            )
        length = (ends_at.hour * 60 + ends_at.minute) - (starts_at.hour * 60 + starts_at.minute)
        if attrs["break_minutes"] >= length:
            raise serializers.ValidationError(
                {"break_minutes": [_("The break must be shorter than the shift.")]}
            )
        return attrs


class ShiftFilterSerializer(serializers.Serializer):
    """The query string of the shift list; the range defaults to the current week of the user's
    territory."""

    plateau = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    from_ = serializers.DateField(validators=[check_plain_date], required=False)
    to = serializers.DateField(validators=[check_plain_date], required=False)

    def get_fields(self) -> dict:
        fields = super().get_fields()
        # "from" is a Python keyword: declared as from_, read under its query-string name.
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs: dict) -> dict:
        start = attrs.get("from") or week_start_of(attrs.get("to") or self.context["today"])
        end = attrs.get("to") or start + timedelta(days=6)
        if start > end:
            raise serializers.ValidationError(
                {"to": [_("The end of the range is before its start.")]}
            )
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"to": [_("Choose a range of at most %(days)s days.") % {"days": MAX_RANGE_DAYS}]}
            )
        return {**attrs, "from": start, "to": end}
