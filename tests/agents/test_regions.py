"""Regions: the static table, the migration's regions, and a new territory's region."""

from django.test import TestCase

from agents.models import Region
from agents.regions import region_code_for, region_names
from agents.services.staff import create_territory


class RegionTableTests(TestCase):
    def test_every_departement_has_a_region_the_migration_created(self):
        codes = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
        codes += ["971", "972", "973", "974", "975", "976"]
        created = set(Region.objects.values_list("code", flat=True))
        self.assertEqual(created, set(region_names()))
        for code in codes:
            with self.subTest(code=code):
                self.assertIn(region_code_for(code), created)
        self.assertEqual(region_code_for("93"), "11")
        self.assertEqual(region_code_for("2a"), "94")
        self.assertEqual(region_code_for("974"), "04")
        self.assertIsNone(region_code_for("20"))

    def test_a_new_territory_gets_the_region_of_its_code(self):
        territory = create_territory(code="69", name="CPAM du Rhône", timezone="Europe/Paris")
        self.assertEqual(territory.region.name, "Auvergne-Rhône-Alpes")
        self.assertIsNone(create_territory(code="99", name="Test", timezone="Europe/Paris").region)
