"""The soak of the embedded default (issue 12): `make run` left running, then read back.

Starts what `make run` starts (the processes of Procfile.dev: web, Celery worker, Celery beat) on
the embedded default (SQLite, the filesystem broker, the file cache) in a directory of its own,
with the demo loaded and its territories open around the clock so that the floor works whatever
the hour. For SOAK_SECONDS (default 7200) it keeps a light floor going: a téléconseiller claiming
and recording outcomes, a CPAM admin registering a patient zéro with contacts every minute, a
superviseur polling the board. Then it stops the worker and checks that supervisors see
« traitements automatiques arrêtés » once the heartbeat is stale.

It prints, and writes to <dir>/report.md:
- deaths: every process that exited before the end (0 expected) and any unrecoverable error;
- every periodic job of CELERY_BEAT_SCHEDULE: runs, failures, expired messages and the longest
  gap between two successful runs against its interval (on time: gap <= interval + slack);
- the floor: claims, outcomes, intakes, HTTP 5xx, SMS by state, messages left in the broker;
- the stale-heartbeat banner after the worker stopped.

Exit status 0 only when all of that holds. Not part of `make test`: `make soak`.

    SOAK_SECONDS=600 .venv/bin/python bench/soak.py      # a 10-minute run
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "demo-Tracing-2026"
SECONDS = int(os.environ.get("SOAK_SECONDS", "7200"))
PORT = int(os.environ.get("SOAK_PORT", "8765"))
# A job is on time when no gap between two successful runs exceeds its interval plus this.
SLACK = int(os.environ.get("SOAK_SLACK", "30"))
# The banner check waits this long after stopping the worker (the soak's JOBS_STALE_AFTER).
STALE_AFTER = 60
BASE = f"http://127.0.0.1:{PORT}"
PARIS = ZoneInfo("Europe/Paris")

OPEN_AROUND_THE_CLOCK = """
from datetime import time
from agents.models import OpeningHours, Territory
for territory in Territory.objects.all():
    territory.calling_hours_start, territory.calling_hours_end = time(0, 0), time(23, 59, 59)
    territory.save()
    for day in range(8):
        OpeningHours.objects.update_or_create(
            territory=territory, weekday=day,
            defaults={"opens_at": time(0, 0), "closes_at": time(23, 59, 59)},
        )
