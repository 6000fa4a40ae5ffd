"""The claim loop behind a proxy: the 8:30 login storm, two nodes, gc.freeze (bench/README.md).

    python bench/topology.py storm --out storm.json    # logins per core, claims under a storm
    python bench/topology.py nodes --out nodes.json    # one node vs two behind HAProxy, Celery on
    python bench/topology.py gc --out gc.json          # the app with and without gc.freeze()

Every run is the app's claim + outcome loop of api_load.py (wrk, claim_loop.lua, the bench
agents), on the bench database, with production-like settings. HAProxy (apt-get install -y
haproxy) routes by path in a configuration written to a temporary file: /accounts/login/ and
/api/v1/auth/token/ to the login pool when there is one, the rest to the web node(s). Between
runs, the tasks the previous run pushed an hour away go back to the head of the queue, and the
queue tables are vacuumed, so each run starts from the same queue.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_load import (  # noqa: E402
    DEFAULT_GUNICORN,
    PASSWORD,
    Server,
    Wrk,
    loop_figures,
    loop_result,
    machine_cpu,
    pool_env,
    postgres_cpu,
    set_ready,
    tree_cpu,
    write_tokens,
)
from bench_common import ROOT, setup_django, summary_ms  # noqa: E402

BASE_PORT = int(os.environ.get("BENCH_PORT", 8765)) + 10
LOGIN_PATHS = ("/accounts/login/", "/api/v1/auth/token/")


# --- HAProxy -----------------------------------------------------------------------------------


class HAProxy:
    """HAProxy on 127.0.0.1:port: the login paths to `login` when given, the rest to `web`
    (round robin); configuration in a temporary file, the process in the foreground."""

    def __init__(self, port: int, web: list[str], login: list[str] | None = None):
        self.url = f"http://127.0.0.1:{port}"
        self.config = self.render(port, web, login)
        with tempfile.NamedTemporaryFile(
            "w", prefix="bench-haproxy-", suffix=".cfg", delete=False
        ) as f:
            f.write(self.config)
            self.config_file = f.name
        subprocess.run(["haproxy", "-c", "-q", "-f", self.config_file], check=True)
        self.process = subprocess.Popen(["haproxy", "-db", "-f", self.config_file])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("HAProxy did not listen within 10 s")

    @staticmethod
    def render(port: int, web: list[str], login: list[str] | None) -> str:
        def servers(name: str, addresses: list[str]) -> list[str]:
            return [f"backend {name}", "    balance roundrobin"] + [
                f"    server {name}{i} {address}" for i, address in enumerate(addresses, 1)
            ]

        lines = [
            "global",
            "    maxconn 4096",
            "defaults",
            "    mode http",
            "    timeout connect 5s",
            "    timeout client 60s",
            "    timeout server 60s",
            "    timeout queue 60s",
            "frontend front",
            f"    bind 127.0.0.1:{port}",
        ]
        if login:
            lines += [
                f"    acl login path {' '.join(LOGIN_PATHS)}",
                "    use_backend login if login",
            ]
        lines += ["    default_backend web", *servers("web", web)]
        if login:
            lines += servers("login", login)
        return "\n".join(lines) + "\n"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        Path(self.config_file).unlink(missing_ok=True)


# --- the queue between runs --------------------------------------------------------------------


def _sql(sql: str, *, fetch: bool = False):
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if fetch else None


def assignment_mark() -> int:
    return _sql("SELECT COALESCE(MAX(id), 0) FROM calls_assignment", fetch=True)[0][0]


def requeue_since(mark: int) -> None:
    """What the runs since `mark` pushed an hour away back at the head of the queue; vacuum."""
    _sql(
        "UPDATE calls_calltask SET not_before = NULL WHERE status = 'queued' AND id IN "
        f"(SELECT task_id FROM calls_assignment WHERE id > {int(mark)})"
    )
    _sql("VACUUM (ANALYZE) calls_calltask, calls_assignment, agents_agent")


# --- a measured run ----------------------------------------------------------------------------


def storm_users(count: int) -> list[str]:
    """bench-storm-0001…: users with the bench agents' password hash (PBKDF2, the default
    hasher and iterations), no agent profile: their logins touch none of the claim's rows."""
    import psycopg

    names = [f"bench-storm-{n:04d}" for n in range(1, count + 1)]
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(
            "INSERT INTO auth_user (username, password, is_superuser, is_staff, is_active,"
            " first_name, last_name, email, date_joined)"
            " SELECT u.name, a.password, false, false, true, '', '', '', now()"
            " FROM unnest(%s::text[]) AS u(name),"
            " (SELECT password FROM auth_user WHERE username = 'bench-agent-0001') AS a"
            " ON CONFLICT (username) DO NOTHING",
            [names],
        )
    return names


