"""Claims per second through the HTTP API: gunicorn serving the app, wrk as 64 agents.

    python bench/api_load.py [--clients 64] [--duration 25] [--warmup 5]
        [--gunicorn "-w 3 -k gthread --threads 8"]

Each wrk thread holds one connection and one agent's token (POST /api/v1/auth/token/ once each),
and loops: POST /api/v1/queue/next/, then POST /api/v1/assignments/{id}/outcome/ {"outcome":
"no_answer"} (the retry rule pushes the task an hour away, so it leaves the head of the queue).
The settings are production-like (DEBUG=0, SECRET_KEY set, ALLOWED_HOSTS=127.0.0.1,
SECURE_SSL_REDIRECT=0, the psycopg pool on). CPU shares of wrk, gunicorn and PostgreSQL come
from /proc.
"""

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import ROOT, bench_env, summary_ms  # noqa: E402

HERE = Path(__file__).resolve().parent
PASSWORD = "bench-password-1"  # demo/management/commands/generate_backlog.py
DEFAULT_GUNICORN = "--workers 3 --worker-class sync"


def _post(url: str, payload: dict | None, token: str | None = None) -> tuple[int, dict | None]:
    data = json.dumps(payload).encode() if payload is not None else b""
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            return response.status, (json.loads(body) if body else None)
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, {"raw": body[:300].decode(errors="replace")}


# --- CPU accounting from /proc ---------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def tree_cpu(pid: int) -> float:
    return proc_cpu(pid) + sum(tree_cpu(child) for child in _children(pid))