"""

STATE = """
import json
from django.db.models import Count
from calls.models import JobHeartbeat, SmsMessage
print(json.dumps({
    "sms": dict(SmsMessage.objects.values_list("status").annotate(n=Count("pk"))),
    "heartbeat": [str(row) for row in JobHeartbeat.objects.all()],
}))
"""

LOG_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+: (\w+)/[^\]]*\] (.*)$")
SUCCEEDED = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded")
RAISED = re.compile(r"Task ([\w.]+)\[[^\]]+\] raised")
EXPIRED = re.compile(r"Discarding revoked task: ([\w.]+)\[|Task ([\w.]+)\[[^\]]+\] .*expired")


@dataclass
class Floor:
    """What the load did, counted by its threads."""

    counts: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def error(self, what: str) -> None:
        with self.lock:
            self.counts["errors"] += 1
            if len(self.errors) < 20:
                self.errors.append(f"{datetime.now(UTC):%H:%M:%S} {what}")


def main() -> int:
    workdir = ROOT / "var" / "soak" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    workdir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(VAR_DIR=str(workdir / "var"), DEBUG="1", JOBS_STALE_AFTER=str(STALE_AFTER))
    print(f"soak: {SECONDS} s in {workdir}", flush=True)
    manage(env, "migrate", "--no-input")
    manage(env, "load_demo")
    manage(env, "shell", "-c", OPEN_AROUND_THE_CLOCK)

    processes = start(env, workdir)
    started = datetime.now(UTC)
    floor = Floor()
    stop = threading.Event()
    deaths: list[str] = []
    try:
        wait_for_web(processes)
        threads = [
            threading.Thread(target=agent_loop, args=(floor, stop), daemon=True),
            threading.Thread(target=intake_loop, args=(floor, stop), daemon=True),
            threading.Thread(target=board_loop, args=(floor, stop), daemon=True),
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            time.sleep(min(15, max(0.0, deadline - time.monotonic())))
            for name, process in processes.items():
                if process.poll() is not None and not any(d.startswith(name) for d in deaths):
                    deaths.append(f"{name} exited with {process.returncode} at {datetime.now(UTC)}")
                    print(f"soak: {deaths[-1]}", flush=True)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        ended = datetime.now(UTC)
        state = json.loads(manage(env, "shell", "-c", STATE).strip().splitlines()[-1])
        broker_left = len(list((workdir / "var" / "celery-broker" / "queue").glob("*")))
        banner = stopped_worker_shows_banner(processes)
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    report, ok = build_report(
        workdir, started, ended, deaths, floor, state, broker_left, banner, env
    )
    (workdir / "report.md").write_text(report)
    print(report)
    return 0 if ok else 1


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def start(env: dict, workdir: Path) -> dict[str, subprocess.Popen]:
    """The processes of Procfile.dev, as `make run` starts them, on the soak's port."""
    processes = {}
    for line in (ROOT / "Procfile.dev").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, command = line.split(":", 1)
        command = command.replace("127.0.0.1:8000", f"127.0.0.1:{PORT}")
        log = open(workdir / f"{name}.log", "w")  # noqa: SIM115 - open for the process's life
        processes[name] = subprocess.Popen(
            shlex.split(command),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return processes


def wait_for_web(processes: dict) -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{BASE}/accounts/login/", timeout=5)
            return
        except (urllib.error.URLError, ConnectionError):
            if processes["web"].poll() is not None:
                raise SystemExit("soak: the web process died at start") from None
            time.sleep(0.5)
    raise SystemExit("soak: the web process never answered")


def api(method: str, path: str, token: str | None, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{BASE}/api/v1/{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        return error.code, {}


def token_for(username: str) -> str:
    status, body = api("POST", "auth/token/", None, {"username": username, "password": PASSWORD})
    if status != 200:
        raise SystemExit(f"soak: no token for {username} ({status})")
    return body["token"]


def checked(floor: Floor, what: str, status: int) -> bool:
    if status >= 500:
        floor.error(f"{what}: HTTP {status}")
    return status < 400


def agent_loop(floor: Floor, stop: threading.Event) -> None:
    """A téléconseiller: ready, claim, talk a few seconds, record an outcome; again."""
    rng = random.Random(1)
    token = token_for("agent93")
    outcomes = ["reached"] * 5 + ["no_answer"] * 3 + ["busy", "voicemail", "wrong_number"]
    while not stop.is_set():
        try:
            status, _ = api("POST", "agents/me/status/", token, {"status": "ready"})
            checked(floor, "status", status)
            status, body = api("POST", "queue/next/", token)
            if not checked(floor, "claim", status) or not body.get("assignment"):
                floor.count("empty queue")
                stop.wait(10)
                continue
            floor.count("claims")
            stop.wait(rng.uniform(2, 6))
            assignment = body["assignment"]["id"]
            outcome = {"outcome": rng.choice(outcomes)}
            status, _ = api("POST", f"assignments/{assignment}/outcome/", token, outcome)
            if checked(floor, "outcome", status):
                floor.count("outcomes")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            floor.error(f"agent: {error}")
            stop.wait(5)


def intake_loop(floor: Floor, stop: threading.Event) -> None:
    """A CPAM admin registers a patient zéro with two contacts every minute."""
    rng = random.Random(2)
    token = token_for("admin93")
    while not stop.is_set():
        today = datetime.now(PARIS).date()
        body = {
            "first_name": "Soak",
            "last_name": f"Patient {rng.randrange(10**6)}",
            "phone": mobile(rng),
            "language": "fr",
            "territory": "93",
            "sampled_at": (today - timedelta(days=1)).isoformat(),
            "contacts": [
                {
                    "first_name": "Contact",
                    "last_name": f"Soak {rng.randrange(10**6)}",
                    "phone": mobile(rng),
                    "language": rng.choice(["fr", "fr", "ar"]),
                    "exposure_type": "close",
                    "last_exposure_date": (today - timedelta(days=2)).isoformat(),
                }
                for _ in range(2)
            ],
        }
        try:
            status, _ = api("POST", "index-cases/", token, body)
            if checked(floor, "intake", status):
                floor.count("intakes")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            floor.error(f"intake: {error}")
        stop.wait(60)


def mobile(rng: random.Random) -> str:
    return "+336" + "".join(str(rng.randrange(10)) for _ in range(8))


def board_loop(floor: Floor, stop: threading.Event) -> None:
    """A superviseur keeps the board and the alerts open (the pages poll every few seconds)."""
    opener = logged_in("superviseur93")
    while not stop.is_set():
        for path in ("/supervision/", "/supervision/board/rows/", "/supervision/alerts/"):
            try:
                with opener.open(f"{BASE}{path}", timeout=30) as response:
                    checked(floor, path, response.status)
                floor.count("board reads")
            except urllib.error.HTTPError as error:
                checked(floor, path, error.code)
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                floor.error(f"board: {error}")
        stop.wait(5)


def logged_in(username: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{BASE}/accounts/login/", timeout=30).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    request = urllib.request.Request(
        f"{BASE}/accounts/login/",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Referer": f"{BASE}/accounts/login/"},
    )
    opener.open(request, timeout=30).read()
    return opener


def stopped_worker_shows_banner(processes: dict) -> tuple[str, bool]:
    """Stop the worker; once the heartbeat is older than JOBS_STALE_AFTER the banner shows."""
    os.killpg(processes["worker"].pid, signal.SIGTERM)
    processes["worker"].wait(timeout=60)
    opener = logged_in("superviseur93")
    before = opener.open(f"{BASE}/supervision/alerts/", timeout=30).read().decode()
    time.sleep(STALE_AFTER + 45)
    after = opener.open(f"{BASE}/supervision/alerts/", timeout=30).read().decode()
    shown_before = 'data-testid="jobs-stopped"' in before
    shown_after = 'data-testid="jobs-stopped"' in after
    return (
        f"banner right after the worker stopped: {'shown' if shown_before else 'not shown'}; "
        f"{STALE_AFTER + 45} s later: {'shown' if shown_after else 'NOT SHOWN'}"
    ), (not shown_before and shown_after)


def periodic_jobs(env: dict) -> tuple[dict[str, int], ZoneInfo]:
    """The task name and interval in seconds of every job of the beat schedule, and the zone
    of the worker's log times (Django's TIME_ZONE)."""
    code = (
        "import json; from django.conf import settings; print(json.dumps([{e['task']: "
        "int(e['schedule'].total_seconds()) for e in settings.CELERY_BEAT_SCHEDULE.values()}, "
        "settings.TIME_ZONE]))"
    )
    jobs, zone = json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])
    return jobs, ZoneInfo(zone)


def read_worker_log(
    path: Path, zone: ZoneInfo, until: datetime
) -> tuple[dict, Counter, Counter, list]:
    succeeded: dict[str, list[datetime]] = defaultdict(list)
    raised: Counter = Counter()
    expired: Counter = Counter()
    fatal = []
    for line in path.read_text(errors="replace").splitlines():
        match = LOG_LINE.match(line)
        if not match:
            continue
        at = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
        if at > until:
            break
        message = match.group(3)
        if match.group(2) == "CRITICAL" or "Unrecoverable error" in message:
            fatal.append(line)
        if found := SUCCEEDED.search(message):
            succeeded[found.group(1)].append(at)
        elif found := RAISED.search(message):
            raised[found.group(1)] += 1
        elif found := EXPIRED.search(message):
            expired[found.group(1) or found.group(2)] += 1
    return succeeded, raised, expired, fatal


def build_report(
    workdir: Path,
    started: datetime,
    ended: datetime,
    deaths: list,
    floor: Floor,
    state: dict,
    broker_left: int,
    banner: tuple[str, bool],
    env: dict,
) -> tuple[str, bool]:
    jobs, zone = periodic_jobs(env)
    succeeded, raised, expired, fatal = read_worker_log(workdir / "worker.log", zone, ended)
    lines = [
        f"# Soak of the embedded default: {started:%Y-%m-%d %H:%M} to {ended:%H:%M} UTC "
        f"({(ended - started).total_seconds() / 60:.0f} min)",
        "",
        f"- process deaths: {len(deaths)}" + "".join(f"\n  - {d}" for d in deaths),
        f"- unrecoverable errors in the worker log: {len(fatal)}"
        + "".join(f"\n  - {f}" for f in fatal[:5]),
        "",
        "| periodic job | every | runs | failed | expired | longest gap | on time |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    late = []
    for task, every in sorted(jobs.items()):
        times = [started, *succeeded.get(task, []), ended]
        gap = max((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False))
        on_time = gap <= every + SLACK and not raised[task]
        if not on_time:
            late.append(task)
        lines.append(
            f"| {task} | {every} s | {len(times) - 2} | {raised[task]} | {expired[task]} | "
            f"{gap:.0f} s | {'yes' if on_time else 'NO'} |"
        )
    counts = floor.counts
    lines += [
        "",
        f"- floor: {counts['claims']} claims, {counts['outcomes']} outcomes, "
        f"{counts['intakes']} intakes, {counts['board reads']} board reads, "
        f"{counts['empty queue']} empty-queue waits",
        f"- HTTP 5xx or connection errors: {counts['errors']}"
        + "".join(f"\n  - {e}" for e in floor.errors),
        f"- SMS by state at the end: {state['sms']}",
        f"- messages left in the broker queue at the end: {broker_left}",
        f"- heartbeat rows: {state['heartbeat']}",
        f"- {banner[0]}",
    ]
    stuck = {k: v for k, v in state["sms"].items() if k in ("queued", "sending")}
    ok = not deaths and not fatal and not late and not counts["errors"] and banner[1]
    ok = ok and counts["outcomes"] > 0 and counts["intakes"] > 0
    verdict = "PASS" if ok else "FAIL"
    lines += ["", f"**{verdict}**" + (f" (late: {', '.join(late)})" if late else "")]
    if stuck:
        lines.append(f"(SMS still queued or sending at the end, due later or in flight: {stuck})")
    return "\n".join(lines) + "\n", ok


if __name__ == "__main__":
    sys.exit(main())
