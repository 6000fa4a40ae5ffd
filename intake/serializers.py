"""API v1 shapes of intake: a patient zéro with their contacts, and the answer."""

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agents.access import territory_today
from agents.models import Territory
from agents.postcodes import territory_for_postcode
from agents.serializers import LanguageCodeField, TerritoryRefSerializer
from cases.models import Exposure, Place
from cases.places import place_data
from cases.services import MAX_CONTACTS, ContactData, PersonData
from common.bounds import (
    check_birth_date,
    check_exposure_date,
    check_onset_date,
    check_sample_date,
)
from common.phones import to_e164
from intake.selectors import Progress
from intake.services import FILE_NUMBER_MAX_LENGTH

# A laboratory's clock may run a little ahead of ours: "now" from them is not the future.
CLOCK_SKEW = timedelta(minutes=5)
_PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Every field below reads context["territory"]: the view resolves it (and checks access) before
# validating the rest, because a national number and a plain date mean different things in
# La Réunion and in Paris.


class PhoneField(serializers.CharField):
    """A phone number in national or international form, answered in E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", "National (06 12 34 56 78) or E.164 (+33612345678) form.")
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty) -> str:
        # After CharField's own checks (blank, length), which apply to what was typed.
        raw = super().run_validation(data)
        try:
            return to_e164(raw, region=self.context["territory"].phone_region)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class BoundedDateField(serializers.DateField):
    """A date checked by one of common.bounds' rules, against today in the territory."""

    def __init__(self, *, check: Callable[..., date], **kwargs):
        super().__init__(**kwargs)
        self.check = check

    def to_internal_value(self, value) -> date:
        day = super().to_internal_value(value)
        try:
            return self.check(day, today=territory_today(self.context["territory"]))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class SampledAtField(serializers.DateTimeField):
    """An ISO 8601 datetime, or a plain date read as midnight in the territory's time zone."""

    def default_timezone(self):
        # A datetime without an offset is local time in the territory, not in Paris.
        return self.context["territory"].zone

    def to_internal_value(self, value) -> datetime:
        if isinstance(value, str) and _PLAIN_DATE.match(value.strip()):
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                self.fail("invalid", format="YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][+HH:MM|Z]")
            moment = datetime.combine(day, time.min, tzinfo=self.default_timezone())
        else:
            moment = super().to_internal_value(value)
        if moment > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError(_("The sample cannot be taken in the future."))
        try:
            local_day = moment.astimezone(self.default_timezone()).date()
            # The future is refused above, with CLOCK_SKEW: a sample at 00:02 taken at 23:58
            # stays acceptable here.
            today = max(local_day, territory_today(self.context["territory"]))
            check_sample_date(local_day, today=today)
        except OverflowError:
            self.fail("invalid", format="YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][+HH:MM|Z]")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return moment


class PlaceInputSerializer(serializers.Serializer):
    """Where the exposure happened: the same name and address find the same place again."""

    name = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=Place.Type.choices)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    postcode = serializers.CharField(
        max_length=10, required=False, allow_blank=True, help_text="Five digits."
    )

    def validate(self, attrs: dict):
        try:
            return place_data(
                name=attrs["name"],
                type=attrs["type"],
                address=attrs.get("address", ""),
                postcode=attrs.get("postcode", ""),
            )
        except DjangoValidationError as exc:
            names = {"place_name": "name", "place_type": "type", "place_postcode": "postcode"}
            raise serializers.ValidationError(
                {names[key]: value for key, value in exc.message_dict.items()}
            ) from exc


class ContactInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=120)
    last_name = serializers.CharField(max_length=120)
    phone = PhoneField()
    language = LanguageCodeField()
    exposure_type = serializers.ChoiceField(choices=Exposure.Type.choices)
    last_exposure_date = BoundedDateField(check=check_exposure_date)
    place = PlaceInputSerializer(required=False, allow_null=True)

    def validate(self, attrs: dict) -> ContactData:
        return ContactData(
            person=PersonData(
                first_name=attrs["first_name"],
                last_name=attrs["last_name"],
                phones=[attrs["phone"]],
                language=attrs["language"],
            ),
            exposure_type=attrs["exposure_type"],
            last_exposure_date=attrs["last_exposure_date"],
            place=attrs.get("place"),
        )


