"""The cluster pages: who sees what, the hand-off to the ARS (an outbox row, one e-mail with the
export attached, retried when it fails) and the ARS's actions."""

import json

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases.clusters import detect_clusters
from cases.handoffs import republish_handoffs, send_cluster_handoff
from cases.models import Cluster, ClusterEvent, ClusterHandoff, PersonAccess
from tests.cases.cluster_base import EHPAD, SCHOOL, ClusterTestCase


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


class ClusterPageTestCase(ClusterTestCase):
    def setUp(self):
        self.case = self.case_at(EHPAD, contacts=2)
        [cluster_id] = detect_clusters(now=timezone.now())
        self.cluster = Cluster.objects.get(pk=cluster_id)
        self.url = reverse("supervision:cluster", args=[self.cluster.pk])

    def login(self, user):
        self.client.force_login(user)

    def hand_off(self):
        self.login(self.carol)
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(reverse("supervision:cluster-hand-off", args=[self.cluster.pk]))


class RightsTests(ClusterPageTestCase):
    def test_anonymous_is_sent_to_the_login_page(self):
        for url in (reverse("supervision:clusters"), self.url):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn(reverse("login"), response["Location"])

    def test_agents_and_supervisors_are_refused(self):
        for user in (self.alice, self.bob):
            self.login(user)
            self.assertEqual(self.client.get(reverse("supervision:clusters")).status_code, 403)
            self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_another_territory_or_region_sees_nothing(self):
        for user in (self.dave, self.ars_reunion):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.url).status_code, 404)
                listing = self.client.get(reverse("supervision:clusters"))
                self.assertEqual(listing.context["clusters"], [])

    def test_the_cpam_admin_the_ars_and_a_national_admin_see_it(self):
        for user in (self.carol, self.ars, self.national, self.root):
            self.login(user)
            with self.subTest(user=user.username):
                listing = self.client.get(reverse("supervision:clusters"))
                self.assertEqual([c.pk for c in listing.context["clusters"]], [self.cluster.pk])
                self.assertContains(self.client.get(self.url), "EHPAD Les Tilleuls")

    def test_the_ars_sees_a_detected_cluster_without_its_actions(self):
        self.login(self.ars)
        page = self.client.get(self.url)
        self.assertContains(page, 'data-testid="not-handed-off"')
        self.assertNotContains(page, 'data-testid="take"')
        self.assertNotContains(page, 'data-testid="hand-off"')

    def test_wrong_method_is_refused(self):
        self.login(self.carol)
        self.assertEqual(self.client.post(self.url).status_code, 405)
        hand_off = reverse("supervision:cluster-hand-off", args=[self.cluster.pk])
        self.assertEqual(self.client.get(hand_off).status_code, 405)

    def test_the_ars_cannot_hand_off_and_the_cpam_cannot_take(self):
        self.login(self.ars)
        hand_off = reverse("supervision:cluster-hand-off", args=[self.cluster.pk])
        self.assertEqual(self.client.post(hand_off).status_code, 403)
        self.login(self.carol)
        take = reverse("supervision:cluster-take", args=[self.cluster.pk])
        self.assertEqual(self.client.post(take).status_code, 403)

    def test_reading_a_cluster_is_logged_for_its_persons(self):
        self.login(self.carol)
        self.client.get(self.url)
        logged = PersonAccess.objects.filter(user=self.carol, what=f"cluster:{self.cluster.pk}")
        # The patient zéro and their two contacts at the place.
        self.assertEqual(logged.count(), 3)

    def test_the_list_reads_a_constant_number_of_queries(self):
        self.case_at(EHPAD.__class__(name="Les Lilas", type="nursing_home"))
        detect_clusters(now=timezone.now())
        self.login(self.carol)
        self.client.get(reverse("supervision:clusters"))  # warm the session
        # session, user, groups, territory, the clusters, then the page's header (agent, territory).
        with self.assertNumQueries(7):
            response = self.client.get(reverse("supervision:clusters"))
        self.assertEqual(len(response.context["clusters"]), 2)

    def test_the_detail_reads_a_constant_number_of_queries(self):
        self.login(self.carol)
        self.client.get(self.url)
        with self.assertNumQueries(13):
            self.client.get(self.url)
        # Two more cases with their contacts: the same queries.
        self.case_at(EHPAD, contacts=3)
        self.case_at(EHPAD, contacts=1)
        detect_clusters(now=timezone.now())
        with self.assertNumQueries(13):
            response = self.client.get(self.url)
        self.assertEqual(len(response.context["detail"].cases), 3)


