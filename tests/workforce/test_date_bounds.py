"""Dates of year 1 or 9999 in the rota, payroll and report pages and the shift API: 400 by field,
or this week for ?week= (as for any unreadable week), never a 500."""

from django.urls import reverse

from tests.api.test_shifts import LIST_URL, ShiftsApiTestCase
from workforce.models.rota import Shift

FAR_DATES = ("0001-01-01", "9999-12-31")


class ShiftApiDateBoundsTests(ShiftsApiTestCase):
    def test_it_refuses_a_far_day_and_writes_nothing(self):
        api = self.login(self.carol)
        before = Shift.objects.count()
        for value in FAR_DATES:
            with self.subTest(day=value):
                response = api.post(LIST_URL, self.body(day=value), format="json")
                self.assertEqual(response.status_code, 400)
                self.assertEqual(list(response.json()), ["day"])
        self.assertEqual(Shift.objects.count(), before)

    def test_it_refuses_far_list_filters(self):
        api = self.login(self.carol)
        for value in FAR_DATES:
            for name in ("from", "to"):
                with self.subTest(**{name: value}):
                    response = api.get(LIST_URL, {name: value})
                    self.assertEqual(response.status_code, 400)
                    self.assertIn(name, response.json())


class PageDateBoundsTests(ShiftsApiTestCase):
    def test_the_rota_shows_this_week_for_a_far_week(self):
        self.client.force_login(self.carol)
        url = reverse("workforce:plateau-rota", args=[self.saint_denis.pk])
        for value in FAR_DATES:
            with self.subTest(week=value):
                self.assertEqual(self.client.get(url, {"week": value}).status_code, 200)

    def test_payroll_refuses_a_far_month(self):
        # As for any bad month: the export answers 400, the page shows the form's error.
        self.client.force_login(self.carol)
        for value in ("0001-01", "9999-12"):
            with self.subTest(month=value):
                response = self.client.get(reverse("workforce:payroll-export"), {"month": value})
                self.assertEqual(response.status_code, 400)
                response = self.client.get(reverse("workforce:payroll"), {"month": value})
                self.assertIn("month", response.context["form"].errors)

    def test_reports_refuse_a_far_range(self):
        self.client.force_login(self.bob)
        for url_name in (
            "supervision:sla-report",
            "supervision:sla-report-csv",
            "supervision:productivity-report",
            "supervision:productivity-report-csv",
        ):
            for params in (
                {"start": "0001-01-01", "end": "0001-01-02"},
                {"start": "9999-12-30", "end": "9999-12-31"},
                {"end": "0001-01-01"},
            ):
                with self.subTest(url=url_name, **params):
                    response = self.client.get(reverse(url_name), params)
                    # As for any bad range: the CSV answers 400, the page shows the form's error.
                    if url_name.endswith("-csv"):
                        self.assertEqual(response.status_code, 400)
                    else:
                        self.assertEqual(response.status_code, 200)
                        self.assertEqual(
                            set(response.context["form"].errors), set(params) & {"start", "end"}
                        )


class StaffingDateBoundsTests(ShiftsApiTestCase):
    def test_the_staffing_page_never_fails_on_a_far_start(self):
        self.client.force_login(self.carol)
        for value in FAR_DATES:
            with self.subTest(start=value):
                response = self.client.get(reverse("workforce:staffing"), {"start": value})
                # As for any bad start: the page shows the form's error.
                self.assertEqual(response.status_code, 200)
                self.assertIn("start", response.context["horizon_form"].errors)

    def test_my_week_never_fails_on_a_far_week(self):
        self.client.force_login(self.alice)
        for value in FAR_DATES:
            with self.subTest(week=value):
                response = self.client.get(reverse("workforce:my-week"), {"week": value})
                self.assertEqual(response.status_code, 200)
