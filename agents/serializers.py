"""API v1 shapes of the workforce: what the endpoints accept and what they answer."""

import phonenumbers
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from agents.models import Language, Territory, validate_timezone


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}, write_only=True
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(source="key", read_only=True)


class TerritoryRefSerializer(serializers.Serializer):
    """The territory a request acts in, by its département code ("93", "2A", "974")."""

    territory = serializers.SlugRelatedField(slug_field="code", queryset=Territory.objects.all())


class TerritoryInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=3,
        validators=[
            RegexValidator(
                r"^(?:\d{2,3}|2[AB])$", _("A département code: two or three digits, or 2A/2B.")
            ),
            UniqueValidator(
                queryset=Territory.objects.all(),
                message=_("A territory with this code already exists."),
            ),
        ],
    )
    name = serializers.CharField(max_length=120)
    timezone = serializers.CharField(
        max_length=64, validators=[validate_timezone], help_text="IANA name, e.g. Europe/Paris"
    )
    phone_region = serializers.CharField(
        max_length=2,
        required=False,
        help_text="Region used to read national phone numbers (FR, RE, GP, MQ, GF, YT…).",
    )
    calling_hours_start = serializers.TimeField(required=False)
    calling_hours_end = serializers.TimeField(required=False)

    def validate_phone_region(self, value: str) -> str:
        value = value.upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise serializers.ValidationError(
                _("Unknown phone region: %(region)s") % {"region": value}
            )
        return value

    def validate(self, attrs: dict) -> dict:
        # Validated here rather than by the model's check constraint, so a bad pair is a 400.
        start = attrs.get(
            "calling_hours_start", Territory._meta.get_field("calling_hours_start").get_default()
        )
        end = attrs.get(
            "calling_hours_end", Territory._meta.get_field("calling_hours_end").get_default()
        )
        if start >= end:
            raise serializers.ValidationError(
                {"calling_hours_end": [_("Calling hours must end after they start.")]}
            )
        return attrs


class TerritorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Territory
        fields = [
            "id",
            "code",
            "name",
            "timezone",
            "phone_region",
            "calling_hours_start",
            "calling_hours_end",
        ]
        read_only_fields = fields


class LanguageCodeField(serializers.CharField):
    """A language code, ISO 639-1 or 639-3 where there is none (fr, tr, snk), read as a Language.

    The one check of language codes in the API: intake, outcomes and hiring all use it.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("help_text", "ISO 639-1, or ISO 639-3 where there is none (fr, tr, snk).")
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        code = super().run_validation(data)
        if code is None:
            return None
        return languages_by_code([code], context=self.context)[0]


class LanguageCodeListField(serializers.ListField):
    """A non-empty list of language codes, read as Languages (duplicates dropped, order kept)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.CharField(max_length=3))
        kwargs.setdefault("allow_empty", False)
        kwargs.setdefault("help_text", "ISO 639-1 codes, or 639-3 where none")
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        codes = super().run_validation(data)
        return languages_by_code(list(dict.fromkeys(codes)), context=self.context)


def languages_by_code(codes: list[str], *, context: dict) -> list:
    """Return the Languages of these codes, or refuse naming every unknown one.

    The languages are read once per request (kept in the serializer's context), however many
    contacts an intake names.
    """
    languages = context.get("languages")
    if languages is None:
        languages = context["languages"] = Language.objects.in_bulk()
    codes = [code.strip().lower() for code in codes]
    unknown = [code for code in codes if code not in languages]
    if unknown:
        raise serializers.ValidationError(
            [_("unknown language code: %(code)s") % {"code": code} for code in unknown]
        )
    return [languages[code] for code in codes]
