"""Forms of the intake pages: they read and check what people type; services do the writing."""

from datetime import date, datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import Language, Territory
from cases.imports import MAX_FILE_BYTES, too_large_message
from cases.models import Exposure
from cases.services import ContactData, PersonData
from common.phones import to_e164
from common.widgets import DateInput

MAX_CONTACTS = 100
CONTACTS_PREFIX = "contacts"


def _language_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(queryset=Language.objects.all(), initial="fr", label=_("Language"))


def _today(territory: Territory | None) -> date:
    return timezone.localdate(timezone=territory.zone) if territory is not None else timezone.localdate()


def _parse_phone(raw: str, territory: Territory | None) -> str:
    return to_e164(raw, region=territory.phone_region if territory is not None else "FR")


def _not_in_future(value: date | None, territory: Territory | None) -> date | None:
    if value is not None and value > _today(territory):
        raise ValidationError(_("The date is in the future."), code="future")
    return value


class IndexCaseForm(forms.Form):
    """The patient zéro. The territory is the user's own; only a superuser chooses it."""

    territory = forms.ModelChoiceField(queryset=Territory.objects.none(), label=_("Territory"))
    first_name = forms.CharField(label=_("First name"), max_length=120)
    last_name = forms.CharField(label=_("Last name"), max_length=120)
    phone = forms.CharField(label=_("Phone"), max_length=32, widget=forms.TextInput(attrs={"type": "tel"}))
    phone_2 = forms.CharField(
        label=_("Second phone"), max_length=32, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    language = _language_field()
    sampled_on = forms.DateField(label=_("Sample date"), widget=DateInput())
    symptom_onset_on = forms.DateField(label=_("Symptom onset date"), required=False, widget=DateInput())
    external_ref = forms.CharField(
        label=_("External reference"),
        max_length=64,
        required=False,
        help_text=_("The laboratory's or doctor's file number, if any."),
    )

    def __init__(self, *args, territory: Territory | None = None, territories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_territory = territory
        if territory is not None:
            del self.fields["territory"]
        else:
            self.fields["territory"].queryset = territories if territories is not None else Territory.objects.all()

    def chosen_territory(self) -> Territory | None:
        """Return the territory once the form is cleaned (None if the choice was invalid)."""
        if self.fixed_territory is not None:
            return self.fixed_territory
        return getattr(self, "cleaned_data", {}).get("territory")

    def clean_phone(self) -> str:
        return _parse_phone(self.cleaned_data["phone"], self.chosen_territory())

    def clean_phone_2(self) -> str:
        raw = self.cleaned_data["phone_2"]
        return _parse_phone(raw, self.chosen_territory()) if raw.strip() else ""

    def clean_sampled_on(self) -> date:
        return _not_in_future(self.cleaned_data["sampled_on"], self.chosen_territory())

    def clean_symptom_onset_on(self) -> date | None:
        return _not_in_future(self.cleaned_data["symptom_onset_on"], self.chosen_territory())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("phone") and cleaned.get("phone") == cleaned.get("phone_2"):
            self.add_error("phone_2", _("This is the same number as the first phone."))
        return cleaned

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        phones = [data["phone"]] + ([data["phone_2"]] if data["phone_2"] else [])
        return PersonData(first_name=data["first_name"], last_name=data["last_name"], phones=phones, language=data["language"])

    def sampled_at(self) -> datetime:
        # Only the day is known: its start, in the territory's zone.
        return datetime.combine(self.cleaned_data["sampled_on"], time.min, tzinfo=self.chosen_territory().zone)


class ContactForm(forms.Form):
    """One contact of the patient zéro; a row left empty is skipped."""

    first_name = forms.CharField(label=_("First name"), max_length=120)
    last_name = forms.CharField(label=_("Last name"), max_length=120)
    phone = forms.CharField(label=_("Phone"), max_length=32, widget=forms.TextInput(attrs={"type": "tel"}))
    language = _language_field()
    exposure_type = forms.ChoiceField(label=_("Exposure type"), choices=[("", "—")] + Exposure.Type.choices)
    last_exposure_date = forms.DateField(label=_("Last exposure date"), widget=DateInput())

    def __init__(self, *args, territory: Territory | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory

    def clean_phone(self) -> str:
        return _parse_phone(self.cleaned_data["phone"], self.territory)

    def clean_last_exposure_date(self) -> date:
        return _not_in_future(self.cleaned_data["last_exposure_date"], self.territory)

    def contact_data(self) -> ContactData:
        data = self.cleaned_data
        return ContactData(
            person=PersonData(
                first_name=data["first_name"], last_name=data["last_name"], phones=[data["phone"]], language=data["language"]
            ),
            exposure_type=data["exposure_type"],
            last_exposure_date=data["last_exposure_date"],
        )


class BaseContactFormSet(forms.BaseFormSet):
    def contacts(self) -> list[ContactData]:
        return [form.contact_data() for form in self.forms if form.has_changed() and form.cleaned_data]


ContactFormSet = forms.formset_factory(
    ContactForm,
    formset=BaseContactFormSet,
    extra=1,
    max_num=MAX_CONTACTS,
    validate_max=True,
    absolute_max=MAX_CONTACTS,
)


class ContactImportForm(forms.Form):
    territory = forms.ModelChoiceField(queryset=Territory.objects.none(), label=_("Territory"))
    file = forms.FileField(label=_("CSV file"), widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}))

    def __init__(self, *args, territory: Territory | None = None, territories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_territory = territory
        if territory is not None:
            del self.fields["territory"]
        else:
            self.fields["territory"].queryset = territories if territories is not None else Territory.objects.all()

    def chosen_territory(self) -> Territory:
        return self.fixed_territory or self.cleaned_data["territory"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before reading, so an oversized upload is never loaded in memory.
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(too_large_message(), code="too_large")
        return upload
