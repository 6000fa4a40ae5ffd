"""The form of the surge simulator and staffing planner page: a day, its volumes, the target."""

from datetime import date

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from common.bounds import check_plain_date
from common.widgets import DateInput
from workforce.forms.staffing import MAX_DAILY_VOLUME


class SimulatorForm(forms.Form):
    """A day of the territory, its expected volumes (prefilled from the forecasts, changed to
    try a surge) and the share within 24 h to reach."""

    day = forms.DateField(validators=[check_plain_date], label=_("Day"), widget=DateInput())
    index_cases = forms.IntegerField(
        label=_("Patients zéro expected"), min_value=0, max_value=MAX_DAILY_VOLUME
    )
    contacts = forms.IntegerField(
        label=_("Contacts expected"), min_value=0, max_value=MAX_DAILY_VOLUME
    )
    target = forms.IntegerField(
        label=_("Share within 24 h to reach (%)"), min_value=50, max_value=100, initial=99
    )

    def __init__(self, data: QueryDict | None, *, defaults: dict, **kwargs):
        # Bound with the defaults filled in: the form shows the scenario simulated.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        for name, value in defaults.items():
            if data.get(name) in (None, ""):
                data[name] = str(value)
        super().__init__(data, **kwargs)

    @staticmethod
    def defaults(*, day: date, index_cases: int, contacts: int) -> dict:
        return {
            "day": day.isoformat(),
            "index_cases": index_cases,
            "contacts": contacts,
            "target": 99,
        }
