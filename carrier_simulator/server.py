"""The simulator: answers dial requests with a call id, then posts the call's life to the
webhook, signed, over the next seconds, with an outcome drawn from weights (seeded)."""

import argparse
import contextlib
import hashlib
import hmac
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

logger = logging.getLogger("carrier_simulator")

# How calls end, and how often (weights): a working day of a contact-tracing floor.
OUTCOMES = {
    "no_answer": 30,
    "busy": 8,
    "person": 45,
    "machine": 14,
    "failed": 3,
}
MAX_BODY_BYTES = 16 * 1024


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 of `<timestamp>.<raw body>`, as docs/telephony.md says."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


@dataclass
class Config:
    webhook: str
    secret: str
    seed: int | None = None
    # Every delay is multiplied by this (tests use ~0.05: a call's life in a second or two).
    delay_scale: float = 1.0
    # And capped at this many seconds (tests: a long conversation lasts a fraction of a second).
    max_delay: float | None = None
    # Force every call's outcome (tests); otherwise drawn from OUTCOMES.
    outcome: str | None = None
    # Force the outcome of the calls to these numbers (the dial's `to`, as sent), before
    # `outcome`: one simulator answers one number and lets another ring (tests).
    outcomes_by_number: dict[str, str] = field(default_factory=dict)
    # Bill the seconds that really passed from the answer to the end, rather than the planned
    # talk time: with shortened delays, the call then reconciles with the desk's own times.
    bill_elapsed: bool = False
    # Refuse dial requests without a valid signature.
    check_signature: bool = True


@dataclass
class Call:
    call_id: str
    to: str
    reference: str
    outcome: str
    voicemail_drop: dict | None
    events: list[dict] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)


class Simulator:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.random = random.Random(config.seed)
        self.forced_random = random.Random(config.seed)
        self.lock = threading.Lock()
        self.calls: dict[str, Call] = {}

    def dial(self, request: dict) -> Call:
        with self.lock:
            forced = self.config.outcomes_by_number.get(str(request.get("to", "")))
            if forced:
                # Planned with draws of its own: the other calls keep the seed's sequence.
                outcome, plan = forced, self._plan(forced, self.forced_random)
            else:
                outcome = (
                    self.config.outcome
                    or self.random.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
                )
                plan = self._plan(outcome)
        # Ids are unique across runs (a seed replays the outcomes, never the ids).
        call_id = f"sim-{uuid.uuid4().hex[:16]}"
        call = Call(
            call_id=call_id,
            to=str(request.get("to", "")),
            reference=str(request.get("reference", "")),
            outcome=outcome,
            voicemail_drop=request.get("voicemail_drop") or None,
        )
        self.calls[call_id] = call
        threading.Thread(target=self._run, args=(call, plan), daemon=True).start()
        return call

    def _plan(self, outcome: str, r: random.Random | None = None) -> list[tuple[float, str, dict]]:
        """The call's events: (delay before it in seconds, type, extra fields)."""
        r = r or self.random
        ring = r.uniform(2, 12)
        plan: list[tuple[float, str, dict]] = [(0.3, "initiated", {}), (1.0, "ringing", {})]
        if outcome == "person":
            talk = int(r.triangular(40, 900, 240))
            plan += [
                (ring, "answered", {"answered_by": "person"}),
                (talk, "completed", {"status": "answered", "billed_seconds": talk}),
            ]
        elif outcome == "machine":
            message = int(r.uniform(15, 35))
            plan += [
                (ring, "answered", {"answered_by": "machine"}),
                (message, "completed", {"status": "answered", "billed_seconds": message}),
            ]
        elif outcome == "no_answer":
            plan += [(30.0, "completed", {"status": "no_answer", "billed_seconds": 0})]
        elif outcome == "busy":
            plan += [(r.uniform(1, 3), "failed", {"status": "busy", "billed_seconds": 0})]
        else:
            plan += [(r.uniform(0.5, 2), "failed", {"status": "failed", "billed_seconds": 0})]
        return plan

    def _run(self, call: Call, plan: list[tuple[float, str, dict]]) -> None:
        answered = None
        for delay, kind, extra in plan:
            delay *= self.config.delay_scale
            if self.config.max_delay is not None:
                delay = min(delay, self.config.max_delay)
            time.sleep(delay)
            if kind == "answered":
                answered = time.monotonic()
            elif kind == "completed" and answered is not None and self.config.bill_elapsed:
                extra = {**extra, "billed_seconds": max(1, round(time.monotonic() - answered))}
            event = {
                "event_id": uuid.uuid4().hex,
                "call_id": call.call_id,
                "type": kind,
                "occurred_at": datetime.now(UTC).isoformat(),
                "reference": call.reference,
                "to": call.to,
                **extra,
            }
            if call.outcome == "machine" and kind in ("answered", "completed"):
                event["voicemail_dropped"] = call.voicemail_drop is not None
            call.events.append(event)
            if self._post(event):
                call.delivered.append(event["event_id"])

    def _post(self, event: dict) -> bool:
        """Post one event, signed; try again (same event id) while the webhook fails."""
        body = json.dumps(event).encode()
        for attempt in range(6):
            timestamp = str(int(time.time()))
            request = urllib.request.Request(
                self.config.webhook,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "X-Carrier-Timestamp": timestamp,
                    "X-Carrier-Signature": sign(self.config.secret, timestamp, body),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=5):
                    return True
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    logger.warning("Webhook refused %s: %s", event["event_id"], exc.code)
                    return False
            except OSError as exc:
                logger.info("Webhook unreachable (%s), trying again", exc)
            time.sleep(min(0.5 * 2**attempt, 10) * max(self.config.delay_scale, 0.1))
        return False


