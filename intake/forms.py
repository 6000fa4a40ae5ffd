"""Forms of the intake pages: they read and check what people type; services do the writing."""

from datetime import date, datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from agents.forms import TerritoryChoiceForm
from agents.models import Territory
from agents.postcodes import territory_for_postcode
from cases.forms import checked_date, language_field, parse_phone
from cases.models import IndexCase
from cases.services import PersonData
from common.bounds import check_birth_date, check_onset_date, check_sample_date
from common.widgets import DateInput
from intake.imports import MAX_FILE_BYTES, too_large_message
from intake.services import FILE_NUMBER_MAX_LENGTH


def start_of_day(day: date, zone) -> datetime:
    """A sample known by its day only: the start of that day in the territory's zone."""
    return datetime.combine(day, time.min, tzinfo=zone)


class PatientZeroFields(forms.Form):
    """The fields of a patient zéro and their case, the same when registered and corrected."""

    first_name = forms.CharField(label=_("First name"), max_length=120)
    last_name = forms.CharField(label=_("Last name"), max_length=120)
    language = language_field()
    sampled_on = forms.DateField(label=_("Sample date"), widget=DateInput())
    symptom_onset_on = forms.DateField(
        label=_("Symptom onset date"), required=False, widget=DateInput()
    )
    external_ref = forms.CharField(
        label=_("External reference"),
        max_length=64,
        required=False,
        help_text=_("The laboratory's or doctor's file number, if any."),
    )


class IndexCaseForm(TerritoryChoiceForm, PatientZeroFields):
    """The patient zéro. The territory is the user's own; only a superuser chooses it."""

    phone = forms.CharField(
        label=_("Phone"), max_length=32, widget=forms.TextInput(attrs={"type": "tel"})
    )
    phone_2 = forms.CharField(
        label=_("Second phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    field_order = ["territory", "first_name", "last_name", "phone", "phone_2", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].pin_for(self.fixed_territory)

    def clean_phone(self) -> str:
        return parse_phone(self.cleaned_data["phone"], self.chosen_territory())

    def clean_phone_2(self) -> str:
        raw = self.cleaned_data["phone_2"]
        return parse_phone(raw, self.chosen_territory()) if raw.strip() else ""

    def clean_sampled_on(self) -> date:
        return checked_date(
            self.cleaned_data["sampled_on"], self.chosen_territory(), check_sample_date
        )

    def clean_symptom_onset_on(self) -> date | None:
        return checked_date(
            self.cleaned_data["symptom_onset_on"], self.chosen_territory(), check_onset_date
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("phone") and cleaned.get("phone") == cleaned.get("phone_2"):
            self.add_error("phone_2", _("This is the same number as the first phone."))
        return cleaned

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        phones = [data["phone"]] + ([data["phone_2"]] if data["phone_2"] else [])
        return PersonData(
            first_name=data["first_name"],
            last_name=data["last_name"],
            phones=phones,
            language=data["language"],
        )

    def sampled_at(self) -> datetime:
        return start_of_day(self.cleaned_data["sampled_on"], self.chosen_territory().zone)


class IndexCaseEditForm(PatientZeroFields):
    """Correct a patient zéro's identity and case as recorded at intake. The calls' deadlines run
    from the identification, so none of these moves them."""

    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    field_order = ["first_name", "last_name", "birth_date"]

    def __init__(self, *args, index_case: IndexCase, **kwargs):
        self.index_case = index_case
        person = index_case.person
        territory = index_case.territory
        kwargs.setdefault(
            "initial",
            {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "birth_date": person.birth_date,
                "language": person.language_id,
                "sampled_on": index_case.sampled_at.astimezone(territory.zone).date(),
                "symptom_onset_on": index_case.symptom_onset_on,
                "external_ref": index_case.external_ref,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["language"].pin_for(territory)

    def _bounded(self, name: str, check) -> date | None:
        # A date left as it was is kept, even once older than the window for a new one.
        value = self.cleaned_data[name]
        if name not in self.changed_data:
            return value
        return checked_date(value, self.index_case.territory, check)

    def clean_birth_date(self) -> date | None:
        return self._bounded("birth_date", check_birth_date)

    def clean_sampled_on(self) -> date | None:
        return self._bounded("sampled_on", check_sample_date)

    def clean_symptom_onset_on(self) -> date | None:
        return self._bounded("symptom_onset_on", check_onset_date)

    def clean_external_ref(self) -> str:
        ref = self.cleaned_data["external_ref"].strip()
        taken = (
            IndexCase.objects.filter(territory=self.index_case.territory, external_ref=ref)
            .exclude(pk=self.index_case.pk)
            .exists()
        )
        if ref and taken:
            raise ValidationError(
                _("Another index case of this territory has this reference."), code="taken"
            )
        return ref

    def sampled_at(self) -> datetime:
        return start_of_day(self.cleaned_data["sampled_on"], self.index_case.territory.zone)


class DoctorDeclarationForm(IndexCaseForm):
    """A doctor's patient: the territory is the one of the patient's postcode, so the address
    comes before the phones (they are read in that territory's numbering region)."""

    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    address = forms.CharField(
        label=_("Address"),
        max_length=180,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=5,
        min_length=5,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "postal-code", "pattern": "[0-9]{5}"}
        ),
        help_text=_("It decides which CPAM calls the patient."),
    )
    city = forms.CharField(label=_("City"), max_length=60)
    field_order = [
        "first_name",
        "last_name",
        "birth_date",
        "address",
        "postcode",
        "city",
        "phone",
        "phone_2",
        "language",
        "sampled_on",
        "symptom_onset_on",
        "external_ref",
    ]

    def __init__(self, *args, pinned_territory: Territory | None = None, **kwargs):
        super().__init__(*args, territory=None, **kwargs)
        del self.fields["territory"]
        file_number = self.fields["external_ref"]
        file_number.max_length = FILE_NUMBER_MAX_LENGTH
        file_number.validators.append(MaxLengthValidator(FILE_NUMBER_MAX_LENGTH))
        file_number.widget.attrs["maxlength"] = str(FILE_NUMBER_MAX_LENGTH)
        self.fields["external_ref"].label = _("Your file number")
        self.fields["external_ref"].help_text = _(
            "Optional: sent twice, the same number records the patient once."
        )
        # The languages spoken where the doctor practises come first in the pickers.
        self.fields["language"].pin_for(pinned_territory)
        self.territory: Territory | None = None

    def chosen_territory(self) -> Territory | None:
        return self.territory

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data["postcode"].strip()
        self.territory = territory_for_postcode(postcode)
        return postcode

    def clean_birth_date(self) -> date | None:
        return checked_date(self.cleaned_data["birth_date"], self.territory, check_birth_date)

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        person = super().person_data()
        address = f"{data['address'].strip()}, {data['postcode']} {data['city'].strip()}"
        return PersonData(
            first_name=person.first_name,
            last_name=person.last_name,
            phones=person.phones,
            language=person.language,
            birth_date=data["birth_date"],
            address=address,
        )

    def sampled_at(self) -> datetime:
        assert self.territory is not None  # the form is valid
        return start_of_day(self.cleaned_data["sampled_on"], self.territory.zone)


class ContactImportForm(TerritoryChoiceForm):
    file = forms.FileField(
        label=_("CSV file"), widget=forms.FileInput(attrs={"accept": ".csv,text/csv"})
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before reading, so an oversized upload is never loaded in memory.
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(too_large_message(), code="too_large")
        return upload
