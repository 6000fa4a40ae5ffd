"""Quality-review scorecards: national reference data, written by national admins only."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from agents.admin_scoping import NationalReferenceMixin
from integrity.qa_models import Criterion, Scorecard


class CriterionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        weights = [
            form.cleaned_data.get("weight") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if sum(weights) != 100:
            raise forms.ValidationError(
                _("The weights sum to %(total)s: they must sum to 100.") % {"total": sum(weights)}
            )


class CriterionInline(NationalReferenceMixin, admin.TabularInline):
    model = Criterion
    formset = CriterionFormSet
    fields = ("order", "label_fr", "label_en", "weight")
    extra = 0


@admin.register(Scorecard)
class ScorecardAdmin(NationalReferenceMixin, admin.ModelAdmin):
    list_display = ("name", "territory", "active")
    list_filter = ("active",)
    inlines = [CriterionInline]

    def has_delete_permission(self, request, obj=None):
        # A scorecard with reviews is retired (inactive), not deleted.
        return False
