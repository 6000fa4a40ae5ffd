"""The filters of the integrity page: read from the query string, checked, never a 500."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.models import Agent
from common.widgets import DateInput
from integrity.models import Finding

STATE_OPEN = "open"
STATE_ACKNOWLEDGED = "acknowledged"
STATE_ALL = "all"
# The employer filter: every agent not employed by a provider, every provider's agents, one
# provider's ("provider:Acme"), or no agent known, besides the Agent.Employer values themselves.
EMPLOYER_IN_HOUSE = "in_house"
EMPLOYER_PROVIDERS = "providers"
# The carrier's calls made outside the desk, whose agent is unknown.
EMPLOYER_UNKNOWN = "unknown"
PROVIDER_PREFIX = "provider:"
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
    employer = forms.ChoiceField(label=_("Employer"), required=False)
    state = forms.ChoiceField(
        label=_("Acknowledgement"),
        required=False,
        choices=[
            (STATE_OPEN, _("Not acknowledged")),
            (STATE_ACKNOWLEDGED, _("Acknowledged")),
            (STATE_ALL, _("All")),
        ],
    )

    def __init__(self, *args, providers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # Only the providers of the user's territories can be chosen.
        employer = self.fields["employer"]
        assert isinstance(employer, forms.ChoiceField)
        employer.choices = [
            ("", _("All employers")),
            (EMPLOYER_IN_HOUSE, _("In-house staff")),
            (Agent.Employer.CNAM, Agent.Employer.CNAM.label),
            (Agent.Employer.FIXED_TERM, _("Fixed-term recruits")),
            (EMPLOYER_PROVIDERS, _("All providers")),
            *(
                [(_("Providers"), [(f"{PROVIDER_PREFIX}{p}", p) for p in providers])]
                if providers
                else []
            ),
            (EMPLOYER_UNKNOWN, _("No agent known")),
        ]

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
