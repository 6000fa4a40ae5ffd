"""The migrations that repair dates stored before the input bounds (issue 12): cases 0006 and
calls 0014. Year-1 and year-9999 values, and on PostgreSQL a BC timestamp Python cannot read,
are replaced; in-range values are left alone."""

from datetime import UTC, date, datetime, timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.db import DataError, connection
from django.utils import timezone

from calls.models import CallTask
from cases.models import Exposure, IndexCase, Person
from tests.base import PersonasTestCase, contact

CASES = import_module("cases.migrations.0006_repair_out_of_range_dates")
CALLS = import_module("calls.migrations.0014_repair_out_of_range_dates")


class RepairTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        registered = cls.register_case(cls.t93, contacts=[contact("Ana", "Durand", "0611223344")])
        cls.case = registered.index_case
        cls.exposure = Exposure.objects.get(index_case=cls.case)

    def repair(self) -> dict[str, int]:
        return CASES.repair(apps, None) | CALLS.repair(apps, None)


class RepairTests(RepairTestCase):
    def test_out_of_range_values_are_replaced_and_counted(self):
        IndexCase.objects.filter(pk=self.case.pk).update(
            sampled_at=datetime(1, 1, 2, tzinfo=UTC), symptom_onset_on=date(9999, 12, 31)
        )
        Exposure.objects.filter(pk=self.exposure.pk).update(last_exposure_date=date(1, 1, 1))
        Person.objects.filter(pk=self.case.person_id).update(birth_date=date(1, 1, 1))
        task = CallTask.objects.filter(exposure=self.exposure).get()
        far = datetime(9999, 12, 30, tzinfo=UTC)
        CallTask.objects.filter(pk=task.pk).update(not_before=far, callback_at=far)

        counts = self.repair()

        self.assertEqual(counts["index case sample times"], 1)
        self.assertEqual(counts["exposure dates"], 1)
        self.assertEqual(counts["call not-before times"], 1)
        case = IndexCase.objects.get(pk=self.case.pk)
        self.assertEqual(case.sampled_at, case.identified_at)
        self.assertIsNone(case.symptom_onset_on)
        self.assertIsNone(Person.objects.get(pk=self.case.person_id).birth_date)
        exposure = Exposure.objects.get(pk=self.exposure.pk)
        self.assertEqual(exposure.last_exposure_date, timezone.localdate(exposure.identified_at))
        task.refresh_from_db()
        self.assertEqual((task.not_before, task.callback_at), (None, None))
        # Run again: nothing left to repair.
        self.assertEqual(set(self.repair().values()), {0})

    def test_values_in_range_are_left_alone(self):
        sampled = timezone.now() - timedelta(days=1)
        IndexCase.objects.filter(pk=self.case.pk).update(
            sampled_at=sampled, symptom_onset_on=date(2026, 11, 1)
        )
        Person.objects.filter(pk=self.case.person_id).update(birth_date=date(1931, 5, 4))
        self.assertEqual(set(self.repair().values()), {0})
        case = IndexCase.objects.get(pk=self.case.pk)
        self.assertEqual((case.sampled_at, case.symptom_onset_on), (sampled, date(2026, 11, 1)))
        self.assertEqual(Person.objects.get(pk=self.case.person_id).birth_date, date(1931, 5, 4))


@pytest.mark.postgres
class BcTimestampTests(RepairTestCase):
    def test_a_bc_sample_time_that_python_cannot_read_is_repaired(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_indexcase SET sampled_at = '0001-01-01 00:00:00+00 BC' WHERE id = %s",
                [self.case.pk],
            )
        with self.assertRaises(DataError):  # "date too small": Python has no year 0
            IndexCase.objects.get(pk=self.case.pk).sampled_at  # noqa: B018
        self.assertEqual(self.repair()["index case sample times"], 1)
        case = IndexCase.objects.get(pk=self.case.pk)
        self.assertEqual(case.sampled_at, case.identified_at)
