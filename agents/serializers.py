"""API v1 shapes of the workforce: what the endpoints accept and what they answer."""

import phonenumbers
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from agents.models import Territory, validate_timezone


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"}, write_only=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(source="key", read_only=True)


class TerritoryRefSerializer(serializers.Serializer):
    """The territory a request acts in, by its département code ("93", "2A", "974")."""

    territory = serializers.SlugRelatedField(slug_field="code", queryset=Territory.objects.all())


class TerritoryInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=3,
        validators=[
            RegexValidator(r"^(?:\d{2,3}|2[AB])$", _("A département code: two or three digits, or 2A/2B.")),
            UniqueValidator(queryset=Territory.objects.all(), message=_("A territory with this code already exists.")),
        ],
    )
    name = serializers.CharField(max_length=120)
    timezone = serializers.CharField(max_length=64, validators=[validate_timezone], help_text="IANA name, e.g. Europe/Paris")
    phone_region = serializers.CharField(
        max_length=2, required=False, help_text="Region used to read national phone numbers (FR, RE, GP, MQ, GF, YT…)."
    )
    calling_hours_start = serializers.TimeField(required=False)
    calling_hours_end = serializers.TimeField(required=False)

    def validate_phone_region(self, value: str) -> str:
        value = value.upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise serializers.ValidationError(_("Unknown phone region: %(region)s") % {"region": value})
        return value

    def validate(self, attrs: dict) -> dict:
        # Validated here rather than by the model's check constraint, so a bad pair is a 400.
        start = attrs.get("calling_hours_start", Territory._meta.get_field("calling_hours_start").get_default())
        end = attrs.get("calling_hours_end", Territory._meta.get_field("calling_hours_end").get_default())
        if start >= end:
            raise serializers.ValidationError({"calling_hours_end": [_("Calling hours must end after they start.")]})
        return attrs


class TerritorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Territory
        fields = ["id", "code", "name", "timezone", "phone_region", "calling_hours_start", "calling_hours_end"]
        read_only_fields = fields
