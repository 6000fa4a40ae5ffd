"""Issue 12 part 4: every date typed in the Django admin is within sane bounds (common.bounds),
as in the API and the pages; year 1 or 9999 is a form error, never a stored BC date."""

from datetime import UTC, date, datetime, timedelta

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.test import RequestFactory
from django.utils import timezone

from tests.base import PersonasTestCase
from workforce.models.contracts import Contract

OUT_OF_RANGE = {
    models.DateTimeField: (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)),
    models.DateField: (date(1, 1, 1), date(9999, 12, 31)),
}


class AdminDateBoundsTests(PersonasTestCase):
    def request(self, user):
        request = RequestFactory().get("/admin/")
        request.user = user
        return request

    def editable_date_fields(self):
        """(admin, field name, form field, model field) of every date a superuser can type."""
        request = self.request(self.root)
        for model, model_admin in admin.site._registry.items():
            forms = []
            if model_admin.has_add_permission(request) or model_admin.has_change_permission(
                request
            ):
                forms.append((model_admin, model, model_admin.get_form(request).base_fields))
            for inline in model_admin.get_inline_instances(request):
                if inline.has_change_permission(request) or inline.has_add_permission(
                    request, None
                ):
                    form = inline.get_formset(request).form
                    forms.append((inline, inline.model, form.base_fields))
            for owner, owner_model, fields in forms:
                for name, formfield in fields.items():
                    try:
                        field = owner_model._meta.get_field(name)
                    except Exception:
                        continue
                    if isinstance(field, models.DateField):
                        yield owner, name, formfield, field

    def test_every_editable_admin_date_refuses_year_1_and_9999(self):
        seen = []
        for owner, name, formfield, field in self.editable_date_fields():
            kind = (
                models.DateTimeField
                if isinstance(field, models.DateTimeField)
                else models.DateField
            )
            for value in OUT_OF_RANGE[kind]:
                with (
                    self.subTest(admin=type(owner).__name__, field=name, value=value),
                    self.assertRaises(ValidationError),
                ):
                    formfield.run_validators(value)
            seen.append(f"{field.model._meta.label}.{name}")
        # The walk found the dates people type (not an empty loop).
        for expected in (
            "cases.Person.birth_date",
            "cases.IndexCase.sampled_at",
            "cases.Exposure.last_exposure_date",
            "workforce.Contract.start_on",
            "cases.IsolationRuleSet.valid_from",
        ):
            self.assertIn(expected, seen)

    def test_a_birth_date_in_the_future_or_before_1900_is_refused_a_real_one_kept(self):
        fields = {f"{f.model._meta.label}.{n}": ff for _o, n, ff, f in self.editable_date_fields()}
        birth = fields["cases.Person.birth_date"]
        for value in (timezone.localdate() + timedelta(days=1), date(1899, 12, 31)):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                birth.run_validators(value)
        birth.run_validators(date(1950, 6, 1))

    def test_a_cpam_admin_gets_a_form_error_for_a_contract_starting_in_year_1(self):
        form_class = admin.site._registry[Contract].get_form(self.request(self.carol))
        form = form_class(
            data={"agent": self.alice.agent.pk, "kind": "cdd", "start_on": "0001-01-01"}
        )
        self.assertFalse(form.is_valid())
        self.assertIn("start_on", form.errors)
