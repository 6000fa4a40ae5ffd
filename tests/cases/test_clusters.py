"""Cluster detection: the rules per type of place, idempotence, new cases joining."""

from django.db import connection
from django.test import override_settings
from django.utils import timezone

from cases.clusters import detect_clusters
from cases.models import Cluster, ClusterEvent, ClusterRule, Place
from cases.places import PlaceData
from tests.cases.cluster_base import EHPAD, SCHOOL, ClusterTestCase


class ThresholdTests(ClusterTestCase):
    def test_one_case_in_a_nursing_home_is_a_cluster(self):
        case = self.case_at(EHPAD)
        [cluster_id] = detect_clusters(now=timezone.now())
        cluster = Cluster.objects.get(pk=cluster_id)
        self.assertEqual(cluster.status, Cluster.Status.DETECTED)
        self.assertEqual(cluster.territory, self.t93)
        self.assertEqual(list(cluster.cases.all()), [case])
        self.assertEqual(cluster.events.get().kind, ClusterEvent.Kind.DETECTED)

    def test_two_cases_in_a_school_are_not(self):
        self.case_at(SCHOOL, days_ago=1)
        self.case_at(SCHOOL, days_ago=0)
        self.assertEqual(detect_clusters(now=timezone.now()), [])

    def test_three_cases_within_seven_days_are(self):
        for days_ago in (6, 3, 0):
            self.case_at(SCHOOL, days_ago=days_ago)
        [cluster_id] = detect_clusters(now=timezone.now())
        self.assertEqual(Cluster.objects.get(pk=cluster_id).cases.count(), 3)

    def test_three_cases_over_ten_days_are_not(self):
        for days_ago in (10, 5, 0):
            self.case_at(SCHOOL, days_ago=days_ago)
        self.assertEqual(detect_clusters(now=timezone.now()), [])

    def test_the_rules_are_data(self):
        ClusterRule.objects.filter(place_type="school").update(min_cases=2)
        self.case_at(SCHOOL, days_ago=1)
        self.case_at(SCHOOL)
        self.assertEqual(len(detect_clusters(now=timezone.now())), 1)

    def test_contacts_of_one_case_count_once(self):
        self.case_at(SCHOOL, contacts=3)
        self.assertEqual(detect_clusters(now=timezone.now()), [])

    @override_settings(CLUSTER_DETECTION_DAYS=28)
    def test_old_exposures_do_not_count(self):
        self.case_at(EHPAD, days_ago=40)
        self.assertEqual(detect_clusters(now=timezone.now()), [])


class IdempotenceTests(ClusterTestCase):
    def test_running_twice_creates_nothing_new(self):
        for days_ago in (2, 1, 0):
            self.case_at(SCHOOL, days_ago=days_ago)
        now = timezone.now()
        self.assertEqual(len(detect_clusters(now=now)), 1)
        self.assertEqual(detect_clusters(now=now), [])
        self.assertEqual(Cluster.objects.count(), 1)
        self.assertEqual(ClusterEvent.objects.count(), 1)

    def test_a_new_case_joins_the_open_cluster(self):
        self.case_at(EHPAD, days_ago=2)
        [cluster_id] = detect_clusters(now=timezone.now())
        newcomer = self.case_at(EHPAD)
        self.assertEqual(detect_clusters(now=timezone.now()), [cluster_id])
        cluster = Cluster.objects.get()
        self.assertIn(newcomer, cluster.cases.all())
        self.assertEqual(
            list(cluster.events.values_list("kind", flat=True)),
            [ClusterEvent.Kind.DETECTED, ClusterEvent.Kind.CASE_ADDED],
        )

    def test_a_closed_cluster_leaves_its_cases_out_of_the_next(self):
        self.case_at(EHPAD, days_ago=2)
        detect_clusters(now=timezone.now())
        Cluster.objects.update(status=Cluster.Status.CLOSED)
        self.assertEqual(detect_clusters(now=timezone.now()), [])
        self.case_at(EHPAD)
        self.assertEqual(len(detect_clusters(now=timezone.now())), 1)
        self.assertEqual(Cluster.objects.count(), 2)

    def test_it_looks_only_at_the_places_named(self):
        self.case_at(EHPAD)
        other = self.case_at(PlaceData(name="Les Lilas", type="nursing_home"))
        lilas = Place.objects.get(name="Les Lilas")
        [cluster_id] = detect_clusters(now=timezone.now(), place_ids=[lilas.pk])
        self.assertEqual(list(Cluster.objects.get(pk=cluster_id).cases.all()), [other])

    def test_an_intake_naming_a_place_runs_the_detection_after_commit(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.case_at(EHPAD)
        self.assertEqual(Cluster.objects.count(), 1)

    def test_detection_reads_a_constant_number_of_queries(self):
        for days_ago in (2, 1, 0):
            self.case_at(SCHOOL, days_ago=days_ago)
            self.case_at(PlaceData(name=f"EHPAD {days_ago}", type="nursing_home"))
        # places, candidates, rules, open clusters, then one insert each for the clusters,
        # their cases and their events (plus the transaction's savepoint in tests); on
        # PostgreSQL, the lock on the places' rows.
        with self.assertNumQueries(10 if connection.vendor == "postgresql" else 9):
            self.assertEqual(len(detect_clusters(now=timezone.now())), 4)
