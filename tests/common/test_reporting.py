"""reporting() without a replica (the embedded SQLite, a single CPAM machine): nothing changes
and nothing is asked. With a real standby: tests/replica/."""

from django.db import router
from django.test import TestCase

from common.reporting import ReportSource, continue_reporting, current_source, reporting
from supervision.models import SlaDay


class WithoutReplicaTests(TestCase):
    def test_it_reads_and_writes_the_primary_and_asks_nothing(self):
        with self.assertNumQueries(0), reporting() as source:
            self.assertEqual(source.alias, "default")
            self.assertEqual(source.note, "")
            self.assertEqual(router.db_for_read(SlaDay), "default")
            self.assertEqual(router.db_for_write(SlaDay), "default")
        self.assertIsNone(current_source())

    def test_it_decorates_a_view_or_a_task(self):
        @reporting()
        def report() -> ReportSource | None:
            return current_source()

        self.assertEqual(report().alias, "default")
        self.assertEqual(report().alias, "default")  # a fresh block each call
        self.assertIsNone(current_source())

    def test_a_nested_block_reads_where_the_outer_one_does(self):
        with reporting() as outer, reporting() as inner:
            self.assertIs(inner, outer)
        self.assertIsNone(current_source())

    def test_streamed_rows_keep_the_source_of_their_block(self):
        with reporting() as source:
            rows = continue_reporting(current_source() for _ in range(2))
        self.assertIsNone(current_source())
        self.assertEqual(list(rows), [source, source])
        self.assertIsNone(current_source())


class NoteTests(TestCase):
    def test_it_says_nothing_of_a_replica_up_to_date(self):
        self.assertEqual(ReportSource(alias="replica", lag_seconds=0.4).note, "")

    def test_it_says_how_old_the_replicas_data_is(self):
        self.assertIn("4 s", ReportSource(alias="replica", lag_seconds=4.2).note)

    def test_it_says_why_the_primary_was_read(self):
        down = ReportSource(fallback="down").note
        lagging = ReportSource(lag_seconds=75, fallback="lagging").note
        unknown = ReportSource(fallback="unknown").note
        self.assertIn("75 s", lagging)
        self.assertEqual(len({down, lagging, unknown}), 3)
        self.assertNotIn("", {down, unknown})
