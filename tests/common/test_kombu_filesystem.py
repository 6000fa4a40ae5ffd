"""The embedded broker: a consumer never reads a message its producer is still writing."""

import tempfile
import threading
from pathlib import Path
from unittest import TestCase

from kombu import Connection
from kombu.transport import filesystem

from common.kombu_filesystem import Transport

MESSAGES = 400
# A large body makes a half-written file likely when the write is not atomic.
BODY = {"payload": "x" * 200_000}


def connection(folder: Path, transport) -> Connection:
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
    for sub in ("queue", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return Connection("filesystem://", transport=transport, transport_options=options)


def produce_and_consume(transport) -> tuple[int, list[str]]:
    """Put MESSAGES while a consumer gets them as fast as it can; return what it read whole
    and the errors it met."""
    with tempfile.TemporaryDirectory() as folder:
        producer = connection(Path(folder), transport).channel()
        consumer = connection(Path(folder), transport).channel()
        read, errors, done = [], [], threading.Event()

        def consume():
            while not (done.is_set() and len(read) + len(errors) >= MESSAGES):
                try:
                    read.append(consumer._get("celery"))
                except filesystem.Empty:
                    continue
                except Exception as exc:  # noqa: BLE001 (the fault under test)
                    errors.append(type(exc).__name__)

        thread = threading.Thread(target=consume)
        thread.start()
        for _ in range(MESSAGES):
            producer._put("celery", BODY)
        done.set()
        thread.join(timeout=60)
        return len(read), errors


class AtomicFilesystemTransportTests(TestCase):
    def test_a_consumer_racing_the_producer_reads_every_message_whole(self):
        read, errors = produce_and_consume(Transport)
        self.assertEqual(errors, [])
        self.assertEqual(read, MESSAGES)

    def test_the_embedded_mode_uses_it(self):
        from django.conf import settings

        if getattr(settings, "CELERY_BROKER_URL", "") == "filesystem://":
            self.assertEqual(settings.CELERY_BROKER_TRANSPORT, "common.kombu_filesystem:Transport")
        else:
            self.assertFalse(hasattr(settings, "CELERY_BROKER_TRANSPORT"))
