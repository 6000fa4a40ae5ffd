"""API v1 of recruitment: candidates and their moves through the pipeline."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agents import roles
from agents.access import access_own_territory, access_territory_in_body
from agents.models import Language, Plateau, Team, Territory
from agents.roles import role_permission
from common.api import BAD_INPUT, FORBIDDEN, NOT_AUTHENTICATED, ApiView
from common.phones import to_e164
from workforce.models.contracts import Contract
from workforce.models.recruitment import Candidate, CandidateEvent, TrainingSession
from workforce.selectors.recruitment import candidate_events, candidates_for_list, get_candidate_for_user
from workforce.services import recruitment as services
from workforce.services.recruitment import CDD_MONTHS, CandidateData, hiring_errors, open_candidate_phones

Stage = Candidate.Stage
NOT_FOUND = OpenApiResponse(description="No such candidate in your territory.")
REFUSED = OpenApiResponse(description="The move is not allowed from the candidate's stage, or the session cannot take them.")
# The stages one may ask for; "no answer" is the sweep's alone.
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
    from_stage = serializers.CharField(read_only=True, help_text="A stage, as in the candidate's; empty for the application.")
    to_stage = serializers.CharField(read_only=True, help_text="A stage, as in the candidate's.")
    by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CandidateEvent
        fields = ["from_stage", "to_stage", "at", "by", "note"]
        read_only_fields = fields


class CandidateSerializer(serializers.ModelSerializer):
    territory = serializers.SlugRelatedField(slug_field="code", read_only=True)
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    assessed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
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

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), help_text="The stages one may move to now."))
    def get_allowed_moves(self, candidate: Candidate) -> list[str]:
        return sorted(stage for stage in services.allowed_moves(candidate) if stage in TARGET_STAGES)


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
        slug_field="code", queryset=Territory.objects.all(), required=False, help_text="Required for a superuser."
    )
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32, help_text="National or E.164; answered in E.164")
    email = serializers.EmailField(required=False, allow_blank=True)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=3), allow_empty=False, help_text="ISO 639-1 codes, or 639-3 where none"
    )
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

    def validate_languages(self, value: list[str]) -> list[Language]:
        codes = list(dict.fromkeys(code.strip().lower() for code in value))
        found = Language.objects.in_bulk(codes)
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise serializers.ValidationError([_("unknown language code: %(code)s") % {"code": code} for code in unknown])
        return [found[code] for code in codes]

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
    assessment_at = serializers.DateTimeField(required=False, help_text="For assessment_scheduled.")
    score = serializers.IntegerField(required=False, min_value=0, max_value=100, help_text="For assessed.")
    passed = serializers.BooleanField(required=False, help_text="For assessed.")
    training_session = serializers.PrimaryKeyRelatedField(
        queryset=TrainingSession.objects.none(), required=False, help_text="For in_training: a session of the territory."
    )
    username = serializers.CharField(required=False, max_length=150, help_text="For hired.")
    password = serializers.CharField(
        required=False, max_length=128, trim_whitespace=False, write_only=True, help_text="For hired: a temporary password."
    )
    plateau = serializers.PrimaryKeyRelatedField(queryset=Plateau.objects.none(), required=False, help_text="For hired.")
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none(), required=False, allow_null=True)
    role = serializers.ChoiceField(choices=roles.STAFF_ROLES, required=False, default=roles.TELECONSEILLER)
    contract_kind = serializers.ChoiceField(
        # Labels of their own, so that the schema does not give the contract kinds a second name.
        choices=[(Contract.Kind.CDD, "CDD of 3 or 6 months"), (Contract.Kind.CDI, "CDI")],
        required=False,
        help_text="For hired.",
    )
    months = serializers.ChoiceField(choices=CDD_MONTHS, required=False, allow_null=True, help_text="For a CDD: 3 or 6.")
    start_on = serializers.DateField(required=False, help_text="For hired: the contract's first day.")

    def __init__(self, *args, candidate: Candidate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        if candidate is not None:
            # Another territory's sessions, plateaux and teams do not exist for this candidate.
            territory_id = candidate.territory_id
            self.fields["training_session"].queryset = TrainingSession.objects.filter(territory_id=territory_id)
            self.fields["plateau"].queryset = Plateau.objects.filter(territory_id=territory_id)
            self.fields["team"].queryset = Team.objects.filter(plateau__territory_id=territory_id)

    def validate(self, attrs: dict) -> dict:
        to = attrs["to"]
        missing = {name: [_("This field is required.")] for name in REQUIRED_FOR.get(to, ()) if name not in attrs}
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


class CandidatePagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 500


class CandidatesView(ApiView, GenericAPIView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]
    parser_classes = [JSONParser]
    pagination_class = CandidatePagination
    serializer_class = CandidateSerializer

    @extend_schema(
        operation_id="list_candidates",
        parameters=[OpenApiParameter("stage", str, enum=Stage.values, description="Only the candidates at this stage.")],
        responses={200: CandidateSerializer(many=True), 400: BAD_INPUT, 401: NOT_AUTHENTICATED, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        """List the candidates of your territory, most recent first."""
        stage = request.query_params.get("stage", "")
        if stage and stage not in Stage.values:
            raise serializers.ValidationError({"stage": [_("Unknown stage: %(stage)s") % {"stage": stage}]})
        candidates = candidates_for_list(user=request.user, stage=stage).select_related("assessed_by")
        page = self.paginate_queryset(candidates)
        return self.get_paginated_response(CandidateSerializer(page, many=True).data)

    @extend_schema(
        operation_id="create_candidate",
        request=CandidateInputSerializer,
        responses={201: CandidateSerializer, 400: BAD_INPUT, 401: NOT_AUTHENTICATED, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        """Record a candidate at the stage "applied"; a superuser names the territory."""
        territory = _territory_of_request(request)
        serializer = CandidateInputSerializer(data=request.data, context={"territory": territory})
        serializer.is_valid(raise_exception=True)
        candidate = services.add_candidate(
            territory=territory, data=serializer.candidate_data(), by=request.user, now=timezone.now()
        )
        return Response(CandidateSerializer(candidate).data, status=status.HTTP_201_CREATED)


def _territory_of_request(request: Request) -> Territory:
    """Return the territory a new candidate belongs to: the one named (if the user works there), or the user's."""
    if "territory" in request.data or request.user.is_superuser:
        return access_territory_in_body(request)
    return access_own_territory(request.user)


