"""Intakes naming one new place, and detections of one place, at the same time (PostgreSQL)."""

import threading

import pytest
from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from agents.models import Territory
from cases.clusters import detect_clusters
from cases.models import Cluster, ClusterCase, ClusterRule, Place
from cases.places import PlaceData
from cases.services import ContactData
from intake.services import register_index_case
from tests.base import contact, person

THREADS = 6
EHPAD = PlaceData(name="EHPAD Les Tilleuls", type="nursing_home")


@pytest.mark.postgres
class ConcurrentClusterTests(TransactionTestCase):
    serialized_rollback = True

    def setUp(self):
        self.territory = Territory.objects.create(
            code="93", name="CPAM 93", timezone="Europe/Paris"
        )

    def _race(self, work) -> None:
        barrier = threading.Barrier(THREADS)
        errors = []

        def run(i):
            try:
                barrier.wait()
                work(i)
            except Exception as exc:  # noqa: BLE001 - the test reports every failure
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def register(self, i: int) -> None:
        base = contact("Ana", f"Silva{i}", f"061111110{i}")
        register_index_case(
            territory=self.territory,
            person=person("Paul", f"Martin{i}", f"062222220{i}"),
            sampled_at=timezone.now(),
            source="lab",
            now=timezone.now(),
            contacts=[
                ContactData(
                    person=base.person,
                    exposure_type="close",
                    last_exposure_date=base.last_exposure_date,
                    place=PlaceData(name=EHPAD.name.upper(), type=EHPAD.type),
                )
            ],
        )

    def test_intakes_naming_a_new_place_at_once_create_it_once(self):
        self._race(self.register)
        self.assertEqual(Place.objects.count(), 1)

    def test_detections_at_once_open_one_cluster_with_every_case(self):
        # The intakes' own detections (run after each commit) find no cluster yet…
        rule = ClusterRule.objects.filter(place_type="nursing_home")
        rule.update(min_cases=99)
        for i in range(THREADS):
            self.register(i)
        self.assertFalse(Cluster.objects.exists())
        # …then every worker looks at once.
        rule.update(min_cases=1)
        self._race(lambda i: detect_clusters(now=timezone.now()))
        cluster = Cluster.objects.get()
        self.assertEqual(ClusterCase.objects.filter(cluster=cluster).count(), THREADS)
