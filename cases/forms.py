"""The contact form shared by the intake form and the desk's interview, and its field rules."""

from collections.abc import Callable
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.access import territory_today
from agents.forms import LanguageChoiceField
from agents.models import Territory
from cases.models import Exposure, Place
from cases.places import place_data
from cases.services import MAX_CONTACTS, ContactData, PersonData
from common.bounds import check_exposure_date
from common.phones import to_e164
from common.widgets import DateInput

CONTACTS_PREFIX = "contacts"


def language_field() -> LanguageChoiceField:
    return LanguageChoiceField(initial="fr", label=_("Language"))


def territory_today_or_server(territory: Territory | None) -> date:
    return territory_today(territory) if territory is not None else timezone.localdate()


def parse_phone(raw: str, territory: Territory | None) -> str:
    return to_e164(raw, region=territory.phone_region if territory is not None else "FR")


def checked_date(
    value: date | None, territory: Territory | None, check: Callable[..., date]
) -> date | None:
    """Run one of common.bounds' rules on an optional date, against today in the territory."""
    if value is None:
        return None
    return check(value, today=territory_today_or_server(territory))


class ContactForm(forms.Form):
    """One contact of the patient zéro; a row left empty is skipped."""

    first_name = forms.CharField(label=_("First name"), max_length=120)
    last_name = forms.CharField(label=_("Last name"), max_length=120)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, widget=forms.TextInput(attrs={"type": "tel"})
    )
    language = language_field()
    exposure_type = forms.ChoiceField(
        label=_("Exposure type"), choices=[("", "—")] + Exposure.Type.choices
    )
    last_exposure_date = forms.DateField(label=_("Last exposure date"), widget=DateInput())
    # Where it happened (optional): a school, a workplace, a nursing home… Clusters come from it.
    place_name = forms.CharField(label=_("Place of exposure"), max_length=200, required=False)
    place_type = forms.ChoiceField(
        label=_("Type of place"), choices=[("", "—")] + Place.Type.choices, required=False
    )
    place_address = forms.CharField(label=_("Address of the place"), max_length=255, required=False)
    place_postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)

    def __init__(
        self,
        *args,
        territory: Territory | None = None,
        default_language: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["language"].pin_for(territory)
        # A household often speaks one language: a new contact starts in the patient zéro's.
        if default_language:
            self.fields["language"].initial = default_language

    def clean_phone(self) -> str:
        return parse_phone(self.cleaned_data["phone"], self.territory)

    def clean_last_exposure_date(self) -> date:
        return checked_date(
            self.cleaned_data["last_exposure_date"], self.territory, check_exposure_date
        )

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["place"] = place_data(
                name=cleaned.get("place_name", ""),
                type=cleaned.get("place_type", ""),
                address=cleaned.get("place_address", ""),
                postcode=cleaned.get("place_postcode", ""),
            )
        except forms.ValidationError as exc:
            for field, errors in exc.error_dict.items():
                self.add_error(field, errors)
        return cleaned

    def contact_data(self) -> ContactData:
        data = self.cleaned_data
        return ContactData(
            person=PersonData(
                first_name=data["first_name"],
                last_name=data["last_name"],
                phones=[data["phone"]],
                language=data["language"],
            ),
            exposure_type=data["exposure_type"],
            last_exposure_date=data["last_exposure_date"],
            place=data.get("place"),
        )


class BaseContactFormSet(forms.BaseFormSet):
    def contacts(self) -> list[ContactData]:
        return [
            form.contact_data() for form in self.forms if form.has_changed() and form.cleaned_data
        ]


ContactFormSet = forms.formset_factory(
    ContactForm,
    formset=BaseContactFormSet,
    extra=1,
    max_num=MAX_CONTACTS,
    validate_max=True,
    absolute_max=MAX_CONTACTS,
)