class CandidateDetailView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]

    @extend_schema(
        operation_id="get_candidate",
        responses={200: CandidateDetailSerializer, 401: NOT_AUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Return a candidate with their history."""
        candidate = get_candidate_for_user(user=request.user, pk=pk)
        return Response(CandidateDetailSerializer(candidate).data)


class CandidateTransitionView(ApiView):
    permission_classes = [IsAuthenticated, role_permission(roles.ADMIN_CPAM)]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="move_candidate",
        request=CandidateTransitionSerializer,
        responses={
            200: CandidateDetailSerializer,
            400: BAD_INPUT,
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: REFUSED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Move a candidate to another stage; hiring creates the account, the agent and the contract."""
        candidate = get_candidate_for_user(user=request.user, pk=pk)
        serializer = CandidateTransitionSerializer(data=request.data, candidate=candidate)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        moved = _MOVES[data["to"]](candidate=candidate, data=data, by=request.user, now=timezone.now())
        return Response(CandidateDetailSerializer(get_candidate_for_user(user=request.user, pk=moved.pk)).data)


_MOVES = {
    Stage.ASSESSMENT_SCHEDULED: lambda *, candidate, data, by, now: services.schedule_assessment(
        candidate=candidate, at=data["assessment_at"], by=by, now=now, note=data.get("note", "")
    ),
    Stage.ASSESSED: lambda *, candidate, data, by, now: services.record_assessment(
        candidate=candidate, score=data["score"], passed=data["passed"], by=by, now=now, note=data.get("note", "")
    ),
    Stage.IN_TRAINING: lambda *, candidate, data, by, now: services.enrol_in_training(
        candidate=candidate, session=data["training_session"], by=by, now=now, note=data.get("note", "")
    ),
    Stage.TRAINED: lambda *, candidate, data, by, now: services.complete_training(
        candidate=candidate, by=by, now=now, note=data.get("note", "")
    ),
    Stage.HIRED: lambda *, candidate, data, by, now: services.hire_candidate(
        candidate=candidate,
        by=by,
        username=data["username"],
        password=data["password"],
        plateau=data["plateau"],
        team=data.get("team"),
        role=data["role"],
        contract_kind=data["contract_kind"],
        months=data.get("months"),
        start_on=data["start_on"],
        now=now,
        note=data.get("note", ""),
    ),
    Stage.REJECTED: lambda *, candidate, data, by, now: services.reject_candidate(
        candidate=candidate, by=by, now=now, note=data.get("note", "")
    ),
    Stage.WITHDRAWN: lambda *, candidate, data, by, now: services.withdraw_candidate(
        candidate=candidate, by=by, now=now, note=data.get("note", "")
    ),
}
