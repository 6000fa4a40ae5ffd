"""API v1: GET clusters/ and clusters/{id}/ (the export), scoped like the pages."""

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.clusters import detect_clusters
from cases.models import Cluster
from cases.places import PlaceData
from tests.cases.cluster_base import EHPAD, ClusterTestCase


class ClustersApiTests(ClusterTestCase):
    def setUp(self):
        self.api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        self.case_at(EHPAD, contacts=2)
        self.case_at(PlaceData(name="EHPAD Bourbon", type="nursing_home"), territory=self.t974)
        detect_clusters(now=timezone.now())
        self.cluster = Cluster.objects.get(territory=self.t93)
        self.detail = reverse("api:cluster", args=[self.cluster.pk])

    def get(self, url, user=None, **params):
        if user is not None:
            self.api.force_login(user)
        return self.api.get(url, params)

    def test_it_is_in_the_schema(self):
        schema = self.client.get("/api/schema/", {"format": "json"}).json()
        self.assertIn("get", schema["paths"]["/api/v1/clusters/"])
        detail = schema["paths"]["/api/v1/clusters/{id}/"]["get"]
        self.assertEqual(
            detail["responses"]["200"]["content"]["application/json"]["schema"],
            {"$ref": "#/components/schemas/ClusterExport"},
        )
        self.assertIn("timeline", schema["components"]["schemas"]["ClusterExport"]["properties"])

    def test_anonymous_wrong_role_and_method(self):
        self.assertEqual(self.get(reverse("api:clusters")).status_code, 401)
        self.assertEqual(self.get(reverse("api:clusters"), self.alice).status_code, 403)
        self.assertEqual(self.get(self.detail, self.bob).status_code, 403)
        self.api.force_login(self.carol)
        self.assertEqual(self.api.post(reverse("api:clusters")).status_code, 405)

    def test_each_sees_their_territory_or_region(self):
        seen = {}
        for user in (self.carol, self.dave, self.ars, self.ars_reunion, self.national):
            response = self.get(reverse("api:clusters"), user)
            self.assertEqual(response.status_code, 200)
            seen[user.username] = sorted(row["territory"] for row in response.json())
        self.assertEqual(
            seen,
            {
                "carol": ["93"],
                "dave": [],
                "ars": ["93"],
                "arsre": ["974"],
                "national": ["93", "974"],
            },
        )

    def test_the_detail_is_the_export_and_404_elsewhere(self):
        response = self.get(self.detail, self.ars)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["format"], body["version"]), ("tracing-center/cluster", 1))
        self.assertEqual(body["cluster"]["id"], self.cluster.pk)
        self.assertEqual(body["place"]["name"], "EHPAD Les Tilleuls")
        self.assertEqual(body["summary"]["contacts_at_place"], 2)
        self.assertEqual(body["cases"][0]["contacts"]["total"], 2)
        self.assertEqual(response["Cache-Control"], "no-store")
        for user in (self.dave, self.ars_reunion):
            self.assertEqual(self.get(self.detail, user).status_code, 404)

    def test_it_filters_by_status_and_refuses_an_unknown_one(self):
        response = self.get(reverse("api:clusters"), self.national, status="closed")
        self.assertEqual(response.json(), [])
        self.assertEqual(
            self.get(reverse("api:clusters"), self.national, status="nope").status_code, 400
        )


class ClusterActionsApiTests(ClusterTestCase):
    def setUp(self):
        self.api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        self.case_at(EHPAD)
        [cluster_id] = detect_clusters(now=timezone.now())
        self.cluster = Cluster.objects.get(pk=cluster_id)

    def post(self, action, user, **data):
        self.api.force_login(user)
        return self.api.post(
            reverse(f"api:cluster-{action}", args=[self.cluster.pk]), data, format="json"
        )

    def test_a_detected_cluster_cannot_be_taken_409(self):
        response = self.post("take", self.ars)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "invalid_transition")

    def test_the_ars_takes_then_returns_it(self):
        Cluster.objects.filter(pk=self.cluster.pk).update(status=Cluster.Status.HANDED_OFF)
        response = self.post("take", self.ars)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "id": self.cluster.pk,
                "status": "under_investigation",
                "taken_by": "ars",
                "reason": "",
            },
        )
        self.assertEqual(self.post("return", self.ars).status_code, 400)
        response = self.post("return", self.ars, reason="Suivi par la CPAM")
        self.assertEqual(response.json()["status"], "returned")
        self.assertEqual(self.post("close", self.ars, reason="Fin").status_code, 409)

    def test_only_the_ars_of_the_region(self):
        Cluster.objects.filter(pk=self.cluster.pk).update(status=Cluster.Status.HANDED_OFF)
        self.assertEqual(self.post("take", self.carol).status_code, 403)
        self.assertEqual(self.post("take", self.ars_reunion).status_code, 404)
        self.api.logout()
        self.assertEqual(
            self.api.post(reverse("api:cluster-take", args=[self.cluster.pk])).status_code, 401
        )
