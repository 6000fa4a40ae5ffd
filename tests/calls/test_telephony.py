from types import SimpleNamespace

from django.test import SimpleTestCase, override_settings

from calls import telephony
from calls.telephony import LogBackend, get_backend, tel_link


class RecordingBackend:
    """A switch that records what it was asked to dial (the boundary, mocked)."""

    carrier = ""

    def __init__(self):
        self.calls: list[dict] = []

    def dial(self, *, agent, number: str, assignment_id: int, voicemail=None) -> str:
        self.calls.append({"agent": agent.pk, "number": number, "assignment_id": assignment_id})
        return f"rec-{len(self.calls)}"


class TelephonyTests(SimpleTestCase):
    agent = SimpleNamespace(pk=7)

    def test_the_log_backend_logs_the_call_without_the_number_and_returns_a_reference(self):
        backend = LogBackend()
        with self.assertLogs("calls.telephony", level="INFO") as logs:
            first = backend.dial(agent=self.agent, number="+33612345678", assignment_id=42)
            second = backend.dial(agent=self.agent, number="+33612345678", assignment_id=43)

        self.assertTrue(first.startswith("log-"))
        self.assertNotEqual(first, second)
        self.assertLessEqual(len(first), 64)  # It fits CallAttempt.telephony_ref.
        self.assertIn("assignment 42", logs.output[0])
        self.assertIn(first, logs.output[0])
        self.assertIn("*78", logs.output[0])
        self.assertNotIn("612345678", "".join(logs.output))

    def test_it_loads_the_backend_from_the_settings(self):
        self.assertIsInstance(get_backend(), LogBackend)
        with override_settings(TELEPHONY_BACKEND="tests.calls.test_telephony.RecordingBackend"):
            backend = get_backend()
            self.assertIsInstance(backend, RecordingBackend)
            self.assertEqual(
                backend.dial(agent=self.agent, number="+33612345678", assignment_id=42), "rec-1"
            )
        self.assertEqual(
            backend.calls, [{"agent": 7, "number": "+33612345678", "assignment_id": 42}]
        )

    def test_it_links_an_e164_number_for_a_softphone(self):
        self.assertEqual(tel_link("+33612345678"), "tel:+33612345678")
        self.assertEqual(tel_link(" +262 692 12 34 56 "), "tel:+262692123456")
        for bad in ("0612345678", "", "+"):
            with self.subTest(bad), self.assertRaises(ValueError):
                tel_link(bad)

    def test_it_masks_all_but_the_last_two_digits(self):
        self.assertEqual(telephony.mask("+33612345678"), "**********78")
        self.assertEqual(telephony.mask("7"), "7")
