"""Forms of the recruitment pages: they read and check what people type; services do the writing."""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents import roles
from agents.forms import (
    LanguageChoiceField,
    LanguageMultipleChoiceField,
    TerritoryChoiceForm,
)
from agents.models import Plateau, Team, Territory
from common.bounds import check_plain_date, check_plain_moment
from common.phones import to_e164
from common.widgets import DateInput
from workforce.models.contracts import Contract
from workforce.models.recruitment import Candidate, TrainingSession
from workforce.selectors.recruitment import hire_suggestions
from workforce.services.candidate_import import MAX_FILE_BYTES, too_large_message
from workforce.services.recruitment import (
    CDD_MONTHS,
    CandidateData,
    hiring_errors,
    open_candidate_phones,
)

ROLE_LABELS = {
    roles.TELECONSEILLER: _("Call agent"),
    roles.SUPERVISEUR: _("Supervisor"),
    roles.ADMIN_CPAM: _("CPAM admin"),
}
LOCAL_DATETIME = "%Y-%m-%dT%H:%M"


def _note_field() -> forms.CharField:
    return forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CandidateForm(TerritoryChoiceForm):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, widget=forms.TextInput(attrs={"type": "tel"})
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    languages = LanguageMultipleChoiceField(
        label=_("Languages"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=Candidate.Source.choices, initial=Candidate.Source.JOB_BOARD
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["languages"].pin_for(self.fixed_territory)

    def clean_phone(self) -> str:
        territory = self.chosen_territory()
        phone = to_e164(
            self.cleaned_data["phone"], region=territory.phone_region if territory else "FR"
        )
        if territory is not None and open_candidate_phones(territory=territory, phones=[phone]):
            raise ValidationError(
                _("A candidate with this phone is already open."), code="duplicate"
            )
        return phone

    def candidate_data(self) -> CandidateData:
        data = self.cleaned_data
        return CandidateData(
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            phone=data["phone"],
            email=data["email"],
            languages=list(data["languages"]),
            source=data["source"],
            notes=data["notes"],
        )


class CandidateFilterForm(forms.Form):
    """The filters of the candidate list; anything invalid is ignored rather than refused."""

    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages"))] + Candidate.Stage.choices
    )
    language = LanguageChoiceField(
        label=_("Language"),
        required=False,
        empty_label=_("All languages"),
        to_field_name="code",
    )
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[("", _("All sources"))] + Candidate.Source.choices,
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"stage": "", "language": "", "source": "", "search": ""}
        data = self.cleaned_data
        language = data["language"]
        return {
            "stage": data["stage"],
            "language": language.code if language else "",
            "source": data["source"],
            "search": data["q"].strip(),
        }


class ScheduleAssessmentForm(forms.Form):
    assessment_at = forms.DateTimeField(
        validators=[check_plain_moment],
        label=_("Phone assessment at"),
        input_formats=[LOCAL_DATETIME, "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_DATETIME),
        help_text=_("In the territory's time zone."),
    )
    note = _note_field()

    def __init__(self, *args, territory: Territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory

    def clean_assessment_at(self) -> datetime:
        # Django read the time in the server's zone; what was typed is the territory's local time.
        value = timezone.make_naive(self.cleaned_data["assessment_at"])
        return value.replace(tzinfo=self.territory.zone)


class AssessmentForm(forms.Form):
    score = forms.IntegerField(label=_("Score (0 to 100)"), min_value=0, max_value=100)
    passed = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("1", _("Passed")), ("0", _("Failed"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = _note_field()


class EnrolForm(forms.Form):
    training_session = forms.ModelChoiceField(
        queryset=TrainingSession.objects.none(), label=_("Training session")
    )
    note = _note_field()

    def __init__(self, *args, sessions: list[TrainingSession], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["training_session"]
        field.queryset = TrainingSession.objects.filter(pk__in=[session.pk for session in sessions])
        # The choices come from the list the page already read, with its free seats.
        field.choices = [("", "—")] + [
            (
                session.pk,
                _("%(session)s: %(free)d seat(s) free")
                % {"session": session, "free": session.capacity - session.seats_taken},
            )
            for session in sessions
        ]


class HireForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Temporary password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Give it to the new agent, who should change it."),
    )
    plateau = forms.ModelChoiceField(queryset=Plateau.objects.none(), label=_("Plateau"))
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("Team"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=list(ROLE_LABELS.items()), initial=roles.TELECONSEILLER
    )
    contract_kind = forms.ChoiceField(
        label=_("Contract"), choices=Contract.Kind.choices, initial=Contract.Kind.CDD
    )
    months = forms.TypedChoiceField(
        label=_("Length of the CDD"),
        choices=[("", "—")]
        + [(str(months), _("%(months)d months") % {"months": months}) for months in CDD_MONTHS],
        coerce=int,
        empty_value=None,
        required=False,
        initial="3",
    )
    start_on = forms.DateField(
        validators=[check_plain_date], label=_("First day"), widget=DateInput()
    )
    note = _note_field()

    def __init__(self, *args, candidate: Candidate, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        if not self.is_bound:
            # What the admin would type anyway: a free username, the only plateau there is.
            for name, value in hire_suggestions(candidate=candidate).items():
                self.initial.setdefault(name, value)
        self.fields["plateau"].queryset = Plateau.objects.filter(
            territory_id=candidate.territory_id
        )
        self.fields["team"].queryset = Team.objects.filter(
            plateau__territory_id=candidate.territory_id
        ).select_related("plateau")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        errors = hiring_errors(
            candidate=self.candidate,
            username=cleaned["username"],
            password=cleaned["password"],
            plateau=cleaned["plateau"],
            team=cleaned["team"],
            role=cleaned["role"],
            contract_kind=cleaned["contract_kind"],
            months=cleaned["months"],
            start_on=cleaned["start_on"],
        )
        for field, messages in errors.items():
            self.add_error(field if field in self.fields else None, messages)
        return cleaned


class NoteForm(forms.Form):
    note = _note_field()


class TrainingSessionForm(TerritoryChoiceForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    plateau = forms.ModelChoiceField(
        queryset=Plateau.objects.none(), label=_("Plateau"), required=False
    )
    starts_on = forms.DateField(
        validators=[check_plain_date], label=_("First day"), widget=DateInput()
    )
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=30, initial=2)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500)

    def __init__(self, *args, territory: Territory | None = None, territories=None, **kwargs):
        super().__init__(*args, territory=territory, territories=territories, **kwargs)
        plateaux = Plateau.objects.select_related("territory")
        if territory is not None:
            plateaux = plateaux.filter(territory=territory)
        elif territories is not None:
            plateaux = plateaux.filter(territory__in=territories)
        self.fields["plateau"].queryset = plateaux

    def clean(self):
        cleaned = super().clean()
        territory, plateau = self.chosen_territory(), cleaned.get("plateau")
        if territory is not None and plateau is not None and plateau.territory_id != territory.pk:
            self.add_error("plateau", _("This plateau belongs to another territory."))
        return cleaned


class CandidateImportForm(TerritoryChoiceForm):
    file = forms.FileField(
        label=_("CSV file"), widget=forms.FileInput(attrs={"accept": ".csv,text/csv"})
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before reading, so an oversized upload is never loaded in memory.
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(too_large_message(), code="too_large")
        return upload
