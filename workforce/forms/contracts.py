"""Forms of the contracts pages: the list's filters, renewal, early end, conversion to a CDI, a
new contract, the bulk renewal's filters and selection, the headcount's territory."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from agents.models import Language, Plateau, Territory
from common.bounds import check_plain_date
from common.widgets import DateInput
from workforce.models.contracts import Contract
from workforce.selectors.contracts import STATUS_ACTIVE, STATUS_ENDED
from workforce.services.contracts import MAX_BULK_RENEWAL

# Further than a year ahead, "ending within" is every contract.
MAX_WINDOW_DAYS = 366


class ContractFilterForm(forms.Form):
    """The list's filters, read from the query string; a bad value is ignored, never a 500."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Contract.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Running or ended")),
            (STATUS_ACTIVE, _("Running")),
            (STATUS_ENDED, _("Ended")),
        ],
    )
    ending_within_days = forms.IntegerField(
        label=_("Ending within (days)"), required=False, min_value=0, max_value=MAX_WINDOW_DAYS
    )

    def __init__(self, data: QueryDict | None = None, **kwargs):
        super().__init__(data if data is not None else QueryDict(), **kwargs)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {
            "kind": self.cleaned_data["kind"],
            "status": self.cleaned_data["status"],
            "ending_within_days": self.cleaned_data["ending_within_days"],
        }


def override_reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason for going beyond the legal limits of a CDD"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only to go beyond them on purpose (a branch agreement, a court ruling…): the reason "
            "stays in the contract's history."
        ),
    )


class RenewContractForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Renew for"),
        coerce=int,
        choices=[(3, _("3 months")), (6, _("6 months"))],
    )
    override_reason = override_reason_field()


class EndContractForm(forms.Form):
    """The new last day; on confirmation, the shifts the admin saw cancelled (none: empty)."""

    end_on = forms.DateField(validators=[check_plain_date], label=_("Last day"), widget=DateInput())
    previewed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    shift = forms.Field(required=False, widget=forms.MultipleHiddenInput)

    def clean_shift(self) -> list[int]:
        try:
            return sorted({int(item) for item in self.cleaned_data["shift"] or []})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("These are not shift numbers.")) from None


class ConvertContractForm(forms.Form):
    start_on = forms.DateField(
        validators=[check_plain_date], label=_("First day of the CDI"), widget=DateInput()
    )


class AddContractForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Contract.Kind.choices)
    start_on = forms.DateField(
        validators=[check_plain_date], label=_("First day"), widget=DateInput()
    )
    end_on = forms.DateField(
        validators=[check_plain_date],
        label=_("Last day"),
        required=False,
        widget=DateInput(),
        help_text=_("Required for a CDD."),
    )
    override_reason = override_reason_field()


class HeadcountForm(forms.Form):
    """The territory of the headcount: only a superuser chooses one."""

    territory = forms.ModelChoiceField(
        queryset=Territory.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=None,
        label=_("Territory"),
    )


MONTHS_CHOICES = [(3, _("3 months")), (6, _("6 months"))]


class BulkRenewalFilterForm(forms.Form):
    """Which fixed-term contracts to renew together: a plateau's, ending by a day, in a language."""

    ending_by = forms.DateField(
        validators=[check_plain_date], label=_("Last day on or before"), widget=DateInput()
    )
    plateau = forms.ModelChoiceField(
        label=_("Plateau"), queryset=Plateau.objects.none(), required=False, empty_label=_("All")
    )
    language = forms.ModelChoiceField(
        label=_("Agents speaking"),
        queryset=Language.objects.all(),
        required=False,
        empty_label=_("Any language"),
    )
    months = forms.TypedChoiceField(
        label=_("Renew for"), coerce=int, choices=MONTHS_CHOICES, initial=3
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["plateau"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Plateau.objects.for_user(user).select_related("territory")


class ContractIdsField(forms.Field):
    """Contract ids, as many as ticked; the view looks them up in the user's territory (404 for
    another territory's)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        try:
            return sorted({int(item) for item in value or []})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("These are not contract numbers.")) from None


class BulkRenewalForm(forms.Form):
    """The contracts ticked in the preview, and the renewal's length."""

    contract = ContractIdsField(error_messages={"required": _("Tick at least one contract.")})
    months = forms.TypedChoiceField(coerce=int, choices=MONTHS_CHOICES)
    override_reason = override_reason_field()

    def clean_contract(self) -> list[int]:
        ids = self.cleaned_data["contract"]
        if len(ids) > MAX_BULK_RENEWAL:
            raise forms.ValidationError(
                _("At most %(max)d contracts at once.") % {"max": MAX_BULK_RENEWAL}
            )
        return ids
