"""Serializers of hiring through the API: a member of staff and their contract end."""

from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents import roles
from agents.models import Agent, Plateau, Team
from agents.serializers import LanguageCodeListField, TerritoryRefSerializer
from common.bounds import check_plain_date


class AgentInputSerializer(TerritoryRefSerializer):
    """A new member of staff; the view resolves the territory first and passes it in the context."""

    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}, write_only=True
    )
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=roles.STAFF_ROLES)
    languages = LanguageCodeListField()
    plateau = serializers.PrimaryKeyRelatedField(
        queryset=Plateau.objects.all(), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    employer = serializers.ChoiceField(choices=Agent.Employer.choices, required=False)
    provider_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    contract_end = serializers.DateField(
        validators=[check_plain_date], required=False, allow_null=True
    )

    def validate_username(self, value: str) -> str:
        # Case-insensitively: "Alice" next to "alice" is a mistake, never a second person.
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError(_("This username is already taken."))
        return value

    def validate_role(self, value: str) -> str:
        # A CPAM admin making another would escape the national admins' oversight.
        if not roles.may_grant_role(self.context["user"], value):
            raise serializers.ValidationError(_("Only a national admin can create a CPAM admin."))
        return value

    def validate_contract_end(self, value):
        if value is not None and value < self.context["today"]:
            raise serializers.ValidationError(_("A contract cannot end in the past."))
        return value

    def validate(self, attrs: dict) -> dict:
        territory = self.context["territory"]
        errors = {}
        plateau, team = attrs.get("plateau"), attrs.get("team")
        if plateau is not None and plateau.territory_id != territory.pk:
            errors["plateau"] = [_("This plateau belongs to another territory.")]
        if team is not None and (plateau is None or team.plateau_id != plateau.pk):
            errors["team"] = [_("This team belongs to another plateau.")]
        if attrs.get("employer") == Agent.Employer.PROVIDER and not attrs.get("provider_name"):
            errors["provider_name"] = [_("Name the provider of an outsourced agent.")]
        candidate = User(
            username=attrs["username"],
            first_name=attrs["first_name"],
            last_name=attrs["last_name"],
            email=attrs.get("email", ""),
        )
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            errors["password"] = list(exc.messages)
        if errors:
            raise serializers.ValidationError(errors)
        # The view passes the territory it resolved and checked; the field was only for the schema.
        attrs.pop("territory")
        return attrs


class AgentSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    role = serializers.SerializerMethodField()
    territory = serializers.SlugRelatedField(slug_field="code", read_only=True)
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    contract_end = serializers.SerializerMethodField()

    class Meta:
        model = Agent
        fields = ["id", "username", "role", "territory", "languages", "plateau", "contract_end"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=roles.STAFF_ROLES))
    def get_role(self, agent: Agent) -> str | None:
        held = roles.roles_of(agent.user)
        return next((role for role in roles.STAFF_ROLES if role in held), None)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_contract_end(self, agent: Agent):
        contract = agent.contracts.order_by("-start_on", "-pk").first()
        return contract.end_on if contract is not None else None
