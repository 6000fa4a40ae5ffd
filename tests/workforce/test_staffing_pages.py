"""Staffing pages: access by role and territory, the table, the parameters form and the grid of
expected volumes (bad input shows errors and saves nothing)."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agents.models import Agent, Territory
from tests.workforce.test_staffing import StaffingFixture
from workforce.models.staffing import StaffingParameters, VolumeForecast

STAFFING = reverse("workforce:staffing")
PARAMETERS = reverse("workforce:staffing-parameters")
FORECASTS = reverse("workforce:volume-forecasts")

VALID_PARAMETERS = {
    "index_handle_minutes": "40",
    "contact_handle_minutes": "20",
    "use_observed_handle_times": "",
    "attempts_per_contact": "2",
    "unanswered_attempt_minutes": "2.5",
    "occupancy": "0.80",
    "shrinkage": "0.25",
    "paid_hours_per_day": "8",
}


def grid_data(response, **changes) -> dict:
    """Return the grid's POST data as the page shows it; changes: {"fr-2026-11-26": {"contacts":
    9}}."""
    formset = response.context["formset"]
    data = {
        f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()
    }
    for form in formset:
        initial = dict(form.initial)
        key = f"{initial['language']}-{initial['day'].isoformat()}"
        initial.update(changes.get(key, {}))
        for name, value in initial.items():
            if name == "use_observed":
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = "" if value is None else str(value)
    return data


class StaffingAccessTests(StaffingFixture):
    def test_it_sends_anonymous_users_to_the_login_page(self):
        for method, url in (
            ("get", STAFFING),
            ("post", PARAMETERS),
            ("get", FORECASTS),
            ("post", FORECASTS),
        ):
            with self.subTest(url=url, method=method):
                response = getattr(self.client, method)(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_a_teleconseiller_and_a_lab_feed(self):
        for user in (self.alice, self.labfeed):
            self.client.force_login(user)
            for method, url in (
                ("get", STAFFING),
                ("post", PARAMETERS),
                ("get", FORECASTS),
                ("post", FORECASTS),
            ):
                with self.subTest(user=user.username, url=url, method=method):
                    self.assertEqual(getattr(self.client, method)(url).status_code, 403)

    def test_it_shows_a_superviseur_the_table_read_only(self):
        self.client.force_login(self.bob)
        response = self.client.get(STAFFING)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["table"].territory, self.t93)
        self.assertNotIn("parameters_form", response.context)
        self.assertNotContains(response, FORECASTS)
        self.assertEqual(self.client.post(PARAMETERS, VALID_PARAMETERS).status_code, 403)
        self.assertEqual(self.client.get(FORECASTS).status_code, 403)
        self.assertFalse(StaffingParameters.objects.exists())

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.carol)
        self.assertEqual(self.client.post(STAFFING).status_code, 405)
        self.assertEqual(self.client.get(PARAMETERS).status_code, 405)
        self.assertEqual(self.client.put(FORECASTS).status_code, 405)
        self.assertEqual(self.client.delete(FORECASTS).status_code, 405)

    def test_it_shows_an_admin_only_their_territory(self):
        self.client.force_login(self.dave)
        response = self.client.get(STAFFING, {"territory": self.t93.pk})
        table = response.context["table"]
        self.assertEqual(table.territory, self.t75)
        cell = self.cell(table, "fr", self.day0)
        self.assertEqual((cell.volume.index_cases, cell.volume.contacts), (2, 3))
        self.assertNotContains(response, "Seine-Saint-Denis")

    def test_it_ignores_a_territory_posted_by_an_admin(self):
        self.client.force_login(self.dave)
        forecast_93 = VolumeForecast.objects.get(territory=self.t93, language="fr", day=self.day0)
        grid = self.client.get(FORECASTS, {"territory": self.t93.pk})
        self.assertEqual(grid.context["territory"], self.t75)
        data = grid_data(
            grid, **{f"fr-{self.day0.isoformat()}": {"index_cases": 7, "contacts": 70}}
        )
        data["territory"] = str(self.t93.pk)
        response = self.client.post(f"{FORECASTS}?territory={self.t93.pk}", data)
        self.assertEqual(response.status_code, 302)
        forecast_93.refresh_from_db()
        self.assertEqual((forecast_93.index_cases, forecast_93.contacts), (20, 120))
        forecast_75 = VolumeForecast.objects.get(territory=self.t75, language="fr", day=self.day0)
        self.assertEqual((forecast_75.index_cases, forecast_75.contacts), (7, 70))

        self.client.post(
            f"{PARAMETERS}?territory={self.t93.pk}", {**VALID_PARAMETERS, "territory": self.t93.pk}
        )
        self.assertEqual(
            list(StaffingParameters.objects.values_list("territory", flat=True)), [self.t75.pk]
        )

    def test_it_lets_a_superuser_choose_a_territory(self):
        self.client.force_login(self.root)
        response = self.client.get(STAFFING)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("table", response.context)
        self.assertContains(response, f"{STAFFING}?territory={self.t974.pk}")
        self.assertEqual(self.client.get(STAFFING, {"territory": "x"}).status_code, 400)
        self.assertEqual(self.client.get(STAFFING, {"territory": "99999"}).status_code, 404)
        response = self.client.get(STAFFING, {"territory": self.t93.pk})
        self.assertEqual(response.context["table"].territory, self.t93)
        self.assertEqual(
            self.client.get(FORECASTS, {"territory": self.t75.pk}).context["territory"], self.t75
        )
        self.assertEqual(self.client.post(PARAMETERS, VALID_PARAMETERS).status_code, 400)
        self.assertFalse(StaffingParameters.objects.exists())
        response = self.client.post(f"{PARAMETERS}?territory={self.t974.pk}", VALID_PARAMETERS)
        self.assertRedirects(
            response, f"{STAFFING}?territory={self.t974.pk}", fetch_redirect_response=False
        )
        self.assertEqual(StaffingParameters.objects.get().territory, self.t974)

    def test_it_shows_an_empty_territory(self):
        self.client.force_login(self.root)
        empty = Territory.objects.create(
            code="976", name="CSS de Mayotte", timezone="Indian/Mayotte"
        )
        response = self.client.get(FORECASTS, {"territory": empty.pk})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["rows"], [])
        response = self.client.get(STAFFING, {"territory": empty.pk})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["table"].rows, [])
        today = timezone.localdate(timezone=empty.zone)
        self.assertContains(response, f'data-testid="total-{today.isoformat()}"')


class StaffingTablePageTests(StaffingFixture):
    def test_it_shows_the_figures_and_the_formula(self):
        self.client.force_login(self.carol)
        response = self.client.get(STAFFING)
        self.assertEqual(response.status_code, 200)
        day = self.day0.isoformat()
        self.assertContains(response, f'data-testid="cell-fr-{day}"')
        self.assertContains(response, f'data-testid="total-{day}"')
        self.assertContains(response, 'data-testid="staffing-method"')
        # The worked example: 2540 min = 42.333… h, shown rounded to 0.1 (with a French decimal
        # comma).
        cell = self.cell(response.context["table"], "fr", self.day0)
        self.assertEqual(cell.need.workload_hours, Decimal(2540) / 60)
        self.assertContains(response, '<td class="num">42,3</td>', html=False)
        self.assertContains(response, 'data-testid="workload-formula"')
        # The French gap of day 0 (2 on the rota − 11 needed) is a shortfall, in red.
        self.assertContains(
            response,
            '<td class="num staffing-gap--short" data-testid="gap-rota">-9</td>',
            html=False,
        )
        self.assertEqual(len(response.context["table"].days), 7)

    def test_it_shows_the_days_asked_for(self):
        self.client.force_login(self.carol)
        start = self.day0 + timedelta(days=2)
        response = self.client.get(STAFFING, {"start": start.isoformat(), "days": "3"})
        self.assertEqual(
            response.context["table"].days, [start + timedelta(days=n) for n in range(3)]
        )

    def test_it_answers_a_bad_horizon_with_a_form_error(self):
        self.client.force_login(self.carol)
        for params in ({"start": "tomorrow"}, {"days": "0"}, {"days": "400"}, {"days": "x"}):
            with self.subTest(params=params):
                response = self.client.get(STAFFING, params)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["horizon_form"].errors)
                self.assertNotIn("table", response.context)

    def test_it_reads_the_page_in_a_constant_number_of_queries(self):
        self.client.force_login(self.carol)
        self.client.get(STAFFING)  # the session's first read

        def count(**params) -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(STAFFING, params).status_code, 200)
            return len(queries)

        small = count(days=1)
        for code in ("ar", "snk", "zh"):
            VolumeForecast.objects.create(
                territory=self.t93, language_id=code, day=self.day0, contacts=10
            )
        self.caller("yann", ("ar", "fr", "zh"), employer=Agent.Employer.FIXED_TERM)
        self.assertEqual(count(days=21), small)
        # Session, user, roles, territory id and row, the table's 8 queries, and the header's agent
        # and territory.
        self.assertEqual(small, 15)


class StaffingParametersPageTests(StaffingFixture):
    def test_it_saves_the_parameters(self):
        self.client.force_login(self.carol)
        response = self.client.post(
            f"{PARAMETERS}?start={self.day0.isoformat()}&days=3", VALID_PARAMETERS
        )
        self.assertRedirects(
            response,
            f"{STAFFING}?start={self.day0.isoformat()}&days=3",
            fetch_redirect_response=False,
        )
        parameters = StaffingParameters.objects.get(territory=self.t93)
        self.assertEqual(parameters.index_handle_minutes, 40)
        self.assertFalse(parameters.use_observed_handle_times)
        self.assertEqual(parameters.occupancy, Decimal("0.80"))
        self.assertEqual(parameters.unanswered_attempt_minutes, Decimal("2.5"))
        # 8 × 0.80 × 0.75 = 4.8 h; 20 × 40 + 120 × 20 + (20 + 120) × (2 − 1) × 2.5
        # = 800 + 2400 + 350 = 3550 min = 59.166… h; 59.166… / 4.8 = 12.3… (12 × 4.8 = 57.6,
        # 13 × 4.8 = 62.4) → 13.
        table = self.client.get(STAFFING).context["table"]
        cell = self.cell(table, "fr", self.day0)
        self.assertEqual(cell.need.workload_hours, Decimal(3550) / 60)
        self.assertEqual(cell.need.agents_needed, 13)

    def test_it_refuses_bad_parameters_and_saves_nothing(self):
        self.client.force_login(self.carol)
        bad_values = {
            "occupancy": "1.5",
            "shrinkage": "0.95",
            "index_handle_minutes": "0",
            "contact_handle_minutes": "-3",
            "attempts_per_contact": "0.5",
            "unanswered_attempt_minutes": "31",
            "paid_hours_per_day": "",
        }
        for name, value in bad_values.items():
            with self.subTest(field=name):
                response = self.client.post(PARAMETERS, {**VALID_PARAMETERS, name: value})
                self.assertEqual(response.status_code, 200)
                self.assertIn(name, response.context["parameters_form"].errors)
                self.assertContains(response, "errorlist")
                self.assertIn("table", response.context)
        self.assertFalse(StaffingParameters.objects.exists())


class VolumeForecastPageTests(StaffingFixture):
    def test_it_prefills_the_grid_with_forecasts_and_observed_averages(self):
        self.client.force_login(self.carol)
        response = self.client.get(FORECASTS)
        self.assertEqual(response.status_code, 200)
        initial = {
            (f.initial["language"], f.initial["day"]): f.initial
            for f in response.context["formset"]
        }
        self.assertEqual(len(initial), 2 * 7)  # French and Turkish, 7 days
        fr0 = initial[("fr", self.day0)]
        self.assertEqual(
            (fr0["index_cases"], fr0["contacts"], fr0["use_observed"]), (20, 120, False)
        )
        tr3 = initial[("tr", self.day0 + timedelta(days=3))]
        self.assertEqual((tr3["index_cases"], tr3["contacts"], tr3["use_observed"]), (1, 3, True))

    def test_it_saves_typed_figures_and_clears_a_forecast_back_to_observed(self):
        self.client.force_login(self.carol)
        grid = self.client.get(FORECASTS)
        day1 = (self.day0 + timedelta(days=1)).isoformat()
        day2 = (self.day0 + timedelta(days=2)).isoformat()
        data = grid_data(
            grid,
            **{
                f"fr-{self.day0.isoformat()}": {"use_observed": True},
                f"tr-{day1}": {"contacts": 9},  # typed over the observed figures, box left ticked
                f"fr-{day2}": {"use_observed": False, "index_cases": 4, "contacts": 5},
            },
        )
        response = self.client.post(FORECASTS, data)
        self.assertRedirects(
            response,
            f"{STAFFING}?start={self.day0.isoformat()}&days=7",
            fetch_redirect_response=False,
        )
        saved = {
            (f.language_id, f.day.isoformat()): (f.index_cases, f.contacts)
            for f in VolumeForecast.objects.filter(territory=self.t93)
        }
        self.assertEqual(saved, {("tr", day1): (1, 9), ("fr", day2): (4, 5)})

    def test_it_refuses_bad_figures_and_saves_nothing(self):
        self.client.force_login(self.carol)
        grid = self.client.get(FORECASTS)
        day1 = (self.day0 + timedelta(days=1)).isoformat()
        cases = {
            "negative": {f"tr-{day1}": {"use_observed": False, "contacts": -1}},
            "too large": {f"tr-{day1}": {"use_observed": False, "contacts": 10**6}},
            "missing": {f"tr-{day1}": {"use_observed": False, "contacts": None}},
            "not a number": {f"tr-{day1}": {"use_observed": False, "contacts": "many"}},
        }
        for label, change in cases.items():
            with self.subTest(label):
                data = grid_data(
                    grid, **change, **{f"fr-{self.day0.isoformat()}": {"contacts": 130}}
                )
                response = self.client.post(FORECASTS, data)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["formset"].total_error_count())
                self.assertContains(response, "errorlist")
                forecast = VolumeForecast.objects.get(
                    territory=self.t93, language="fr", day=self.day0
                )
                self.assertEqual(forecast.contacts, 120)
                self.assertEqual(VolumeForecast.objects.filter(territory=self.t93).count(), 1)

    def test_it_refuses_a_tampered_grid(self):
        self.client.force_login(self.carol)
        grid = self.client.get(FORECASTS)
        outside = (self.day0 + timedelta(days=30)).isoformat()
        first = grid.context["formset"].forms[0]
        for label, data in {
            "day outside the horizon": {**grid_data(grid), first.add_prefix("day"): outside},
            "unknown language": {**grid_data(grid), first.add_prefix("language"): "xx"},
            "too many rows": {**grid_data(grid), "form-TOTAL_FORMS": "15"},
            "the same cell twice": {
                **grid_data(grid),
                first.add_prefix("day"): grid_data(grid)["form-1-day"],
            },
        }.items():
            with self.subTest(label):
                response = self.client.post(
                    FORECASTS,
                    {
                        **data,
                        first.add_prefix("contacts"): "77",
                        first.add_prefix("use_observed"): "",
                    },
                )
                self.assertEqual(response.status_code, 200)
                self.assertFalse(response.context["formset"].is_valid())
        self.assertEqual(VolumeForecast.objects.filter(territory=self.t93).count(), 1)

    def test_it_adds_a_language_to_the_grid(self):
        self.client.force_login(self.carol)
        grid = self.client.get(FORECASTS, {"language": "snk"})
        self.assertIn("snk", {form.initial["language"] for form in grid.context["formset"]})
        data = grid_data(
            grid,
            **{
                f"snk-{self.day0.isoformat()}": {
                    "use_observed": False,
                    "index_cases": 1,
                    "contacts": 6,
                }
            },
        )
        response = self.client.post(f"{FORECASTS}?language=snk", data)
        self.assertEqual(response.status_code, 302)
        forecast = VolumeForecast.objects.get(territory=self.t93, language="snk")
        self.assertEqual((forecast.day, forecast.index_cases, forecast.contacts), (self.day0, 1, 6))
