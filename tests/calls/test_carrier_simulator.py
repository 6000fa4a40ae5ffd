"""The whole chain on this machine: the desk dials through the carrier backend, the simulator
(a separate process) answers with a call id, then posts its signed webhooks to the live server,
and the carrier's record of each call is complete."""

from types import SimpleNamespace

from django.test import LiveServerTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Agent, Territory
from agents.services.staff import set_agent_status
from calls.models import Assignment, CallAttempt, CarrierCall
from calls.services.dispatch import claim_next_task
from calls.services.outcomes import mark_dialled
from calls.telephony import CarrierBackend
from intake.services import register_index_case
from tests.base import make_user, person
from tests.calls.carrier_sim import (
    SerialLiveServerThread,
    all_delivered,
    simulator_calls,
    start_simulator,
    stop_simulator,
    wait_for,
)

SECRET = "test-carrier-secret"


class SimulatorChainTests(LiveServerTestCase):
    serialized_rollback = True  # Keep the migrations' languages and roles.
    server_thread_class = SerialLiveServerThread

    def start(self, **options) -> str:
        webhook = self.live_server_url + reverse("api:carrier-events", args=["sim"])
        process, url = start_simulator(webhook=webhook, secret=SECRET, **options)
        self.addCleanup(stop_simulator, process)
        return url

    def test_seeded_calls_get_their_whole_life_from_the_carrier(self):
        url = self.start(seed=7)
        with override_settings(CARRIER_URL=url):
            backend = CarrierBackend()
            agent = SimpleNamespace(pk=1)
            call_ids = [
                backend.dial(agent=agent, number=f"+3361234567{n}", assignment_id=n)
                for n in range(8)
            ]
        wait_for(lambda: all_delivered(url, call_ids))
        planned = simulator_calls(url)
        outcomes = [planned[c]["outcome"] for c in call_ids]
        # The seed replays the same day: these outcomes, in this order.
        self.assertGreaterEqual(len(set(outcomes)), 3)  # A realistic mix, not one kind.
        self.assertEqual(outcomes, self.expected_outcomes())
        for call_id, outcome in zip(call_ids, outcomes, strict=True):
            call = CarrierCall.objects.get(carrier="sim", carrier_call_id=call_id)
            with self.subTest(outcome=outcome):
                self.assertIsNotNone(call.started_at)
                self.assertIsNotNone(call.ended_at)
                self.assertEqual(call.events.count(), planned[call_id]["delivered"])
                if outcome in ("person", "machine"):
                    self.assertEqual(call.answered_by, outcome)
                    self.assertEqual(call.final_status, "answered")
                    self.assertGreater(call.billed_seconds, 0)
                    self.assertLessEqual(call.answered_at, call.ended_at)
                else:
                    self.assertIsNone(call.answered_at)
                    self.assertEqual(call.billed_seconds, 0)
                    self.assertEqual(
                        call.final_status,
                        {"no_answer": "no_answer", "busy": "busy", "failed": "failed"}[outcome],
                    )

    def test_a_number_can_be_given_its_outcome_and_the_others_keep_the_seeds_draw(self):
        forced = {"+33612345670": "person", "+33612345672": "no_answer"}
        url = self.start(seed=7, outcomes_by_number=forced, bill_elapsed=True)
        numbers = [f"+3361234567{n}" for n in range(5)]
        with override_settings(CARRIER_URL=url):
            backend = CarrierBackend()
            agent = SimpleNamespace(pk=1)
            call_ids = [
                backend.dial(agent=agent, number=number, assignment_id=n)
                for n, number in enumerate(numbers)
            ]
        wait_for(lambda: all_delivered(url, call_ids))
        planned = simulator_calls(url)
        outcomes = dict(zip(numbers, (planned[c]["outcome"] for c in call_ids), strict=True))
        self.assertEqual({n: outcomes[n] for n in forced}, forced)
        # The numbers not named draw as before: the seed's first three outcomes.
        others = [outcomes[n] for n in numbers if n not in forced]
        self.assertEqual(others, self.expected_outcomes()[:3])
        # Billed as the call really lasted (a fraction of a second here), not minutes.
        answered = CarrierCall.objects.get(carrier_call_id=call_ids[0])
        self.assertEqual((answered.answered_by, answered.billed_seconds), ("person", 1))

    @staticmethod
    def expected_outcomes() -> list[str]:
        # The simulator's own draw for seed 7, replayed here without its process.
        from carrier_simulator.server import Config, Simulator

        simulator = Simulator(Config(webhook="", secret="", seed=7))
        drawn = []
        for _ in range(8):
            outcome = simulator.random.choices(
                list(simulator_outcomes()), weights=list(simulator_outcomes().values())
            )[0]
            simulator._plan(outcome)
            drawn.append(outcome)
        return drawn

    def test_a_dial_from_the_desk_gets_the_carriers_answer_and_a_machine_frees_the_agent(self):
        territory = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        territory.calling_hours_start, territory.calling_hours_end = (
            timezone.datetime.min.time(),
            timezone.datetime.max.time().replace(microsecond=0),
        )
        territory.save()
        user = make_user("alice", roles.TELECONSEILLER, territory=territory)
        register_index_case(
            territory=territory,
            person=person("Paul", "Martin", "0612345678"),
            sampled_at=timezone.now(),
            source="form",
            now=timezone.now(),
        )
        agent = user.agent
        set_agent_status(agent=agent, status=Agent.Status.READY, now=timezone.now())
        assignment = claim_next_task(agent=agent, now=timezone.now())
        self.assertIsNotNone(assignment)
        url = self.start(outcome="machine")
        with override_settings(CARRIER_URL=url):
            mark_dialled(
                assignment=assignment, agent=agent, phone="+33612345678", now=timezone.now()
            )
            # Its webhooks follow at once: they find the call by the dial's reference (the
            # desk's own path, record_dial, is in the browser test: here the test's thread and
            # the server's share one SQLite connection).
            call_id = CarrierBackend().dial(
                agent=agent, number="+33612345678", assignment_id=assignment.pk
            )
        wait_for(lambda: all_delivered(url, [call_id]))
        assignment.refresh_from_db()
        self.assertEqual(assignment.end_reason, Assignment.EndReason.MACHINE)
        attempt = CallAttempt.objects.get(assignment=assignment)
        self.assertEqual(attempt.outcome, CallAttempt.Outcome.VOICEMAIL)
        self.assertEqual(attempt.carrier_call_id, call_id)


def simulator_outcomes() -> dict[str, int]:
    from carrier_simulator.server import OUTCOMES

    return OUTCOMES
