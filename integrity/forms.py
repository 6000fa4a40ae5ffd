"""The filters of the integrity page: read from the query string, checked, never a 500."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from common.widgets import DateInput
from integrity.models import Finding

STATE_OPEN = "open"
STATE_ACKNOWLEDGED = "acknowledged"
STATE_ALL = "all"
# A longer range is a query over years of findings for a page nobody reads to the end.
MAX_RANGE_DAYS = 366


class FindingFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *Finding.Kind.choices],
    )
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)
    state = forms.ChoiceField(
        label=_("Acknowledgement"),
        required=False,
        choices=[
            (STATE_OPEN, _("Not acknowledged")),
            (STATE_ACKNOWLEDGED, _("Acknowledged")),
            (STATE_ALL, _("All")),
        ],
    )

    def clean(self) -> dict:
        data = super().clean()
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end is before the start."))
            elif (end - start).days > MAX_RANGE_DAYS:
                self.add_error("end", _("Choose a range of at most a year."))
        data["state"] = data.get("state") or STATE_OPEN
        return data
