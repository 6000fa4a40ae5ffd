"""Doctors (issue 16): their RPPS number, the postcode that names a patient's territory, their
accounts in the admin, and the staff scoping that gives them nothing."""

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from django.urls import reverse

from agents import roles
from agents.models import Agent, Doctor, Territory, scope_for_user, validate_rpps
from agents.postcodes import departement_of_postcode, territory_for_postcode
from cases.models import IndexCase, Person
from tests.base import PersonasTestCase, make_doctor, make_user

VALID_RPPS = "10003456786"


class RppsTests(SimpleTestCase):
    def test_it_accepts_eleven_digits_with_a_luhn_check_digit(self):
        for value in (VALID_RPPS, "10093012341", "10075123454"):
            with self.subTest(value=value):
                validate_rpps(value)

    def test_it_refuses_a_wrong_check_digit(self):
        with self.assertRaises(ValidationError) as raised:
            validate_rpps("10003456787")
        self.assertEqual(raised.exception.code, "rpps_check")

    def test_it_refuses_what_is_not_eleven_digits(self):
        for value in ("1000345678", "100034567860", "1000345678a", "", "１０００３４５６７８６"):
            with self.subTest(value=value), self.assertRaises(ValidationError) as raised:
                validate_rpps(value)
            self.assertEqual(raised.exception.code, "rpps_length")


class PostcodeTests(SimpleTestCase):
    def test_it_reads_the_departement_of_a_postcode(self):
        cases = {
            "93200": "93",
            "75011": "75",
            "01000": "01",
            "97400": "974",
            "97133": "971",
            "97600": "976",
            "20000": "2A",
            "20167": "2A",
            "20200": "2B",
            "20600": "2B",
            " 93200 ": "93",
        }
        for postcode, code in cases.items():
            with self.subTest(postcode=postcode):
                self.assertEqual(departement_of_postcode(postcode), code)

    def test_it_refuses_what_no_departement_has(self):
        for postcode in ("9320", "932000", "ABCDE", "00100", "97500", "97700", "20700"):
            with self.subTest(postcode=postcode), self.assertRaises(ValidationError):
                departement_of_postcode(postcode)


class TerritoryForPostcodeTests(PersonasTestCase):
    def test_it_finds_the_territory_of_the_departement(self):
        corse_sud = Territory.objects.create(
            code="2A", name="CPAM de Corse-du-Sud", timezone="Europe/Paris"
        )
        self.assertEqual(territory_for_postcode("93200"), self.t93)
        self.assertEqual(territory_for_postcode("97400"), self.t974)
        self.assertEqual(territory_for_postcode("20090"), corse_sud)

    def test_a_departement_without_a_territory_is_a_clear_error(self):
        for postcode in ("13001", "20200"):
            with self.subTest(postcode=postcode), self.assertRaises(ValidationError) as raised:
                territory_for_postcode(postcode)
            self.assertEqual(raised.exception.code, "postcode_no_territory")


class DoctorAccountTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.house = make_doctor("house", VALID_RPPS, cls.t93)
        cls.nina = make_user("nina", roles.ADMIN_NATIONAL)
        cls.nina.is_staff = True
        cls.nina.save(update_fields=["is_staff"])

    def test_a_doctor_is_a_medecin_and_not_an_agent(self):
        self.assertTrue(self.house.groups.filter(name=roles.MEDECIN).exists())
        self.assertFalse(Agent.objects.filter(user=self.house).exists())
        self.assertEqual(list(self.house.doctor.territories.all()), [self.t93])

    def test_the_staff_scoping_gives_a_doctor_nothing(self):
        self.register_case(self.t93)
        for queryset in (IndexCase.objects.all(), Person.objects.all()):
            with self.subTest(model=queryset.model.__name__):
                self.assertFalse(queryset.for_user(self.house).exists())
        self.assertFalse(
            scope_for_user(Person.objects.all(), self.house, territory="territory_id").exists()
        )
        self.assertFalse(Territory.objects.for_user(self.house).exists())

    def test_the_rpps_number_is_unique(self):
        from django.db import IntegrityError, transaction

        with self.assertRaises(IntegrityError), transaction.atomic():
            make_doctor("twin", VALID_RPPS)

    def test_cpam_admins_see_the_doctors_of_their_territory(self):
        paris = make_doctor("quinn", "10075123454", self.t75)
        self.assertEqual(list(Doctor.objects.for_user(self.carol)), [self.house.doctor])
        self.assertEqual(list(Doctor.objects.for_user(self.dave)), [paris.doctor])
        self.assertEqual(Doctor.objects.for_user(self.nina).count(), 2)
        self.assertFalse(Doctor.objects.for_user(self.bob).exists())
        self.assertFalse(Doctor.objects.for_user(self.house).exists())


class DoctorAdminTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.house = make_doctor("house", VALID_RPPS, cls.t93, cls.t75)
        cls.nina = make_user("nina", roles.ADMIN_NATIONAL)
        cls.nina.is_staff = True
        cls.nina.save(update_fields=["is_staff"])

    def add(self, user, **overrides):
        self.client.force_login(user)
        data = {
            "username": "dr_new",
            "first_name": "Marie",
            "last_name": "Curie",
            "email": "",
            "password": "",
            "rpps": "10093012341",
            "territories": [],
        } | overrides
        return self.client.post(reverse("admin:agents_doctor_add"), data)

    def test_a_cpam_admin_creates_a_doctor_of_their_territory(self):
        response = self.add(self.carol)
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        doctor = Doctor.objects.get(rpps="10093012341")
        self.assertEqual((doctor.user.username, doctor.user.last_name), ("dr_new", "Curie"))
        self.assertTrue(doctor.user.groups.filter(name=roles.MEDECIN).exists())
        self.assertFalse(doctor.user.has_usable_password())
        self.assertEqual(list(doctor.territories.all()), [self.t93])

    def test_it_refuses_a_bad_rpps_number(self):
        response = self.add(self.carol, rpps="10093012342")
        self.assertEqual(response.status_code, 200)
        self.assertIn("rpps", response.context["adminform"].form.errors)
        self.assertFalse(User.objects.filter(username="dr_new").exists())

    def test_a_national_admin_picks_any_territory(self):
        response = self.add(self.nina, territories=[self.t974.pk], password="Tres-Long-Mot-2-Passe")
        self.assertEqual(response.status_code, 302)
        doctor = Doctor.objects.get(rpps="10093012341")
        self.assertEqual(list(doctor.territories.all()), [self.t974])
        self.assertTrue(doctor.user.check_password("Tres-Long-Mot-2-Passe"))

    def test_a_cpam_admins_save_keeps_the_doctors_other_territories(self):
        self.client.force_login(self.carol)
        url = reverse("admin:agents_doctor_change", args=[self.house.doctor.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(url, {"rpps": VALID_RPPS, "territories": [self.t93.pk]})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            set(self.house.doctor.territories.values_list("code", flat=True)), {"93", "75"}
        )

    def test_another_cpam_does_not_see_a_doctor_of_theirs_only(self):
        marseille = make_doctor("mars", "10075123454")
        self.client.force_login(self.dave)
        url = reverse("admin:agents_doctor_change", args=[marseille.doctor.pk])
        response = self.client.get(url, follow=True)
        self.assertEqual(response.redirect_chain, [(reverse("admin:index"), 302)])

    def test_the_role_exists_with_no_model_permission(self):
        self.assertFalse(Group.objects.get(name=roles.MEDECIN).permissions.exists())
        self.assertTrue(
            Group.objects.get(name=roles.ADMIN_CPAM)
            .permissions.filter(codename="add_doctor")
            .exists()
        )
