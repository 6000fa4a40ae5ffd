from datetime import date, time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from agents.models import OpeningHours
from tests.base import make_user
from tests.workforce.test_rota_pages import make_shift
from tests.workforce.test_rota_services import MONDAY, RotaTestCase
from workforce.models.rota import Shift
from workforce.services.rota import assign_shift

LIST_URL = reverse("api:shifts")
ME_URL = reverse("api:my-shifts")


class ShiftsApiTestCase(RotaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.shift = assign_shift(
            agent=cls.alice.agent,
            plateau=cls.saint_denis,
            day=MONDAY,
            starts_at=time(9),
            ends_at=time(12),
            by=cls.carol,
        )
        cls.bob_shift = make_shift(cls.bob.agent, cls.saint_denis, MONDAY + timedelta(days=1))
        cls.zoe_shift = make_shift(cls.zoe.agent, cls.reunion, MONDAY)

    def setUp(self):
        self.api = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    def login(self, user) -> APIClient:
        self.api.force_authenticate(user)
        return self.api

    def body(self, **changes) -> dict:
        return {
            "agent": self.alice.agent.pk,
            "plateau": self.saint_denis.pk,
            "day": "2026-10-06",
            "starts_at": "13:00",
            "ends_at": "17:00",
            **changes,
        }

    def week(self) -> dict:
        return {"from": MONDAY.isoformat(), "to": (MONDAY + timedelta(days=6)).isoformat()}


class ListShiftsTests(ShiftsApiTestCase):
    def test_it_lists_the_territorys_shifts_to_a_supervisor(self):
        response = self.login(self.bob).get(LIST_URL, self.week())
        self.assertEqual(response.status_code, 200)
        self.assertEqual([row["id"] for row in response.json()], [self.shift.pk, self.bob_shift.pk])
        first = response.json()[0]
        self.assertEqual(first["agent_username"], "alice")
        self.assertEqual(first["day"], "2026-10-05")
        self.assertEqual(first["starts_at"], "2026-10-05T09:00:00+02:00")
        self.assertEqual(first["scheduled_minutes"], 180)

    def test_it_lists_only_their_own_shifts_to_a_teleconseiller(self):
        response = self.login(self.alice).get(LIST_URL, self.week())
        self.assertEqual([row["id"] for row in response.json()], [self.shift.pk])

    def test_it_filters_by_plateau_and_hides_another_territorys(self):
        other = make_user("other", "teleconseiller", territory=self.t93)
        make_shift(other.agent, self.saint_denis, MONDAY)
        response = self.login(self.carol).get(
            LIST_URL, {**self.week(), "plateau": self.saint_denis.pk}
        )
        self.assertEqual(len(response.json()), 3)
        self.assertEqual(
            self.login(self.dave)
            .get(LIST_URL, {**self.week(), "plateau": self.saint_denis.pk})
            .status_code,
            404,
        )
        self.assertEqual(self.login(self.dave).get(LIST_URL, self.week()).json(), [])

    def test_it_answers_bad_filters_with_400(self):
        api = self.login(self.carol)
        for params in (
            {"from": "2026-10-12", "to": "2026-10-05"},
            {"from": "2026-01-01", "to": "2026-12-31"},
            {"from": "x"},
            {"plateau": 2**63},
        ):
            with self.subTest(params=params):
                self.assertEqual(api.get(LIST_URL, params).status_code, 400)

    def test_it_defaults_to_the_week_of_from(self):
        response = self.login(self.carol).get(LIST_URL, {"from": MONDAY.isoformat()})
        self.assertEqual(len(response.json()), 2)

    def test_it_reads_a_constant_number_of_queries(self):
        api = self.login(self.carol)
        api.get(
            LIST_URL, self.week()
        )  # the user's role and territory are cached on it after the first request
        with CaptureQueriesContext(connection) as few:
            api.get(LIST_URL, self.week())
        for n in range(4):
            user = make_user(f"extra{n}", "teleconseiller", territory=self.t93)
            make_shift(user.agent, self.saint_denis, MONDAY)
        with self.assertNumQueries(len(few.captured_queries)):
            response = api.get(LIST_URL, self.week())
        self.assertEqual(len(response.json()), 6)


class AssignShiftApiTests(ShiftsApiTestCase):
    def test_it_assigns_a_shift(self):
        response = self.login(self.carol).post(LIST_URL, self.body(break_minutes=15), format="json")
        self.assertEqual(response.status_code, 201, response.json())
        shift = Shift.objects.get(pk=response.json()["id"])
        self.assertEqual(
            (shift.day, shift.break_minutes, shift.created_by), (date(2026, 10, 6), 15, self.carol)
        )
        self.assertEqual(response.json()["ends_at"], "2026-10-06T17:00:00+02:00")

    def test_it_answers_bad_fields_with_400(self):
        api = self.login(self.carol)
        cases = [
            ({"starts_at": "25:00"}, "starts_at"),
            ({"ends_at": "09:00"}, "ends_at"),
            ({"day": "tomorrow"}, "day"),
            ({"break_minutes": 600}, "break_minutes"),
            ({"agent": 999999}, "agent"),
        ]
        for changes, field in cases:
            with self.subTest(changes=changes):
                response = api.post(LIST_URL, self.body(**changes), format="json")
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.json())
        self.assertEqual(Shift.objects.count(), 3)

    def test_it_answers_a_rule_refused_with_409(self):
        OpeningHours.objects.filter(territory=self.t93, weekday=6).delete()
        api = self.login(self.carol)
        cases = [
            (
                {"day": MONDAY.isoformat(), "starts_at": "11:00", "ends_at": "13:00"},
                "shift_overlap",
            ),
            ({"day": "2026-09-29"}, "shift_outside_contract"),
            ({"starts_at": "16:00", "ends_at": "18:00"}, "shift_outside_opening_hours"),
            ({"day": "2026-10-11"}, "floor_closed"),
        ]
        for changes, code in cases:
            with self.subTest(code=code):
                response = api.post(LIST_URL, self.body(**changes), format="json")
                self.assertEqual(response.status_code, 409)
                self.assertEqual(response.json()["code"], code)
        self.assertEqual(Shift.objects.count(), 3)

    def test_it_refuses_an_agent_or_plateau_of_another_territory_with_403(self):
        api = self.login(self.dave)
        self.assertEqual(api.post(LIST_URL, self.body(), format="json").status_code, 403)
        api = self.login(self.carol)
        self.assertEqual(
            api.post(LIST_URL, self.body(agent=self.zoe.agent.pk), format="json").status_code, 403
        )
        self.assertEqual(
            api.post(LIST_URL, self.body(plateau=self.paris_plateau.pk), format="json").status_code,
            403,
        )
        self.assertEqual(Shift.objects.count(), 3)

    def test_it_refuses_other_roles_and_anonymous(self):
        for user in (self.alice, self.bob, self.labfeed):
            with self.subTest(user=user.username):
                self.assertEqual(
                    self.login(user).post(LIST_URL, self.body(), format="json").status_code, 403
                )
        self.api.force_authenticate(None)
        self.assertEqual(self.api.post(LIST_URL, self.body(), format="json").status_code, 401)
        self.assertEqual(self.api.get(LIST_URL).status_code, 401)
        self.assertEqual(self.login(self.labfeed).get(LIST_URL).status_code, 403)
        self.assertEqual(Shift.objects.count(), 3)

    def test_it_refuses_other_methods(self):
        api = self.login(self.carol)
        self.assertEqual(api.put(LIST_URL, {}, format="json").status_code, 405)
        self.assertEqual(api.delete(LIST_URL).status_code, 405)