def postgres_cpu() -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += proc_cpu(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                pass
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


# --- gunicorn ----------------------------------------------------------------------------------


APP = "tracing_center.wsgi:application"


class Server:
    """A gunicorn serving `app` (the project by default) on 127.0.0.1:port, with gunicorn.conf.py.

    `probe` is a path any answer to which (even 4xx) means the workers are up; `nice` runs the
    whole pool at that niceness (a login pool below the claims' priority)."""

    def __init__(
        self,
        port: int,
        gunicorn_args: str,
        env: dict,
        *,
        app: str = APP,
        probe: str = "/api/v1/auth/token/",
        nice: int = 0,
    ):
        self.url = f"http://127.0.0.1:{port}"
        command = [
            *(["nice", "-n", str(nice)] if nice else []),
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            app,
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "--timeout",
            "60",
            *shlex.split(gunicorn_args),
        ]
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
            "w+", prefix="bench-gunicorn-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"gunicorn exited: see {self.log.name}\n"
                    f"{Path(self.log.name).read_text()[-3000:]}"
                )
            try:
                # Any answer will do (405 for a GET): the workers are up.
                urllib.request.urlopen(f"{self.url}{probe}", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise SystemExit("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def obtain_tokens(url: str, usernames: list[str]) -> list[str]:
    def one(username: str) -> str:
        status, body = _post(
            f"{url}/api/v1/auth/token/", {"username": username, "password": PASSWORD}
        )
        if status != 200:
            raise SystemExit(f"token for {username}: HTTP {status} {body}")
        return body["token"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, usernames))


def set_ready(url: str, tokens: list[str]) -> None:
    def one(token: str) -> None:
        status, body = _post(f"{url}/api/v1/agents/me/status/", {"status": "ready"}, token)
        if status == 409 and body and body.get("code") == "call_in_progress":
            # A call held since the last run: take it back and close it, as the agent would.
            status, body = _post(f"{url}/api/v1/queue/next/", None, token)
            if status == 200:
                _post(
                    f"{url}/api/v1/assignments/{body['assignment']['id']}/outcome/",
                    {"outcome": "no_answer"},
                    token,
                )
            status, body = _post(f"{url}/api/v1/agents/me/status/", {"status": "ready"}, token)
        if status != 200:
            raise SystemExit(f"status ready: HTTP {status} {body}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, tokens))


class Wrk:
    """One wrk process running a Lua script of bench/ (started at once; `finish()` waits).

    The script writes its figures to RESULT_FILE: `duration_us N`, `socket_errors c r w t`,
    `thread <i> <name> <count> <name> <count>…` (summed over the threads), `<name>_us v v v…`
    (latencies, microseconds, concatenated) and `error <text>`."""

    def __init__(self, url: str, clients: int, duration: float, script: str, env: dict):
        with tempfile.NamedTemporaryFile(
            "r", prefix="bench-wrk-", suffix=".txt", delete=False
        ) as result:
            self.result_file = result.name
        command = ["wrk", f"-t{clients}", f"-c{clients}", f"-d{int(duration)}s",
                   "--timeout", "30s", "-s", str(HERE / script), url]  # fmt: skip
        self.machine0 = machine_cpu()
        self.process = subprocess.Popen(
            command,
            env=dict(os.environ, RESULT_FILE=self.result_file, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def finish(self) -> dict:
        _, status, usage = os.wait4(self.process.pid, 0)
        busy1, total1 = machine_cpu()
        output = self.process.stdout.read()
        self.process.returncode = os.waitstatus_to_exitcode(status)
        if self.process.returncode != 0:
            raise SystemExit(f"wrk failed ({self.process.returncode}):\n{output}")
        parsed: dict = {"errors": [], "counts": {}}
        for line in Path(self.result_file).read_text().splitlines():
            key, _, rest = line.partition(" ")
            if key.endswith("_us") and key != "duration_us":
                parsed.setdefault(key, []).extend(int(v) for v in rest.split())
            elif key == "duration_us":
                parsed["duration"] = int(rest) / 1e6
            elif key == "thread":
                words = rest.split()[1:]
                for name, count in zip(words[::2], words[1::2], strict=True):
                    parsed["counts"][name] = parsed["counts"].get(name, 0) + int(count)
            elif key == "error":
                parsed["errors"].append(rest)
            elif key == "socket_errors":
                parsed["socket_errors"] = [int(v) for v in rest.split()]
        os.unlink(self.result_file)
        parsed["wrk_cpu_s"] = usage.ru_utime + usage.ru_stime
        parsed["machine_busy_s"] = busy1 - self.machine0[0]
        parsed["machine_total_s"] = total1 - self.machine0[1]
        return parsed


def run_wrk(
    url: str, clients: int, duration: float, tokens_file: str, claim_path: str | None = None
) -> dict:
    """The claim loop (claim_loop.lua) of `clients` agents; claim_path: another claim endpoint
    answering 200 without an `"id"` (no outcome follows then)."""
    env = {"TOKENS_FILE": tokens_file, **({"CLAIM_PATH": claim_path} if claim_path else {})}
    return loop_figures(Wrk(url, clients, duration, "claim_loop.lua", env).finish())


def loop_figures(parsed: dict) -> dict:
    """claim_loop.lua's counts under the names the bench uses."""
    counts = parsed["counts"]
    for name in ("claims", "empties", "outcomes"):
        parsed[name] = counts.get(name, 0)
    parsed["failed"] = counts.get("errors", 0)
    for name in ("claim_us", "empty_us", "outcome_us"):
        parsed.setdefault(name, [])
    return parsed


def loop_result(run: dict, wall: float) -> dict:
    """The figures of a claim loop run, as api.json has them."""
    return {
        "duration_s": wall,
        "claims": run["claims"],
        "empties": run["empties"],
        "outcomes": run["outcomes"],
        "failed": run["failed"],
        "errors": run["errors"][:5],
        "socket_errors": run.get("socket_errors"),
        "claims_per_s": run["claims"] / wall,
        "requests_per_s": (run["claims"] + run["empties"] + run["outcomes"] + run["failed"]) / wall,
        "claim_ms": summary_ms([us / 1e6 for us in run["claim_us"]]),
        "queue_next_ms": summary_ms([us / 1e6 for us in run["claim_us"] + run["empty_us"]]),
        "outcome_ms": summary_ms([us / 1e6 for us in run["outcome_us"]]),
    }


def measure_loop(
    server: "Server",
    clients: int,
    duration: float,
    warmup: float,
    tokens_file: str,
    claim_path: str | None = None,
) -> dict:
    """A warm-up, then the measured claim loop of `clients` agents on `server`, with the CPU of
    its processes and of PostgreSQL: the figures as api.json has them."""
    if warmup:
        run_wrk(server.url, clients, warmup, tokens_file, claim_path)
        # wrk stops with requests in flight: let the server finish them, or an outcome of the
        # warm-up could land after the measured run took the same call back (a 409).
        time.sleep(3)
    server_cpu0, pg_cpu0 = tree_cpu(server.process.pid), postgres_cpu()
    run = run_wrk(server.url, clients, duration, tokens_file, claim_path)
    server_cpu, pg_cpu = tree_cpu(server.process.pid) - server_cpu0, postgres_cpu() - pg_cpu0
    wall = run["duration"]
    capacity = run["machine_total_s"] or wall * os.cpu_count()
    return {
        **loop_result(run, wall),
        # Less sensitive to other load on the machine than claims/s: what one core buys.
        "claims_per_cpu_s": run["claims"] / ((server_cpu + pg_cpu) or 1),
        # The Python side alone (gunicorn's processes), per claim (+ its outcome or release).
        "gunicorn_cpu_ms_per_claim": 1000 * server_cpu / (run["claims"] or 1),
        "cpu_share": {
            "wrk": run["wrk_cpu_s"] / capacity,
            "gunicorn": server_cpu / capacity,
            "postgres": pg_cpu / capacity,
            "machine": run["machine_busy_s"] / capacity,
        },
    }


def write_tokens(tokens: list[str]) -> str:
    with tempfile.NamedTemporaryFile("w", prefix="bench-tokens-", delete=False) as f:
        f.write("\n".join(tokens) + "\n")
        return f.name


def pool_env(gunicorn_args: str, pool_max: int | None = None) -> dict:
    """The bench environment with the psycopg pool sized to a worker's threads."""
    threads = 1
    split = shlex.split(gunicorn_args)
    if "--threads" in split:
        threads = int(split[split.index("--threads") + 1])
    # One connection per worker thread is all a worker can use; a little headroom for the pool.
    pool_max = pool_max or threads + 2
    return bench_env(
        {"DB_POOL": "1", "DB_POOL_MIN": str(min(threads, pool_max)), "DB_POOL_MAX": str(pool_max)}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=int(os.environ.get("BENCH_CLIENTS", 64)))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 25)))
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", 5)))
    parser.add_argument("--gunicorn", default=os.environ.get("BENCH_GUNICORN", DEFAULT_GUNICORN))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8765)))
    parser.add_argument(
        "--pool-max", type=int, default=int(os.environ.get("BENCH_DB_POOL_MAX", 0)) or None
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    env = pool_env(args.gunicorn, args.pool_max)
    pool_max = int(env["DB_POOL_MAX"])
    usernames = [f"bench-agent-{n:04d}" for n in range(1, args.clients + 1)]

    server = Server(args.port, args.gunicorn, env)
    try:
        tokens = obtain_tokens(server.url, usernames)
        set_ready(server.url, tokens)
        tokens_file = write_tokens(tokens)
        figures = measure_loop(server, args.clients, args.duration, args.warmup, tokens_file)
        os.unlink(tokens_file)
    finally:
        server.stop()

    result = {
        "gunicorn": args.gunicorn,
        "pool_max": pool_max,
        "clients": args.clients,
        "gc_freeze": env.get("GUNICORN_GC_FREEZE", "1") != "0",
        **figures,
    }
    claim, share = result["claim_ms"], result["cpu_share"]
    print(
        f"API ({args.gunicorn}, pool max {pool_max}, {args.clients} agents, "
        f"{result['duration_s']:.0f} s): "
        f"{result['claims_per_s']:.0f} claims/s, queue/next p50 {claim['p50']:.1f} ms "
        f"p95 {claim['p95']:.1f} ms "
        f"p99 {claim['p99']:.1f} ms; outcome p50 {result['outcome_ms']['p50']:.1f} ms; "
        f"{result['empties']} empty, {result['failed']} failed; CPU wrk {share['wrk']:.0%} "
        f"gunicorn {share['gunicorn']:.0%} postgres {share['postgres']:.0%} "
        f"machine {share['machine']:.0%}"
    )
    for error in result["errors"]:
        print(f"  error: {error}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