def hasher() -> str:
    from django.contrib.auth.hashers import get_hasher

    h = get_hasher()
    return f"{h.algorithm}, {getattr(h, 'iterations', '?'):,} iterations"


def login_cpu(username: str, logins: int = 8) -> dict:
    """CPU per login in this process (Django's test client: every middleware, axes, the token),
    and of the password check alone: less sensitive to the other load on the machine than the
    HTTP runs, which count wall time."""
    from django.contrib.auth.hashers import check_password
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    body = {"username": username, "password": PASSWORD}

    def one() -> float:
        started = time.process_time()
        response = client.post("/api/v1/auth/token/", body, content_type="application/json")
        if response.status_code != 200:
            raise SystemExit(f"login of {username}: HTTP {response.status_code}")
        return time.process_time() - started

    one()
    request = sorted(one() for _ in range(logins))
    encoded = User.objects.get(username=username).password
    started = time.process_time()
    for _ in range(logins):
        check_password(PASSWORD, encoded)
    connection.close()
    return {
        "logins": logins,
        "request_cpu_ms": 1000 * request[len(request) // 2],
        "hash_cpu_ms": 1000 * (time.process_time() - started) / logins,
    }


def measure(
    front: str,
    servers: list[Server],
    tokens_file: str,
    *,
    clients: int,
    duration: int,
    warmup: int,
    storm: dict | None = None,
) -> dict:
    """The claim loop of `clients` agents on `front` (and a login storm alongside when given:
    {"clients": n, "users_file": path}); CPU of the given gunicorns and of PostgreSQL."""
    from api_load import run_wrk

    if warmup:
        run_wrk(front, clients, warmup, tokens_file)
        time.sleep(3)
    mark = assignment_mark()
    cpu0 = [tree_cpu(s.process.pid) for s in servers]
    pg0 = postgres_cpu()
    claim = Wrk(front, clients, duration, "claim_loop.lua", {"TOKENS_FILE": tokens_file})
    logins = None
    if storm:
        logins = Wrk(
            front,
            storm["clients"],
            duration,
            "login_storm.lua",
            {"USERS_FILE": storm["users_file"], "PASSWORD": PASSWORD},
        )
    run = loop_figures(claim.finish())
    cpu = [tree_cpu(s.process.pid) - c for s, c in zip(servers, cpu0, strict=True)]
    pg = postgres_cpu() - pg0
    wall = run["duration"]
    capacity = run["machine_total_s"] or wall * os.cpu_count()
    result = {
        **loop_result(run, wall),
        "cpu_share": {
            "gunicorn": [c / capacity for c in cpu],
            "postgres": pg / capacity,
            "machine": run["machine_busy_s"] / capacity,
        },
    }
    if logins:
        storm_run = logins.finish()
        result["storm"] = login_figures(storm_run, storm["clients"])
    time.sleep(3)
    requeue_since(mark)
    return result


def login_figures(run: dict, clients: int) -> dict:
    wall = run["duration"]
    counts = run["counts"]
    return {
        "clients": clients,
        "logins": counts.get("logins", 0),
        "failed": counts.get("errors", 0),
        "errors": run["errors"][:3],
        "socket_errors": run.get("socket_errors"),
        "logins_per_s": counts.get("logins", 0) / wall,
        "login_ms": summary_ms([us / 1e6 for us in run.get("login_us", [])]),
    }


def line(name: str, r: dict) -> str:
    c = r["claim_ms"]
    text = (
        f"{name}: {r['claims_per_s']:.0f} claims/s, queue/next p50 {c['p50']:.0f} ms "
        f"p99 {c['p99']:.0f} ms; {r['failed']} failed, "
        f"{sum(r.get('socket_errors') or [])} socket errors"
    )
    if r.get("storm"):
        s = r["storm"]
        text += (
            f"; storm {s['logins_per_s']:.1f} logins/s, login p50 {s['login_ms']['p50']:.0f} ms "
            f"p99 {s['login_ms']['p99']:.0f} ms, {s['failed']} failed"
        )
    return text


def agent_tokens(url: str, clients: int) -> str:
    """The bench agents' API tokens, read (or made) in the database rather than through
    POST /api/v1/auth/token/: 64 PBKDF2 logins per run would cost a minute of CPU here (the
    claim part's API run logs in through HTTP); then each agent ready, through the API."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from agents.services.sessions import token_expired

    usernames = [f"bench-agent-{n:04d}" for n in range(1, clients + 1)]
    users = get_user_model().objects.filter(username__in=usernames).order_by("username")
    tokens = []
    for user in users:
        token, _created = Token.objects.get_or_create(user=user)
        if token_expired(token=token, now=timezone.now()):
            token.delete()
            token = Token.objects.create(user=user)
        tokens.append(token.key)
    connection.close()
    if len(tokens) < clients:
        raise SystemExit(f"{len(tokens)} bench agents for {clients} clients")
    set_ready(url, tokens)
    return write_tokens(tokens)


# --- the three measurements --------------------------------------------------------------------


def run_storm(args) -> dict:
    """Logins per core-second; then the claim loop alone, with a storm on the same pool, and with
    a storm on a login pool of its own (behind HAProxy in all three)."""
    env = pool_env(args.gunicorn)
    users = storm_users(args.storm_clients)
    with tempfile.NamedTemporaryFile("w", prefix="bench-users-", delete=False) as f:
        f.write("\n".join(users) + "\n")
        users_file = f.name
    storm = {"clients": args.storm_clients, "users_file": users_file}
    result: dict = {
        "gunicorn": args.gunicorn,
        "login_gunicorn": args.login_gunicorn,
        "login_nice": args.login_nice,
        "storm_clients": args.storm_clients,
        "hasher": hasher(),
    }
    web_port, login_port, front_port = BASE_PORT + 1, BASE_PORT + 2, BASE_PORT
    result["in_process"] = login_cpu(users[0])
    print(
        f"login in process: {result['in_process']['request_cpu_ms']:.0f} ms of CPU per "
        f"POST /api/v1/auth/token/ (median of {result['in_process']['logins']}), "
        f"{result['in_process']['hash_cpu_ms']:.0f} ms of it the password check",
        flush=True,
    )
    try:
        # 1. Logins alone, straight to the app's pool: how many per CPU-second of gunicorn.
        server = Server(web_port, args.gunicorn, env)
        try:
            cpu0 = tree_cpu(server.process.pid)
            busy0, total0 = machine_cpu()
            alone = Wrk(server.url, args.storm_clients, args.duration, "login_storm.lua",
                        {"USERS_FILE": users_file, "PASSWORD": PASSWORD}).finish()  # fmt: skip
            cpu = tree_cpu(server.process.pid) - cpu0
            busy1, total1 = machine_cpu()
        finally:
            server.stop()
        figures = login_figures(alone, args.storm_clients)
        figures["cpu_ms_per_login"] = 1000 * cpu / max(figures["logins"], 1)
        figures["logins_per_core_s"] = figures["logins"] / (cpu or 1)
        figures["machine_share"] = (busy1 - busy0) / ((total1 - total0) or 1)
        result["logins_alone"] = figures
        print(
            f"logins alone ({args.gunicorn}, {args.storm_clients} connections): "
            f"{figures['logins_per_s']:.1f} logins/s, {figures['cpu_ms_per_login']:.0f} ms of "
            f"gunicorn CPU each ({figures['logins_per_core_s']:.1f} per core-second), "
            f"p50 {figures['login_ms']['p50']:.0f} ms; {figures['failed']} failed",
            flush=True,
        )

        # 2. One pool for everything: the claim loop alone, then with the storm.
        server = Server(web_port, args.gunicorn, env)
        front = HAProxy(front_port, [f"127.0.0.1:{web_port}"])
        try:
            tokens_file = agent_tokens(front.url, args.clients)
            common = {"clients": args.clients, "duration": args.duration, "warmup": args.warmup}
            result["alone"] = measure(front.url, [server], tokens_file, **common)
            print(line("claim loop alone (HAProxy, one pool)", result["alone"]), flush=True)
            result["shared"] = measure(front.url, [server], tokens_file, storm=storm, **common)
            print(line("with the storm, one pool", result["shared"]), flush=True)
        finally:
            front.stop()
            server.stop()

        # 3. The login paths on a pool of their own.
        server = Server(web_port, args.gunicorn, env)
        login = Server(login_port, args.login_gunicorn, pool_env(args.login_gunicorn),
                       nice=args.login_nice)  # fmt: skip
        front = HAProxy(front_port, [f"127.0.0.1:{web_port}"], [f"127.0.0.1:{login_port}"])
        try:
            result["separate"] = measure(
                front.url, [server, login], tokens_file, storm=storm, **common
            )
            print(line("with the storm, login pool apart", result["separate"]), flush=True)
        finally:
            front.stop()
            login.stop()
            server.stop()
        os.unlink(tokens_file)
        result["haproxy_config"] = HAProxy.render(
            front_port, [f"127.0.0.1:{web_port}"], [f"127.0.0.1:{login_port}"]
        )
    finally:
        os.unlink(users_file)
    return result


class Celery:
    """`workers` Celery workers and one beat, on REDIS_URL (broker and cache)."""

    def __init__(self, env: dict, workers: int):
        celery = str(ROOT / ".venv" / "bin" / "celery")
        self.schedule = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as beat
            prefix="bench-beat-", delete=False
        ).name
        os.unlink(self.schedule)
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            "w+", prefix="bench-celery-", suffix=".log", delete=False
        )
        common = {"cwd": ROOT, "env": env, "stdout": self.log, "stderr": subprocess.STDOUT}
        self.processes = [
            subprocess.Popen([celery, "-A", "tracing_center", "worker", "--loglevel", "warning",
                              "--concurrency", "1", "--hostname", f"bench{i}@%h"], **common)
            for i in range(1, workers + 1)
        ] + [
            subprocess.Popen([celery, "-A", "tracing_center", "beat", "--loglevel", "warning",
                              "--schedule", self.schedule], **common)
        ]  # fmt: skip

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for suffix in ("", ".db", ".dat", ".dir", ".bak"):
            Path(self.schedule + suffix).unlink(missing_ok=True)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def run_nodes(args) -> dict:
    """The national layout in miniature: one address (HAProxy), Celery workers and one beat on
    Redis; the claim loop on one web node, then on two."""
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL")
    if not redis_url:
        raise SystemExit("the nodes part needs BENCH_REDIS_URL or REDIS_URL (broker and cache)")
    env = pool_env(args.gunicorn)
    env["REDIS_URL"] = redis_url
    ports = [BASE_PORT + 1, BASE_PORT + 2]
    result: dict = {"gunicorn": args.gunicorn, "celery_workers": args.celery_workers,
                    "redis_url": redis_url}  # fmt: skip
    celery = Celery(env, args.celery_workers)
    try:
        common = {"clients": args.clients, "duration": args.duration, "warmup": args.warmup}
        for count in (1, 2):
            servers = [Server(port, args.gunicorn, env) for port in ports[:count]]
            front = HAProxy(BASE_PORT, [f"127.0.0.1:{p}" for p in ports[:count]])
            try:
                tokens_file = agent_tokens(front.url, args.clients)
                run = measure(front.url, servers, tokens_file, **common)
                os.unlink(tokens_file)
            finally:
                front.stop()
                for server in servers:
                    server.stop()
            result[f"nodes_{count}"] = run
            print(line(f"{count} web node(s) behind HAProxy, Celery and beat on", run), flush=True)
        dead = [p.args[3] for p in celery.processes if p.poll() is not None]
        result["celery_died"] = dead
    finally:
        celery.stop()
    return result


def gc_in_process(blocks: int, loops: int) -> dict:
    """The claim + outcome loop in this process (Django's test client, 8 agents in turn, as
    request_cpu.py), in blocks of `loops` with the start-up objects unfrozen then frozen, `blocks`
    times: the CPU of each loop, and every full (generation 2) collection timed through
    gc.callbacks. What the HTTP runs hide behind the waiting for a CPU."""
    import gc
    import logging

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    logging.disable(logging.WARNING)

    def post(client: Client, path: str, payload: dict | None = None):
        return client.post(path, payload, content_type="application/json")

    def loop(client: Client) -> float:
        started = time.process_time()
        response = post(client, "/api/v1/queue/next/")
        if response.status_code != 200:
            raise SystemExit(f"queue/next: {response.status_code} {response.content[:300]}")
        assignment = response.json()["assignment"]["id"]
        post(client, f"/api/v1/assignments/{assignment}/outcome/", {"outcome": "no_answer"})
        return time.process_time() - started

    mark = assignment_mark()
    clients = []
    for n in range(1, 9):
        user = User.objects.get(username=f"bench-agent-{n:04d}")
        token, _ = Token.objects.get_or_create(user=user)
        client = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_HOST="127.0.0.1")
        if post(client, "/api/v1/agents/me/status/", {"status": "ready"}).status_code == 409:
            response = post(client, "/api/v1/queue/next/")
            post(client, f"/api/v1/assignments/{response.json()['assignment']['id']}/outcome/",
                 {"outcome": "no_answer"})  # fmt: skip
        clients.append(client)
    for i in range(16):  # every module and URL loaded, the caches warm
        loop(clients[i % 8])

    full: list[float] = []
    started_at = [0.0]

    def timer(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                started_at[0] = time.perf_counter()
            else:
                full.append(time.perf_counter() - started_at[0])

    figures = {setting: {"loop_s": [], "full_s": []} for setting in ("off", "on")}
    gc.callbacks.append(timer)
    try:
        for _ in range(blocks):
            for setting in ("off", "on"):
                gc.unfreeze()
                if setting == "on":
                    gc.collect()
                    gc.freeze()
                full.clear()
                figures[setting]["loop_s"] += [loop(clients[i % 8]) for i in range(loops)]
                figures[setting]["full_s"] += full
    finally:
        gc.callbacks.remove(timer)
        gc.unfreeze()
        logging.disable(logging.NOTSET)
        connection.close()
    requeue_since(mark)
    return {
        "blocks": blocks,
        "loops": loops,
        **{
            setting: {
                "loop_cpu_ms": summary_ms(f["loop_s"]),
                "full_collections": len(f["full_s"]),
                "full_collection_ms": summary_ms(f["full_s"]),
            }
            for setting, f in figures.items()
        },
    }


def run_gc(args) -> dict:
    """The app straight from gunicorn, gc.freeze() off then on, `rounds` times, interleaved.

    With fewer agents than the claim part (--gc-clients, 6: two per worker of the default
    pool), so that the latency is the requests' own more than waiting in gunicorn's queue (with
    64 agents the p99 is seconds of queueing, where a 100 ms collection does not show)."""
    result: dict = {"gunicorn": args.gunicorn, "rounds": args.rounds, "off": [], "on": [],
                    "clients": args.gc_clients}  # fmt: skip
    common = {"clients": args.gc_clients, "duration": args.duration, "warmup": args.warmup}
    result["in_process"] = gc_in_process(args.gc_blocks, args.gc_loops)
    for setting in ("off", "on"):
        r = result["in_process"][setting]
        print(
            f"in process, gc.freeze() {setting}: loop CPU p50 {r['loop_cpu_ms']['p50']:.0f} ms "
            f"p99 {r['loop_cpu_ms']['p99']:.0f} ms max {r['loop_cpu_ms']['max']:.0f} ms; "
            f"{r['full_collections']} full collections, "
            f"mean {r['full_collection_ms']['mean']:.0f} ms, "
            f"max {r['full_collection_ms']['max']:.0f} ms",
            flush=True,
        )
    for _ in range(args.rounds):
        for setting in ("off", "on"):
            env = pool_env(args.gunicorn)
            env["GUNICORN_GC_FREEZE"] = "1" if setting == "on" else "0"
            server = Server(BASE_PORT + 1, args.gunicorn, env)
            try:
                tokens_file = agent_tokens(server.url, args.clients)
                run = measure(server.url, [server], tokens_file, **common)
                os.unlink(tokens_file)
            finally:
                server.stop()
            result[setting].append(run)
            print(line(f"gc.freeze() {setting}", run), flush=True)
    for setting in ("off", "on"):
        runs = result[setting]
        result[f"{setting}_summary"] = {
            "claims_per_s": [r["claims_per_s"] for r in runs],
            "queue_next_p99": [r["claim_ms"]["p99"] for r in runs],
            "queue_next_max": [r["claim_ms"]["max"] for r in runs],
            "outcome_p99": [r["outcome_ms"]["p99"] for r in runs],
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=("storm", "nodes", "gc"))
    parser.add_argument("--clients", type=int, default=int(os.environ.get("BENCH_CLIENTS", 64)))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 25)))
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", 5)))
    parser.add_argument("--gunicorn", default=os.environ.get("BENCH_GUNICORN", DEFAULT_GUNICORN))
    parser.add_argument(
        "--login-gunicorn",
        default=os.environ.get("BENCH_LOGIN_GUNICORN", "--workers 1 --worker-class sync"),
    )
    parser.add_argument(
        "--login-nice", type=int, default=int(os.environ.get("BENCH_LOGIN_NICE", 10))
    )
    parser.add_argument(
        "--storm-clients", type=int, default=int(os.environ.get("BENCH_STORM_CLIENTS", 8))
    )
    parser.add_argument(
        "--celery-workers", type=int, default=int(os.environ.get("BENCH_CELERY_WORKERS", 2))
    )
    parser.add_argument(
        "--gc-clients", type=int, default=int(os.environ.get("BENCH_GC_CLIENTS", 6))
    )
    parser.add_argument("--gc-blocks", type=int, default=int(os.environ.get("BENCH_GC_BLOCKS", 4)))
    parser.add_argument("--gc-loops", type=int, default=int(os.environ.get("BENCH_GC_LOOPS", 60)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_GC_ROUNDS", 2)))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    for tool in ("wrk", "haproxy") if args.what != "gc" else ("wrk",):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: apt-get install -y {tool}")
    setup_django()
    result = {"storm": run_storm, "nodes": run_nodes, "gc": run_gc}[args.what](args)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