class RemoveShiftApiTests(ShiftsApiTestCase):
    def url(self, shift) -> str:
        return reverse("api:shift", args=[shift.pk])

    def test_it_removes_a_shift(self):
        response = self.login(self.carol).delete(self.url(self.shift))
        self.assertEqual(response.status_code, 204)
        self.assertFalse(Shift.objects.filter(pk=self.shift.pk).exists())

    def test_it_hides_a_shift_of_another_territory(self):
        self.assertEqual(self.login(self.dave).delete(self.url(self.shift)).status_code, 404)
        self.assertTrue(Shift.objects.filter(pk=self.shift.pk).exists())

    def test_it_refuses_other_roles_anonymous_and_methods(self):
        for user in (self.alice, self.bob):
            self.assertEqual(self.login(user).delete(self.url(self.shift)).status_code, 403)
        self.api.force_authenticate(None)
        self.assertEqual(self.api.delete(self.url(self.shift)).status_code, 401)
        self.assertEqual(self.login(self.carol).get(self.url(self.shift)).status_code, 405)
        self.assertTrue(Shift.objects.filter(pk=self.shift.pk).exists())


class MyShiftsApiTests(ShiftsApiTestCase):
    def test_it_lists_my_shifts_of_a_week(self):
        response = self.login(self.alice).get(ME_URL, {"week": "2026-10-07"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual([row["id"] for row in response.json()], [self.shift.pk])
        self.assertEqual(
            self.login(self.zoe).get(ME_URL, {"week": "2026-10-07"}).json()[0]["id"],
            self.zoe_shift.pk,
        )

    def test_it_refuses_anonymous_users_without_a_profile_and_other_methods(self):
        self.assertEqual(self.api.get(ME_URL).status_code, 401)
        self.assertEqual(self.login(self.root).get(ME_URL).status_code, 403)
        self.assertEqual(self.login(self.labfeed).get(ME_URL).status_code, 403)
        self.assertEqual(self.login(self.alice).post(ME_URL, {}, format="json").status_code, 405)
