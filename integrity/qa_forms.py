"""Forms of quality review: the list's filters, and a score per criterion of the scorecard."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.widgets import DateInput
from integrity.qa_models import SCORE_MAX, Criterion, Review

NOTES_MAX_LENGTH = 2000
STATE_ALL = "all"


class ReviewFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("To review first")), *Review.State.choices],
    )
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    agent = forms.TypedChoiceField(label=_("Agent"), required=False, coerce=int, empty_value=None)
    week = forms.DateField(
        label=_("Week of"), required=False, widget=DateInput, help_text=_("Any day of the week.")
    )

    def __init__(self, *args, teams, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("All teams")), *teams]
        self.fields["agent"].choices = [("", _("All agents")), *agents]


class ScoreForm(forms.Form):
    """One score per criterion (0 to SCORE_MAX), and notes; checked before anything is written."""

    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, criteria: list[Criterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        choices = [(str(n), str(n)) for n in range(SCORE_MAX + 1)]
        for criterion in criteria:
            self.fields[self.key(criterion)] = forms.TypedChoiceField(
                label=criterion.label,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                help_text=_("Weight %(weight)s") % {"weight": criterion.weight},
            )
        # The notes after the scores.
        self.order_fields([self.key(c) for c in criteria] + ["notes"])

    @staticmethod
    def key(criterion: Criterion) -> str:
        return f"criterion_{criterion.pk}"

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[self.key(c)] for c in self.criteria}
