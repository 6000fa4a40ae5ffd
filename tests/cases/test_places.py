"""Places: one row per place of a territory, whatever the spelling, and an optional part of
every way a contact comes in."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Exposure, Place
from cases.places import PlaceData, find_or_create_place, find_or_create_places, normalise
from cases.places import place_data as check_place
from cases.services import ContactData
from tests.base import PersonasTestCase, contact


def at(place: PlaceData, first_name: str, phone: str) -> ContactData:
    base = contact(first_name, "Durand", phone)
    return ContactData(
        person=base.person,
        exposure_type=base.exposure_type,
        last_exposure_date=base.last_exposure_date,
        place=place,
    )


class NormaliseTests(PersonasTestCase):
    def test_it_drops_case_accents_punctuation_and_extra_spaces(self):
        self.assertEqual(normalise("  École  Jules-Ferry, "), "ecole jules ferry")
        self.assertEqual(normalise("EHPAD « Les Tilleuls »"), "ehpad les tilleuls")
        self.assertEqual(normalise("12, rue de l'Église"), "12 rue de l eglise")


class FindOrCreatePlaceTests(PersonasTestCase):
    def test_it_finds_the_same_place_whatever_the_spelling(self):
        now = timezone.now()
        first = find_or_create_place(
            territory=self.t93,
            data=PlaceData(name="École Jules-Ferry", type="school", address="3 rue Hoche"),
            now=now,
        )
        again = find_or_create_place(
            territory=self.t93,
            data=PlaceData(name="ecole jules ferry", type="school", address="3, Rue HOCHE "),
            now=now,
        )
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(Place.objects.count(), 1)
        self.assertEqual(first.name, "École Jules-Ferry")

    def test_another_address_or_territory_is_another_place(self):
        now = timezone.now()
        data = PlaceData(name="Lycée Voltaire", type="school", address="1 avenue de la République")
        a = find_or_create_place(territory=self.t93, data=data, now=now)
        b = find_or_create_place(
            territory=self.t93,
            data=PlaceData(name="Lycée Voltaire", type="school", address="2 rue Voltaire"),
            now=now,
        )
        c = find_or_create_place(territory=self.t75, data=data, now=now)
        self.assertEqual(len({a.pk, b.pk, c.pk}), 3)

    def test_one_batch_naming_a_place_twice_creates_it_once(self):
        places = find_or_create_places(
            territory=self.t93,
            places=[
                PlaceData(name="Usine Nord", type="workplace"),
                PlaceData(name="USINE NORD", type="workplace"),
            ],
            now=timezone.now(),
        )
        self.assertEqual(places[0].pk, places[1].pk)
        self.assertEqual(Place.objects.count(), 1)


class PlaceRuleTests(PersonasTestCase):
    def test_empty_fields_name_no_place(self):
        self.assertIsNone(check_place(name=" ", type="", address="", postcode=""))

    def test_half_a_place_is_refused_field_by_field(self):
        with self.assertRaises(ValidationError) as raised:
            check_place(name="", type="spa", address="1 rue X", postcode="9300")
        self.assertEqual(
            set(raised.exception.message_dict), {"place_name", "place_type", "place_postcode"}
        )


class IntakeWithPlacesTests(PersonasTestCase):
    def test_contacts_of_two_cases_at_one_place_share_it(self):
        school = PlaceData(name="École Jules-Ferry", type="school")
        self.register_case(self.t93, contacts=[at(school, "Léa", "0611111111")])
        self.register_case(
            self.t93,
            name="Bernard",
            phone="0622222222",
            contacts=[at(PlaceData(name="ECOLE JULES FERRY", type="school"), "Jo", "0633333333")],
        )
        self.assertEqual(Place.objects.count(), 1)
        self.assertEqual(Exposure.objects.filter(place__isnull=False).count(), 2)

    def test_a_contact_without_a_place_stays_valid(self):
        result = self.register_case(self.t93, contacts=[contact("Ana", "Silva", "0611111111")])
        self.assertIsNone(result.contacts[0].exposure.place)