class PatientZeroInputSerializer(serializers.Serializer):
    """A patient zéro and the contacts known so far, wherever they come from."""

    first_name = serializers.CharField(max_length=120)
    last_name = serializers.CharField(max_length=120)
    phone = PhoneField()
    language = LanguageCodeField()
    birth_date = BoundedDateField(check=check_birth_date, required=False, allow_null=True)
    sampled_at = SampledAtField(
        help_text="ISO 8601 datetime, or a date (midnight in the territory's time zone)."
    )
    symptom_onset_on = BoundedDateField(check=check_onset_date, required=False, allow_null=True)
    external_ref = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=(
            "The laboratory's or doctor's file number: sent again, it answers with the existing "
            "case."
        ),
    )
    contacts = ContactInputSerializer(many=True, required=False, max_length=MAX_CONTACTS)

    def validate(self, attrs: dict) -> dict:
        return {
            "person": PersonData(
                first_name=attrs["first_name"],
                last_name=attrs["last_name"],
                phones=[attrs["phone"]],
                language=attrs["language"],
                birth_date=attrs.get("birth_date"),
                address=attrs.get("address", ""),
            ),
            "sampled_at": attrs["sampled_at"],
            "symptom_onset_on": attrs.get("symptom_onset_on"),
            "external_ref": attrs.get("external_ref", ""),
            "contacts": attrs.get("contacts", []),
        }


# The docstring is the schema's description of this component: one line, continued with "\".
class IndexCaseInputSerializer(TerritoryRefSerializer, PatientZeroInputSerializer):
    """A patient zéro and the contacts known so far. Validated data are the intake service's \
arguments."""


class PostcodeSerializer(serializers.Serializer):
    """The patient's postcode, read before the rest of a declaration: it names the territory."""

    postcode = serializers.CharField(
        max_length=5, help_text="The patient's French postcode: it decides which CPAM calls."
    )

    def validate_postcode(self, value: str) -> Territory:
        try:
            return territory_for_postcode(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class DoctorDeclarationInputSerializer(PatientZeroInputSerializer):
    """A doctor's declaration: a patient zéro, their address and postcode (which decides the \
territory), their household and close contacts."""

    postcode = serializers.CharField(
        max_length=5, help_text="The patient's French postcode: it decides which CPAM calls."
    )
    address = serializers.CharField(
        max_length=255, required=False, allow_blank=True, help_text="Street, postcode and city."
    )
    external_ref = serializers.CharField(
        max_length=FILE_NUMBER_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Your file number: sent again, it answers with the existing case.",
    )

    def validate(self, attrs: dict) -> dict:
        # The postcode is kept with the address, as the form keeps it.
        address = attrs.get("address", "").strip()
        if attrs["postcode"] not in address:
            address = f"{address}, {attrs['postcode']}" if address else attrs["postcode"]
        return super().validate(attrs | {"address": address})


class IntakeContactSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        source="exposure.pk", read_only=True, help_text="The exposure's id."
    )
    deadline_at = serializers.DateTimeField(source="task.deadline_at", read_only=True)


class IntakeResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        source="index_case.pk", read_only=True, help_text="The index case's id."
    )
    contacts = IntakeContactSerializer(many=True, read_only=True)


class DeclarationResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        source="index_case.pk", read_only=True, help_text="The declared case's id."
    )
    territory = serializers.CharField(
        source="index_case.territory.code",
        read_only=True,
        help_text="The département code of the CPAM that calls (from the postcode).",
    )
    interview_deadline_at = serializers.DateTimeField(
        source="task.deadline_at",
        read_only=True,
        allow_null=True,
        help_text="When the patient's interview call is due.",
    )
    contacts = IntakeContactSerializer(
        many=True, read_only=True, help_text="Each contact's queued call."
    )


class PersonProgressSerializer(serializers.Serializer):
    first_name = serializers.CharField(source="person.first_name", read_only=True)
    last_name = serializers.CharField(source="person.last_name", read_only=True)
    progress = serializers.ChoiceField(choices=Progress.choices, read_only=True)
    deadline_at = serializers.DateTimeField(read_only=True, allow_null=True)
    isolation_until = serializers.DateField(read_only=True, allow_null=True)


class DeclaredContactSerializer(PersonProgressSerializer):
    id = serializers.IntegerField(source="exposure.pk", read_only=True, help_text="The exposure.")
    exposure_type = serializers.CharField(source="exposure.exposure_type", read_only=True)


class DeclarationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="index_case.pk", read_only=True)
    declared_at = serializers.DateTimeField(source="index_case.identified_at", read_only=True)
    territory = serializers.CharField(source="index_case.territory.code", read_only=True)
    external_ref = serializers.CharField(
        source="file_number", read_only=True, help_text="Your file number, if you gave one."
    )
    patient = PersonProgressSerializer(read_only=True)
    contacts = DeclaredContactSerializer(many=True, read_only=True)
