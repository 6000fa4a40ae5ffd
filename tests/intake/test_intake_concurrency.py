import threading

import pytest
from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from agents.models import Territory
from calls.models import CallTask
from cases.models import IndexCase, Person
from intake.services import register_index_case
from tests.base import contact, person

THREADS = 8


@pytest.mark.postgres
class ConcurrentIntakeTests(TransactionTestCase):
    # Keep the languages and roles that migrations load: a flush would drop them.
    serialized_rollback = True

    def setUp(self):
        self.territory = Territory.objects.create(
            code="93", name="CPAM 93", timezone="Europe/Paris"
        )

    def _race(self, make_kwargs) -> list:
        barrier = threading.Barrier(THREADS)
        results, errors = [], []

        def run(i):
            try:
                barrier.wait()
                results.append(register_index_case(**make_kwargs(i)))
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
        return results

    def _kwargs(self, *, name: str, phone: str, external_ref: str = ""):
        return {
            "territory": self.territory,
            "person": person("Paul", name, phone),
            "sampled_at": timezone.now(),
            "source": "lab",
            "now": timezone.now(),
            "contacts": [contact("Ana", "Silva", "0611111111")],
            "external_ref": external_ref,
        }

    def test_it_creates_one_case_when_the_same_reference_arrives_at_once(self):
        results = self._race(
            lambda i: self._kwargs(name="Martin", phone="0612345678", external_ref="LAB-42")
        )
        self.assertEqual(IndexCase.objects.count(), 1)
        self.assertEqual({r.index_case.pk for r in results}, {IndexCase.objects.get().pk})
        self.assertEqual(sum(r.created for r in results), 1)

    def test_it_queues_one_call_for_a_contact_named_by_cases_registered_at_once(self):
        self._race(lambda i: self._kwargs(name=f"Patient{i}", phone=f"06000000{i:02d}"))
        self.assertEqual(IndexCase.objects.count(), THREADS)
        self.assertEqual(Person.objects.filter(last_name="Silva").count(), 1)
        self.assertEqual(
            CallTask.objects.filter(reason=CallTask.Reason.CONTACT_NOTIFICATION).count(), 1
        )
