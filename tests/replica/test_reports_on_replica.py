"""Reports read a real streaming replica (tests/replica/conftest.py builds it); the call loop
never does; writes go to the primary; a replica behind or down is said, and the primary read."""

import csv
import io
import time
from datetime import date, timedelta

import pytest
from django.db import connections, router
from django.test import TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Agent, Territory
from agents.services.staff import set_agent_status
from calls.models import CallTask
from common.reporting import reporting
from supervision.models import SlaDay
from tests.base import make_user

SLA_URL = reverse("supervision:sla-report")
SLA_CSV_URL = reverse("supervision:sla-report-csv")
PRODUCTIVITY_CSV_URL = reverse("supervision:productivity-report-csv")
DAY = date(2026, 1, 15)
RANGE = {"start": "2026-01-14", "end": "2026-01-15"}


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


@pytest.mark.postgres
class ReportsOnReplicaTests(TransactionTestCase):
    databases = {"default", "replica"}
    # Keep the languages, roles and retry rules that migrations load: a flush would drop them.
    serialized_rollback = True

    @pytest.fixture(autouse=True)
    def _pair(self, replica_pair):
        self.pair = replica_pair

    def setUp(self):
        self.t93 = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        self.carol = make_user("carol", roles.ADMIN_CPAM, territory=self.t93)
        self.sla_day(DAY, contacts_due=10)
        self.pair.wait_for_replay()
        self.client.force_login(self.carol)

    def sla_day(self, day: date, *, contacts_due: int) -> SlaDay:
        return SlaDay.objects.create(
            territory=self.t93, day=day, contacts_due=contacts_due, computed_at=timezone.now()
        )

    def sla_days_shown(self, response) -> set[date]:
        return {row.day for row in response.context["report"].rows}

    def test_it_reads_a_report_from_the_replica(self):
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            response = self.client.get(SLA_URL, RANGE)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.sla_days_shown(response), {DAY})
        self.assertTrue(response.context["report_source"].on_replica)
        self.assertTrue(any("supervision_sladay" in q["sql"] for q in on_replica))
        # The primary served the session and the user, not the report.
        self.assertFalse(any("supervision_sladay" in q["sql"] for q in on_primary))
        self.assertNotContains(response, 'data-testid="report-source"')

    def test_it_reads_on_a_standby_inside_reporting_and_on_the_primary_outside(self):
        def in_recovery() -> bool:
            with connections[router.db_for_read(SlaDay)].cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery()")
                return cursor.fetchone()[0]

        with reporting() as source:
            self.assertEqual(source.alias, "replica")
            self.assertTrue(in_recovery())
        self.assertFalse(in_recovery())

    def test_it_sees_a_row_committed_on_the_primary_once_replicated(self):
        self.sla_day(DAY - timedelta(days=1), contacts_due=4)
        self.pair.wait_for_replay()
        response = self.client.get(SLA_URL, RANGE)
        self.assertTrue(response.context["report_source"].on_replica)
        self.assertEqual(self.sla_days_shown(response), {DAY, DAY - timedelta(days=1)})

    def test_it_streams_a_csv_from_the_replica(self):
        response = self.client.get(SLA_CSV_URL, RANGE)
        self.assertEqual(response["X-Data-Source"], "replica; lag=0")
        self.assertEqual(len(csv_rows(response)), 2)  # the header and the day

        # The productivity export reads its rows while it is sent, after the view returned.
        response = self.client.get(PRODUCTIVITY_CSV_URL, RANGE)
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            csv_rows(response)
        self.assertGreater(len(on_replica), 0)
        self.assertEqual(len(on_primary), 0)

    def test_it_writes_to_the_primary_inside_reporting_and_then_reads_it_there(self):
        with reporting() as source:
            row = SlaDay.objects.get(day=DAY)
            self.assertEqual(row._state.db, "replica")
            row.contacts_due = 12
            row.save(update_fields=["contacts_due"])  # the standby would refuse it
            self.assertEqual(source.wrote, True)
            created = self.sla_day(DAY - timedelta(days=1), contacts_due=1)
            # Read after a write: from the primary, which has it (the replica may not yet).
            self.assertTrue(SlaDay.objects.filter(pk=created.pk).exists())
            self.assertEqual(SlaDay.objects.get(pk=row.pk).contacts_due, 12)
        self.assertEqual(
            self.pair.primary.sql(f"SELECT contacts_due FROM supervision_sladay WHERE id={row.pk}"),
            (12,),
        )

    def test_it_never_sends_the_desk_the_claim_or_the_board_to_the_replica(self):
        alice = make_user("alice", roles.TELECONSEILLER, territory=self.t93)
        set_agent_status(agent=alice.agent, status=Agent.Status.READY, now=timezone.now())
        self.pair.wait_for_replay()
        self.client.force_login(alice)
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            self.assertEqual(self.client.get(reverse("calls:desk")).status_code, 200)
            self.assertLess(self.client.post(reverse("calls:claim-next")).status_code, 500)
            self.client.force_login(self.carol)
            self.assertEqual(self.client.get(reverse("supervision:plateau")).status_code, 200)
        self.assertEqual(len(on_replica), 0)
        self.assertEqual(router.db_for_read(CallTask), "default")
        self.assertEqual(router.db_for_write(CallTask), "default")

    def test_it_shows_how_far_behind_the_replica_is_and_reads_the_primary_past_the_limit(self):
        self.pair.standby.sql("SELECT pg_wal_replay_pause()")
        try:
            late = DAY - timedelta(days=1)
            self.sla_day(late, contacts_due=3)
            self.pair.wait_for_receipt()
            # The lag counts from the last transaction replayed: let a second go by.
            time.sleep(1.1)

            with override_settings(REPLICA_MAX_LAG_SECONDS=3600):
                response = self.client.get(SLA_URL, RANGE)
            source = response.context["report_source"]
            self.assertTrue(source.on_replica)
            self.assertGreaterEqual(source.lag_seconds, 1)
            self.assertEqual(self.sla_days_shown(response), {DAY}, "the replica has not the row")
            self.assertContains(response, 'data-testid="report-source"')
            self.assertContains(response, source.note)
            self.assertIn(f"{int(source.lag_seconds)} s", source.note)

            with override_settings(REPLICA_MAX_LAG_SECONDS=0):
                response = self.client.get(SLA_URL, RANGE)
                csv_response = self.client.get(SLA_CSV_URL, RANGE)
            source = response.context["report_source"]
            self.assertEqual((source.on_replica, source.fallback), (False, "lagging"))
            self.assertEqual(self.sla_days_shown(response), {DAY, late})
            self.assertContains(response, source.note)
            self.assertEqual(csv_response["X-Data-Source"], "primary; lagging")
            self.assertEqual(len(csv_rows(csv_response)), 3)
        finally:
            self.pair.standby.sql("SELECT pg_wal_replay_resume()")
            self.pair.wait_for_replay()

    def test_it_reads_the_primary_when_the_replica_is_down(self):
        self.pair.standby.stop()
        try:
            self.sla_day(DAY - timedelta(days=1), contacts_due=2)
            response = self.client.get(SLA_URL, RANGE)
            self.assertEqual(response.status_code, 200)
            source = response.context["report_source"]
            self.assertEqual(source.fallback, "down")
            self.assertEqual(len(response.context["report"].rows), 2)
            self.assertContains(response, source.note)
            csv_response = self.client.get(SLA_CSV_URL, RANGE)
            self.assertEqual(csv_response.status_code, 200)
            self.assertEqual(csv_response["X-Data-Source"], "primary; down")
            self.assertEqual(len(csv_rows(csv_response)), 3)
        finally:
            self.pair.standby.start()
            replica = connections["replica"]
            replica.close()
            # A new pool, rather than one backing off from the failed connections.
            if replica.pool:
                replica.close_pool()
            self.pair.wait_for_replay()
