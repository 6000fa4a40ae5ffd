"""The forms of the provider invoice pages: the import, a rate, a decision on a line."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.widgets import DateInput, MonthInput
from integrity.invoice_models import InvoiceLine, ProviderRate
from integrity.invoices import MAX_FILE_BYTES, NOTE_MAX_LENGTH, too_large_message


class InvoiceImportForm(forms.Form):
    provider = forms.ChoiceField(label=_("Provider"))
    month = forms.DateField(
        label=_("Month billed"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MonthInput
    )
    file = forms.FileField(
        label=_("CSV file"), widget=forms.FileInput(attrs={"accept": ".csv,text/csv"})
    )

    def __init__(self, *args, providers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(name, name) for name in providers]

    def clean_month(self) -> date:
        month = self.cleaned_data["month"]
        if not 2000 <= month.year <= 2100:
            raise ValidationError(_("Choose a month between 2000 and 2100."))
        return month.replace(day=1)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before reading, so an oversized upload is never loaded in memory.
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(too_large_message(), code="too_large")
        return upload


class ProviderRateForm(forms.ModelForm):
    class Meta:
        model = ProviderRate
        fields = ["provider", "hourly_rate", "per_call_rate", "valid_from", "valid_to"]
        widgets = {"valid_from": DateInput, "valid_to": DateInput}

    def __init__(self, *args, territory, providers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.instance.territory = territory
        current = self.instance.provider if self.instance.pk else ""
        names = sorted(set(providers) | ({current} if current else set()))
        self.fields["provider"] = forms.ChoiceField(
            label=_("Provider"),
            choices=[(name, name) for name in names],
            help_text=_("The provider's name exactly as on its agents' profiles."),
        )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and not 2000 <= start.year <= 2100:
            self.add_error("valid_from", _("Choose a day between 2000 and 2100."))
        if start and end and end < start:
            self.add_error("valid_to", _("The end is before the start."))
        provider = data.get("provider")
        if start and provider:
            # Two rates of one provider must not both cover a day.
            others = ProviderRate.objects.filter(territory=self.territory, provider=provider)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            for other in others:
                if other.valid_from <= (end or date.max) and start <= (other.valid_to or date.max):
                    raise ValidationError(
                        _("This period overlaps the rate from %(start)s of this provider.")
                        % {"start": other.valid_from.strftime("%d/%m/%Y")}
                    )
        return data


class LineDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=InvoiceLine.Decision.choices)
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX_LENGTH, strip=True)