def make_handler(simulator: Simulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, data: dict) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            if self.path.rstrip("/") != "/calls":
                return self._answer(404, {"detail": "not found"})
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                return self._answer(413, {"detail": "too large"})
            body = self.rfile.read(length)
            timestamp = self.headers.get("X-Carrier-Timestamp", "")
            given = self.headers.get("X-Carrier-Signature", "")
            expected = sign(simulator.config.secret, timestamp, body)
            if simulator.config.check_signature and not hmac.compare_digest(expected, given):
                return self._answer(401, {"detail": "bad signature"})
            try:
                request = json.loads(body)
            except ValueError:
                return self._answer(400, {"detail": "not JSON"})
            if not isinstance(request, dict) or not request.get("to"):
                return self._answer(400, {"to": ["required"]})
            call = simulator.dial(request)
            self._answer(201, {"call_id": call.call_id, "status": "initiated"})

        def do_GET(self) -> None:  # noqa: N802
            # The calls placed so far and the events posted: for a person or a test to look.
            if self.path.rstrip("/") != "/calls":
                return self._answer(404, {"detail": "not found"})
            calls = [
                {
                    "call_id": c.call_id,
                    "outcome": c.outcome,
                    "events": [e["type"] for e in c.events],
                    "delivered": len(c.delivered),
                }
                for c in list(simulator.calls.values())
            ]
            self._answer(200, {"calls": calls})

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            logger.info("%s %s", self.address_string(), format % args)

    return Handler


def serve(config: Config, host: str, port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(Simulator(config)))
    server.daemon_threads = True
    return server


def _number_outcome(value: str) -> tuple[str, str]:
    number, _sep, outcome = value.rpartition("=")
    if not number or outcome not in OUTCOMES:
        raise argparse.ArgumentTypeError(
            f"expected NUMBER=OUTCOME with an outcome among {', '.join(OUTCOMES)}: {value!r}"
        )
    return number, outcome


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="carrier_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--webhook", default="http://127.0.0.1:8000/api/v1/carrier/sim/events/")
    parser.add_argument("--secret", default="dev-carrier-secret")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--delay-scale", type=float, default=1.0)
    parser.add_argument("--max-delay", type=float, default=None)
    parser.add_argument("--outcome", choices=list(OUTCOMES), default=None)
    parser.add_argument(
        "--outcome-for",
        action="append",
        default=[],
        metavar="NUMBER=OUTCOME",
        type=_number_outcome,
        help="force the outcome of the calls to one number (repeatable)",
    )
    parser.add_argument(
        "--bill-elapsed",
        action="store_true",
        help="bill the seconds that really passed from the answer to the end",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s carrier %(message)s")
    config = Config(
        webhook=args.webhook,
        secret=args.secret,
        seed=args.seed,
        delay_scale=args.delay_scale,
        max_delay=args.max_delay,
        outcome=args.outcome,
        outcomes_by_number=dict(args.outcome_for),
        bill_elapsed=args.bill_elapsed,
    )
    server = serve(config, args.host, args.port)
    # The port is said once it listens: a test that asked for port 0 reads it here.
    print(f"carrier simulator listening on {args.host}:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
