"""Two database sessions in threads, the second waiting for a lock the first holds: how a
statement that waited for a row lock sees what committed meanwhile (PostgreSQL tests)."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

# How long the first session keeps its transaction open once the second has started: long
# enough for the second to be waiting for the lock when the first commits.
HOLD_SECONDS = 0.5


def second_waits_for_first(
    first: Callable[[], Any], second: Callable[[], Any]
) -> tuple[dict[str, Any], list[BaseException]]:
    """Run first() in a transaction kept open until second() has started in another thread and
    had time to block on first's locks; return {"first": …, "second": …} and the errors."""
    first_done, second_started = threading.Event(), threading.Event()
    results: dict[str, Any] = {}
    errors: list[BaseException] = []

    def run_first():
        try:
            with transaction.atomic():
                results["first"] = first()
                first_done.set()
                second_started.wait(5)
                threading.Event().wait(HOLD_SECONDS)
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)
        finally:
            first_done.set()
            connection.close()

    def run_second():
        try:
            first_done.wait(5)
            second_started.set()
            results["second"] = second()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors
