"""Serializers of the recruitment API (workforce/api/recruitment.py)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents import roles
from agents.models import Plateau, Team, Territory
from agents.serializers import LanguageCodeListField
from common.bounds import check_plain_date, check_plain_moment
from common.phones import to_e164
from workforce.models.contracts import Contract
from workforce.models.recruitment import Candidate, CandidateEvent, TrainingSession
from workforce.selectors.recruitment import candidate_events
from workforce.services import recruitment as services
from workforce.services.recruitment import (
    CDD_MONTHS,
    CandidateData,
    hiring_errors,
    open_candidate_phones,
)

Stage = Candidate.Stage
TARGET_STAGES = [
    Stage.ASSESSMENT_SCHEDULED,
    Stage.ASSESSED,
    Stage.IN_TRAINING,
    Stage.TRAINED,
    Stage.HIRED,
    Stage.REJECTED,
    Stage.WITHDRAWN,
]
REQUIRED_FOR = {
    Stage.ASSESSMENT_SCHEDULED: ("assessment_at",),
    Stage.ASSESSED: ("score", "passed"),
    Stage.IN_TRAINING: ("training_session",),
    Stage.HIRED: ("username", "password", "plateau", "contract_kind", "start_on"),
}


# --- Shapes -----------------------------------------------------------------------------------


class CandidateEventSerializer(serializers.ModelSerializer):
    # Plain strings: an enum here would give the stages a second name in the schema.
    from_stage = serializers.CharField(
        read_only=True, help_text="A stage, as in the candidate's; empty for the application."
    )
    to_stage = serializers.CharField(read_only=True, help_text="A stage, as in the candidate's.")
    by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CandidateEvent
        fields = ["from_stage", "to_stage", "at", "by", "note"]
        read_only_fields = fields


class CandidateSerializer(serializers.ModelSerializer):
    territory = serializers.SlugRelatedField(slug_field="code", read_only=True)
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    assessed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    allowed_moves = serializers.SerializerMethodField()

    class Meta:
        model = Candidate
        fields = [
            "id",
            "territory",
            "first_name",
            "last_name",
            "phone",
            "email",
            "languages",
            "source",
            "stage",
            "stage_changed_at",
            "applied_at",
            "last_heard_at",
            "assessment_at",
            "assessment_score",
            "assessment_passed",
            "assessed_by",
            "training_session",
            "agent",
            "notes",
            "allowed_moves",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(), help_text="The stages one may move to now."
        )
    )
    def get_allowed_moves(self, candidate: Candidate) -> list[str]:
        return sorted(
            stage for stage in services.allowed_moves(candidate) if stage in TARGET_STAGES
        )


class CandidateDetailSerializer(CandidateSerializer):
    events = serializers.SerializerMethodField()

    class Meta(CandidateSerializer.Meta):
        fields = [*CandidateSerializer.Meta.fields, "events"]
        read_only_fields = fields

    @extend_schema_field(CandidateEventSerializer(many=True))
    def get_events(self, candidate: Candidate) -> list[dict]:
        return CandidateEventSerializer(candidate_events(candidate=candidate), many=True).data


class CandidateInputSerializer(serializers.Serializer):
    """A new candidate; the view resolves the territory first and passes it in the context."""

    territory = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Territory.objects.all(),
        required=False,
        help_text="Required for a superuser.",
    )
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32, help_text="National or E.164; answered in E.164")
    email = serializers.EmailField(required=False, allow_blank=True)
    languages = LanguageCodeListField()
    source = serializers.ChoiceField(choices=Candidate.Source.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)

    def validate_phone(self, value: str) -> str:
        territory = self.context["territory"]
        try:
            phone = to_e164(value, region=territory.phone_region)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        if open_candidate_phones(territory=territory, phones=[phone]):
            raise serializers.ValidationError(_("A candidate with this phone is already open."))
        return phone

    def candidate_data(self) -> CandidateData:
        data = self.validated_data
        return CandidateData(
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            phone=data["phone"],
            email=data.get("email", ""),
            languages=data["languages"],
            source=data.get("source", Candidate.Source.JOB_BOARD),
            notes=data.get("notes", ""),
        )


class CandidateTransitionSerializer(serializers.Serializer):
    """A move of a candidate: `to` says where, the other fields are those that move needs."""

    to = serializers.ChoiceField(choices=[(stage.value, stage.label) for stage in TARGET_STAGES])
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    assessment_at = serializers.DateTimeField(
        validators=[check_plain_moment], required=False, help_text="For assessment_scheduled."
    )
    score = serializers.IntegerField(
        required=False, min_value=0, max_value=100, help_text="For assessed."
    )
    passed = serializers.BooleanField(required=False, help_text="For assessed.")
    training_session = serializers.PrimaryKeyRelatedField(
        queryset=TrainingSession.objects.none(),
        required=False,
        help_text="For in_training: a session of the territory.",
    )
    username = serializers.CharField(required=False, max_length=150, help_text="For hired.")
    password = serializers.CharField(
        required=False,
        max_length=128,
        trim_whitespace=False,
        write_only=True,
        help_text="For hired: a temporary password.",
    )
    plateau = serializers.PrimaryKeyRelatedField(
        queryset=Plateau.objects.none(), required=False, help_text="For hired."
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.none(), required=False, allow_null=True
    )
    role = serializers.ChoiceField(
        choices=roles.STAFF_ROLES, required=False, default=roles.TELECONSEILLER
    )
    contract_kind = serializers.ChoiceField(
        # Labels of their own, so that the schema does not give the contract kinds a second name.
        choices=[(Contract.Kind.CDD, "CDD of 3 or 6 months"), (Contract.Kind.CDI, "CDI")],
        required=False,
        help_text="For hired.",
    )
    months = serializers.ChoiceField(
        choices=CDD_MONTHS, required=False, allow_null=True, help_text="For a CDD: 3 or 6."
    )
    start_on = serializers.DateField(
        validators=[check_plain_date],
        required=False,
        help_text="For hired: the contract's first day.",
    )

    def __init__(self, *args, candidate: Candidate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        if candidate is not None:
            # Another territory's sessions, plateaux and teams do not exist for this candidate.
            territory_id = candidate.territory_id
            self.fields["training_session"].queryset = TrainingSession.objects.filter(
                territory_id=territory_id
            )
            self.fields["plateau"].queryset = Plateau.objects.filter(territory_id=territory_id)
            self.fields["team"].queryset = Team.objects.filter(plateau__territory_id=territory_id)

    def validate_role(self, value: str) -> str:
        if not roles.may_grant_role(self.context["user"], value):
            raise serializers.ValidationError(_("Only a national admin can create a CPAM admin."))
        return value

    def validate(self, attrs: dict) -> dict:
        to = attrs["to"]
        missing = {
            name: [_("This field is required.")]
            for name in REQUIRED_FOR.get(to, ())
            if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        if to == Stage.HIRED:
            errors = hiring_errors(
                candidate=self.candidate,
                username=attrs["username"],
                password=attrs["password"],
                plateau=attrs["plateau"],
                team=attrs.get("team"),
                role=attrs["role"],
                contract_kind=attrs["contract_kind"],
                months=attrs.get("months"),
                start_on=attrs["start_on"],
            )
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


# --- Views ------------------------------------------------------------------------------------
