"""Builders for the cluster tests: cases at a place, on a given day."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from agents import roles
from agents.models import ArsOfficer, Region
from cases.places import PlaceData
from cases.services import ContactData
from tests.base import PersonasTestCase, contact, make_user

_numbers = count(10_000_000)

EHPAD = PlaceData(name="EHPAD Les Tilleuls", type="nursing_home", address="4 allée des Tilleuls")
SCHOOL = PlaceData(name="École Jules-Ferry", type="school", address="3 rue Hoche")


class ClusterTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.idf = Region.objects.get(code="11")
        cls.idf.ars_email = "ars-idf-alerte@example.org"
        cls.idf.save(update_fields=["ars_email"])
        cls.reunion = Region.objects.get(code="04")
        for territory, region in ((cls.t93, cls.idf), (cls.t75, cls.idf), (cls.t974, cls.reunion)):
            territory.region = region
            territory.save(update_fields=["region"])
        # ARS officers: Île-de-France (93 and 75), La Réunion (must see nothing of 93).
        cls.ars = make_user("ars", roles.ARS)
        ArsOfficer.objects.create(user=cls.ars, region=cls.idf)
        cls.ars_reunion = make_user("arsre", roles.ARS)
        ArsOfficer.objects.create(user=cls.ars_reunion, region=cls.reunion)
        cls.national = make_user("national", roles.ADMIN_NATIONAL)

    def case_at(self, place: PlaceData, *, days_ago: int = 0, territory=None, contacts: int = 1):
        """Register a patient zéro whose `contacts` contacts were exposed at the place."""
        day = timezone.localdate() - timedelta(days=days_ago)
        named = []
        for _ in range(contacts):
            number = next(_numbers)
            base = contact("Contact", f"N{number}", f"061{number - 10_000_000:07d}")
            named.append(
                ContactData(
                    person=base.person,
                    exposure_type="close",
                    last_exposure_date=day,
                    place=place,
                )
            )
        number = next(_numbers)
        return self.register_case(
            territory or self.t93,
            name=f"Cas{number}",
            phone=f"076{number - 10_000_000:07d}",
            contacts=named,
        ).index_case
