"""Start the carrier simulator (carrier_simulator/) as the separate process it is, on a free
port, for the tests that run the whole chain."""

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler

ROOT = Path(__file__).resolve().parents[2]


def start_simulator(
    *,
    webhook: str,
    secret: str,
    seed: int = 7,
    outcome: str | None = None,
    delay_scale: float = 0.05,
    max_delay: float = 0.3,
    outcomes_by_number: dict[str, str] | None = None,
    bill_elapsed: bool = False,
) -> tuple[subprocess.Popen, str]:
    """Return the running simulator and its base URL; a call's life lasts about a second.
    `outcomes_by_number` forces the outcome of the calls to those numbers (E.164)."""
    args = [
        sys.executable,
        "-m",
        "carrier_simulator",
        "--port",
        "0",
        "--webhook",
        webhook,
        "--secret",
        secret,
        "--seed",
        str(seed),
        "--delay-scale",
        str(delay_scale),
        "--max-delay",
        str(max_delay),
    ]
    if outcome:
        args += ["--outcome", outcome]
    for number, forced in (outcomes_by_number or {}).items():
        args += ["--outcome-for", f"{number}={forced}"]
    if bill_elapsed:
        args.append("--bill-elapsed")
    process = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    line = process.stdout.readline() if process.stdout else ""
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"the carrier simulator did not start: {line!r}")
    return process, "http://" + line.rsplit(" ", 1)[1].strip()


def stop_simulator(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout:
        process.stdout.close()


class SerialLiveServerThread(LiveServerThread):
    """A live server that answers one request at a time: the simulator posts several webhooks
    at once, and the tests' in-memory SQLite connection is shared with the server's thread."""

    def _create_server(self, connections_override=None):
        return WSGIServer(
            (self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False
        )


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the carrier's webhooks")


def simulator_calls(url: str) -> dict[str, dict]:
    """The simulator's own account of the calls it placed (outside the database)."""
    with urllib.request.urlopen(url + "/calls", timeout=5) as response:
        return {c["call_id"]: c for c in json.loads(response.read())["calls"]}


def all_delivered(url: str, call_ids: list[str]) -> bool:
    calls = simulator_calls(url)
    return all(
        c in calls
        and calls[c]["events"][-1:] in (["completed"], ["failed"])
        and calls[c]["delivered"] == len(calls[c]["events"])
        for c in call_ids
    )
