"""The carrier's webhooks under real concurrency on PostgreSQL: the same event delivered twice
at once is applied once; two events of one call at once both land on the call."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import TransactionTestCase

from calls.models import CarrierCall, CarrierEvent
from calls.services.carrier import CarrierEventData, apply_event

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
ROUNDS = 10


def run_together(works) -> list:
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)
    errors: list = []

    def run(i):
        try:
            barrier.wait()
            results[i] = works[i]()
        except Exception as exc:  # noqa: BLE001 (reported by the test)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], errors
    return results


def apply(event: CarrierEventData):
    return apply_event(carrier="sim", event=event, payload={}, source="webhook", now=NOW)


@pytest.mark.postgres
class ConcurrentWebhookTests(TransactionTestCase):
    serialized_rollback = True

    def test_the_same_event_twice_at_once_is_applied_once(self):
        for n in range(ROUNDS):
            event = CarrierEventData(
                event_id=f"ev-{n}",
                call_id=f"call-{n}",
                type="answered",
                occurred_at=NOW,
                answered_by="person",
            )
            results = run_together([lambda e=event: apply(e)] * 3)
            self.assertEqual(sum(r is not None for r in results), 1)
            self.assertEqual(CarrierEvent.objects.filter(event_id=f"ev-{n}").count(), 1)
        self.assertEqual(CarrierCall.objects.count(), ROUNDS)

    def test_two_events_of_one_call_at_once_both_land(self):
        for n in range(ROUNDS):
            answered = CarrierEventData(
                event_id=f"a-{n}",
                call_id=f"c-{n}",
                type="answered",
                occurred_at=NOW,
                answered_by="person",
            )
            completed = CarrierEventData(
                event_id=f"c-{n}",
                call_id=f"c-{n}",
                type="completed",
                occurred_at=NOW,
                status="answered",
                billed_seconds=60,
            )
            run_together([lambda a=answered: apply(a), lambda c=completed: apply(c)])
            call = CarrierCall.objects.get(carrier_call_id=f"c-{n}")
            self.assertEqual(
                (call.state, call.answered_by, call.billed_seconds),
                ("completed", "person", 60),
            )