class HandOffTests(ClusterPageTestCase):
    def test_it_creates_the_outbox_row_and_sends_one_email_with_the_export(self):
        response = self.hand_off()
        self.assertRedirects(response, self.url)
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.status, Cluster.Status.HANDED_OFF)
        self.assertEqual(self.cluster.handed_off_by, self.carol)
        handoff = ClusterHandoff.objects.get()
        self.assertEqual(handoff.status, ClusterHandoff.Status.SENT)
        self.assertEqual(handoff.to_email, "ars-idf-alerte@example.org")
        [message] = mail.outbox
        self.assertEqual(message.to, ["ars-idf-alerte@example.org"])
        [(name, content, mimetype)] = message.attachments
        self.assertEqual((name, mimetype), (f"cluster-{self.cluster.pk}.json", "application/json"))
        export = json.loads(content)
        self.assertEqual((export["format"], export["version"]), ("tracing-center/cluster", 1))
        self.assertEqual(export["summary"]["cases"], 1)
        self.assertEqual(export["cases"][0]["id"], self.case.pk)
        self.assertEqual(
            list(self.cluster.events.values_list("kind", flat=True)),
            [ClusterEvent.Kind.DETECTED, ClusterEvent.Kind.HANDED_OFF, ClusterEvent.Kind.SENT],
        )

    def test_a_second_delivery_sends_nothing(self):
        self.hand_off()
        handoff = ClusterHandoff.objects.get()
        self.assertEqual(send_cluster_handoff(handoff.pk), "skipped")
        self.assertEqual(republish_handoffs(now=timezone.now()), 0)
        self.assertEqual(len(mail.outbox), 1)

    def test_handing_off_twice_is_refused_with_a_message(self):
        self.hand_off()
        response = self.client.post(
            reverse("supervision:cluster-hand-off", args=[self.cluster.pk]), follow=True
        )
        self.assertRedirects(response, self.url)
        self.assertEqual(ClusterHandoff.objects.count(), 1)
        self.assertEqual([m.level_tag for m in response.context["messages"]][-1], "error")

    def test_a_region_without_address_is_refused(self):
        self.idf.ars_email = ""
        self.idf.save(update_fields=["ars_email"])
        self.hand_off()
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.status, Cluster.Status.DETECTED)
        self.assertFalse(ClusterHandoff.objects.exists())

    @override_settings(EMAIL_BACKEND="tests.supervision.test_cluster_pages.FailingBackend")
    def test_a_failure_keeps_the_row_and_the_sweep_sends_it_later(self):
        self.hand_off()
        handoff = ClusterHandoff.objects.get()
        self.assertEqual(handoff.status, ClusterHandoff.Status.QUEUED)
        self.assertIn("mail server down", handoff.last_error)
        self.assertContains(self.client.get(self.url), "mail server down")
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            # Not before its backoff…
            self.assertEqual(republish_handoffs(now=timezone.now()), 0)
            later = timezone.now() + timezone.timedelta(minutes=5)
            self.assertEqual(republish_handoffs(now=later), 1)
        handoff.refresh_from_db()
        self.assertEqual(handoff.status, ClusterHandoff.Status.QUEUED)
        ClusterHandoff.objects.update(next_attempt_at=None)
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self.assertEqual(republish_handoffs(now=timezone.now()), 1)
        handoff.refresh_from_db()
        self.assertEqual((handoff.status, handoff.attempts), (ClusterHandoff.Status.SENT, 2))
        self.assertEqual(len(mail.outbox), 1)

    @override_settings(
        EMAIL_BACKEND="tests.supervision.test_cluster_pages.FailingBackend",
        CLUSTER_HANDOFF_MAX_ATTEMPTS=1,
    )
    def test_a_failure_that_lasts_is_shown_on_the_page(self):
        self.hand_off()
        self.assertEqual(ClusterHandoff.objects.get().status, ClusterHandoff.Status.FAILED)
        page = self.client.get(self.url)
        self.assertContains(page, 'data-testid="handoff-state" data-status="failed"')
        self.assertContains(page, "mail server down")
        self.assertTrue(self.cluster.events.filter(kind=ClusterEvent.Kind.SEND_FAILED).exists())


class ArsActionTests(ClusterPageTestCase):
    def setUp(self):
        super().setUp()
        self.hand_off()
        self.login(self.ars)

    def post(self, action: str, **data):
        return self.client.post(
            reverse(f"supervision:cluster-{action}", args=[self.cluster.pk]), data
        )

    def test_the_ars_takes_it_then_closes_it(self):
        self.assertRedirects(self.post("take"), self.url)
        self.cluster.refresh_from_db()
        self.assertEqual(
            (self.cluster.status, self.cluster.taken_by),
            (Cluster.Status.UNDER_INVESTIGATION, self.ars),
        )
        self.post("close", reason="Mesures de gestion prises")
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.status, Cluster.Status.CLOSED)
        self.assertEqual(self.cluster.reason, "Mesures de gestion prises")

    def test_a_return_needs_a_reason_that_the_cpam_reads(self):
        self.post("return", reason="")
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.status, Cluster.Status.HANDED_OFF)
        self.post("return", reason="Un seul cas : à suivre par la CPAM")
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.status, Cluster.Status.RETURNED)
        self.login(self.carol)
        self.assertContains(self.client.get(self.url), "Un seul cas : à suivre par la CPAM")

    def test_an_invalid_transition_is_a_clear_message(self):
        self.post("close", reason="Fin")
        response = self.client.post(
            reverse("supervision:cluster-take", args=[self.cluster.pk]), follow=True
        )
        self.assertRedirects(response, self.url)
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.status, Cluster.Status.CLOSED)
        message = list(response.context["messages"])[-1]
        self.assertEqual(message.level_tag, "error")
        self.assertIn(str(Cluster.Status.CLOSED.label), str(message))

    def test_an_officer_of_another_region_gets_404(self):
        self.login(self.ars_reunion)
        self.assertEqual(self.post("take").status_code, 404)


class SchoolNotAClusterTests(ClusterTestCase):
    def test_two_cases_in_a_school_show_no_cluster(self):
        self.case_at(SCHOOL, days_ago=1)
        self.case_at(SCHOOL)
        detect_clusters(now=timezone.now())
        self.client.force_login(self.carol)
        self.assertEqual(self.client.get(reverse("supervision:clusters")).context["clusters"], [])
