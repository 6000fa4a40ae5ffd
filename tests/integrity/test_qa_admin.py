"""Scorecards are national reference data: a national admin edits them in the Django admin (the
weights must sum to 100), a CPAM admin only reads them."""

from django.urls import reverse

from agents import roles
from integrity.models import Criterion, Scorecard
from tests.base import PersonasTestCase, make_user


class ScorecardAdminTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.nina = make_user("nina", roles.ADMIN_NATIONAL)
        cls.nina.is_staff = True
        cls.nina.save(update_fields=["is_staff"])
        cls.card = Scorecard.objects.get(territory__isnull=True)

    def change_url(self) -> str:
        return reverse("admin:integrity_scorecard_change", args=[self.card.pk])

    def post(self, weights: list[int]):
        criteria = list(self.card.criteria.all())
        data = {
            "name": "Grille nationale v2",
            "territory": "",
            "active": "on",
            "criteria-TOTAL_FORMS": str(len(criteria)),
            "criteria-INITIAL_FORMS": str(len(criteria)),
            "criteria-MIN_NUM_FORMS": "0",
            "criteria-MAX_NUM_FORMS": "1000",
        }
        for i, (criterion, weight) in enumerate(zip(criteria, weights, strict=True)):
            data |= {
                f"criteria-{i}-id": str(criterion.pk),
                f"criteria-{i}-scorecard": str(self.card.pk),
                f"criteria-{i}-order": str(criterion.order),
                f"criteria-{i}-label_fr": criterion.label_fr,
                f"criteria-{i}-label_en": criterion.label_en,
                f"criteria-{i}-weight": str(weight),
            }
        return self.client.post(self.change_url(), data)

    def test_a_national_admin_changes_the_weights_which_must_sum_to_100(self):
        self.client.force_login(self.nina)
        response = self.post([20, 20, 20, 20, 30])
        self.assertEqual(response.status_code, 200)
        formset = response.context["inline_admin_formsets"][0].formset
        self.assertTrue(formset.non_form_errors())
        self.assertEqual(
            sorted(Criterion.objects.values_list("weight", flat=True)), [15, 15, 20, 25, 25]
        )
        response = self.post([20, 20, 20, 20, 20])
        self.assertEqual(response.status_code, 302)
        self.card.refresh_from_db()
        self.assertEqual(self.card.name, "Grille nationale v2")
        self.assertEqual(list(Criterion.objects.values_list("weight", flat=True)), [20] * 5)

    def test_a_cpam_admin_reads_but_cannot_change(self):
        self.client.force_login(self.carol)
        self.assertEqual(
            self.client.get(reverse("admin:integrity_scorecard_changelist")).status_code, 200
        )
        self.assertEqual(self.client.get(self.change_url()).status_code, 200)
        self.assertEqual(self.post([20] * 5).status_code, 403)
        self.assertEqual(self.client.get(reverse("admin:integrity_scorecard_add")).status_code, 403)
        self.assertEqual(
            sorted(Criterion.objects.values_list("weight", flat=True)), [15, 15, 20, 25, 25]
        )
