"""`make bench`: the claim benchmark, end to end, with a table of the figures.

Environment:
  DATABASE_URL   the bench database (default postgres://postgres@127.0.0.1:5432/tracing_center_bench);
                 created and migrated here; its call, case and status tables are emptied.
  BENCH_SIZES    queued tasks to measure at, comma-separated (default 10000,1000000); the load
                 runs (raw SQL, API) use the last size.
  BENCH_CLIENTS  concurrent agents for the load runs (default 64)
  BENCH_DURATION seconds measured per load run (default 25), after BENCH_WARMUP (default 5)
  BENCH_CLAIMS   claims timed per size through the service (default 3000)
  BENCH_GUNICORN gunicorn options (default: see api_load.py)
  BENCH_SKIP     comma-separated steps to skip: raw, ceiling, api, generate (reuse the national
                 data already loaded)
  BENCH_PARTS    the parts to run, comma-separated: claim, supervision, integrity, simulation,
                 login (the default), nodes, gc (on request)
  BENCH_PORT     the app's port (default 8765; the minimal endpoint +1, the proxy parts +10..+12)

The login, nodes and gc parts (bench/topology.py) run on the claim database, behind HAProxy for
the first two: BENCH_STORM_CLIENTS, BENCH_LOGIN_GUNICORN, BENCH_LOGIN_NICE, BENCH_REDIS_URL
(nodes; default REDIS_URL, required), BENCH_CELERY_WORKERS, BENCH_GC_CLIENTS, BENCH_GC_ROUNDS
(bench/README.md).

The integrity part: the seeded-fraud month (manage.py generate_integrity_month) on its own
database, DATABASE_URL's name + "_integrity", dropped and created afresh:
  BENCH_INTEGRITY_SEED    the month's seed (default 1)
  BENCH_INTEGRITY_AGENTS  téléconseillers (default 200)

The simulation part: the national surge day in the queue simulator (manage.py simulate_day:
120,000 contacts and 25,000 patients zéro, 100 territories, 34 languages, 11,000 agents), its
speed, EDF vs FIFO vs no language routing, and the planner against the workload formula; the
retry rules are read from DATABASE_URL's name + "_simulation" (created and migrated):
  BENCH_SIMULATION_SEED   the day's seed (default 1)

The supervision part (bench/supervision.py) on its own database:
  BENCH_SUPERVISION_DATABASE_URL  default: DATABASE_URL's database name + "_supervision"; created,
                 migrated and EMPTIED by `manage.py generate_national --reset`
  BENCH_SCALE    full (default: 11,000 agents, 100 territories, 6,000,000 attempts, a peak day of
                 120,000 tasks and 300,000 attempts) or small (1,500 agents, 10 territories,
                 300,000 attempts; under a minute)
  BENCH_REQUESTS requests timed per page (default 300 at full scale, 100 small)
  REDIS_URL      when set, the pages and the job share Redis as the cache (else LocMem)

Results go to var/bench/results.json and var/bench/results.md as well as the terminal.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_common import DEFAULT_DATABASE_URL, ROOT, bench_env  # noqa: E402

PY = (
    str(ROOT / ".venv" / "bin" / "python")
    if (ROOT / ".venv" / "bin" / "python").exists()
    else sys.executable
)
OUT = ROOT / "var" / "bench"


PARTS = ("claim", "supervision", "integrity", "simulation", "login", "nodes", "gc")
# nodes (two web nodes, Celery and beat behind HAProxy) and gc (the app with gc.freeze() off and
# on, interleaved) are opt-in: BENCH_PARTS=nodes,gc.
DEFAULT_PARTS = ("claim", "supervision", "integrity", "simulation", "login")


def step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def run(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    started = time.monotonic()
    done = subprocess.run(args, cwd=ROOT, env=env, check=False, **kwargs)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(args)}")
    print(f"    ({time.monotonic() - started:.0f} s)", flush=True)
    return done


def psql(database_url: str, sql: str, *, autocommit: bool = True) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url, autocommit=autocommit) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def machine(database_url: str) -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    settings = dict(
        psql(
            database_url,
            "SELECT name, setting || COALESCE(unit, '') FROM pg_settings"
            " WHERE name IN ('shared_buffers', 'synchronous_commit',"
            " 'autovacuum', 'jit', 'max_connections', 'work_mem', 'effective_cache_size')",
        )
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": psql(database_url, "SHOW server_version")[0][0],
        "pg_settings": settings,
        "load_average_at_start": os.getloadavg(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def ensure_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    info = psycopg.conninfo.conninfo_to_dict(database_url)
    name = info.get("dbname")
    admin = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"    created database {name}")


def vacuum(database_url: str) -> None:
    # What autovacuum would do between the runs (it may be off on a bench server): fresh
    # statistics, dead rows of the previous run cleared.
    psql(
        database_url,
        "VACUUM (ANALYZE) calls_calltask, calls_assignment, agents_agent, agents_agentstatusperiod",
    )


# generate_national's sizes (BENCH_SCALE) and the requests timed per page.
SCALES = {
    "full": {
        "args": ["--agents", "11000", "--territories", "100", "--attempts", "6000000",
                 "--peak-contacts", "120000", "--peak-attempts", "300000"],
        "requests": 300,
        "job_runs": 10,
    },
    "small": {
        "args": ["--agents", "1500", "--territories", "10", "--attempts", "300000",
                 "--peak-contacts", "8000", "--peak-attempts", "20000"],
        "requests": 100,
        "job_runs": 4,
    },
}  # fmt: skip


def supervision_database_url(database_url: str) -> str:
    if os.environ.get("BENCH_SUPERVISION_DATABASE_URL"):
        return os.environ["BENCH_SUPERVISION_DATABASE_URL"]
    return sibling_database_url(database_url, "supervision")


def sibling_database_url(database_url: str, suffix: str) -> str:
    """DATABASE_URL with `_<suffix>` added to its database name."""
    import psycopg

    name = psycopg.conninfo.conninfo_to_dict(database_url).get("dbname") or "tracing_center_bench"
    head, _slash, tail = database_url.rpartition("/")
    query = f"?{tail.split('?', 1)[1]}" if "?" in tail else ""
    return f"{head}/{name}_{suffix}{query}"


def fresh_database(database_url: str) -> None:
    """Drop the database and create it empty (a part whose command refuses existing data)."""
    import psycopg
    from psycopg import sql

    name = psycopg.conninfo.conninfo_to_dict(database_url)["dbname"]
    admin = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _printing(command: list[str], env: dict) -> tuple[list[str], float]:
    """Run a manage.py command, show what it prints; return its lines and how long it took."""
    started = time.monotonic()
    done = run([PY, "manage.py", *command], env, capture_output=True, text=True)
    print(done.stdout)
    return done.stdout.strip().splitlines(), time.monotonic() - started


def run_integrity(database_url: str) -> dict:
    """The seeded-fraud month on a fresh database: its printed score, and how long it took."""
    url = sibling_database_url(database_url, "integrity")
    step(f"integrity database {url} (dropped and created)")
    fresh_database(url)
    env = bench_env({"DATABASE_URL": url})
    run([PY, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    seed = os.environ.get("BENCH_INTEGRITY_SEED", "1")
    agents = os.environ.get("BENCH_INTEGRITY_AGENTS", "200")
    step(f"seeded-fraud month: manage.py generate_integrity_month --seed {seed} --agents {agents}")
    lines, seconds = _printing(
        ["generate_integrity_month", "--seed", seed, "--agents", agents], env
    )
    return {
        "database_url": url,
        "seed": int(seed),
        "agents": int(agents),
        "lines": lines,
        "seconds": seconds,
    }


def run_simulation(database_url: str) -> dict:
    """The national surge day in the simulator: its printed lines, and how long it took."""
    url = sibling_database_url(database_url, "simulation")
    step(f"simulation database {url} (the retry rules)")
    ensure_database(url)
    env = bench_env({"DATABASE_URL": url})
    run([PY, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    seed = os.environ.get("BENCH_SIMULATION_SEED", "1")
    step(f"national surge day: manage.py simulate_day --seed {seed}")
    lines, seconds = _printing(["simulate_day", "--seed", seed], env)
    return {"seed": int(seed), "lines": lines, "seconds": seconds}


def run_supervision(database_url: str, skip: set[str]) -> dict:
    """The supervision part: national data on its own database, then bench/supervision.py."""
    scale_name = os.environ.get("BENCH_SCALE", "full")
    if scale_name not in SCALES:
        raise SystemExit(f"BENCH_SCALE must be one of {', '.join(SCALES)}")
    scale = SCALES[scale_name]
    url = supervision_database_url(database_url)
    env = bench_env({"DATABASE_URL": url})
    step(f"supervision database {url} (BENCH_SCALE={scale_name})")
    ensure_database(url)
    run([PY, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    generate_s = None
    if "generate" not in skip:
        step(f"national data: manage.py generate_national {' '.join(scale['args'])}")
        started = time.monotonic()
        run([PY, "manage.py", "generate_national", *scale["args"], "--reset"], env)
        generate_s = time.monotonic() - started
    requests = int(os.environ.get("BENCH_REQUESTS", scale["requests"]))
    step(f"supervision: boards, API and jobs in process, {requests} requests per page")
    out = OUT / "supervision.json"
    started = time.monotonic()
    run([PY, str(HERE / "supervision.py"), "--requests", str(requests),
         "--job-runs", str(scale["job_runs"]), "--out", str(out)], env)  # fmt: skip
    result = json.loads(out.read_text())
    result.update(
        {
            "scale": scale_name,
            "database_url": url,
            "generate_s": generate_s,
            "measure_s": time.monotonic() - started,
        }
    )
    return result


def requeue_since(database_url: str, mark: int) -> None:
    """Put back at the head of the queue what the loads since assignment `mark` pushed an hour
    away, so that the next run starts from the same queue."""
    psql(
        database_url,
        f"UPDATE calls_calltask SET not_before = NULL WHERE status = 'queued' AND id IN "
        f"(SELECT task_id FROM calls_assignment WHERE id > {int(mark)})",
    )


# The parts run by bench/topology.py on the claim database: part → (subcommand, results key).
TOPOLOGY = {"login": ("storm", "login_storm"), "nodes": ("nodes", "nodes"), "gc": ("gc", "gc")}


def ensure_claim_data(database_url: str, size: int, clients: int, env: dict) -> None:
    """The claim database with its bench agents, for the topology parts run without the claim."""
    step(f"database {database_url}")
    ensure_database(database_url)
    run([PY, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    agents = psql(
        database_url,
        "SELECT count(*) FROM auth_user WHERE username LIKE 'bench-agent-%'"
        " AND EXISTS (SELECT 1 FROM calls_calltask WHERE status = 'queued')",
    )[0][0]
    if agents < clients:
        step(f"backlog of {size:,} queued tasks")
        run([PY, "manage.py", "generate_backlog", "--tasks", str(size), "--agents", str(clients),
             "--reset"], env)  # fmt: skip
    vacuum(database_url)


def run_topology(parts: set[str], results: dict, env: dict) -> None:
    """The login storm, two nodes and gc.freeze() (bench/topology.py), each asked for."""
    titles = {
        "login": "the 8:30 login storm: logins per core, claims under a storm (HAProxy)",
        "nodes": "two web nodes behind HAProxy, Celery workers and beat (REDIS_URL)",
        "gc": "gc.freeze() off and on, interleaved (the app straight from gunicorn)",
    }
    tools = {"login": ("wrk", "haproxy"), "nodes": ("wrk", "haproxy"), "gc": ("wrk",)}
    for part, (command, key) in TOPOLOGY.items():
        if part not in parts:
            continue
        missing = [tool for tool in tools[part] if not shutil.which(tool)]
        if missing:
            print(f"\n!!! {', '.join(missing)} missing (apt-get install -y …): {part} skipped")
            continue
        if part == "nodes" and not (env.get("BENCH_REDIS_URL") or env.get("REDIS_URL")):
            print("\n!!! the nodes part needs BENCH_REDIS_URL or REDIS_URL: skipped")
            continue
        step(titles[part])
        out = OUT / f"{key}.json"
        run([PY, str(HERE / "topology.py"), command, "--out", str(out)], env)
        results[key] = json.loads(out.read_text())


def main() -> None:
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = database_url
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,1000000").split(",") if s.strip()]
    clients = int(os.environ.get("BENCH_CLIENTS", 64))
    claims = int(os.environ.get("BENCH_CLAIMS", 3000))
    skip = {s.strip() for s in os.environ.get("BENCH_SKIP", "").split(",") if s.strip()}
    parts = {
        s.strip()
        for s in os.environ.get("BENCH_PARTS", ",".join(DEFAULT_PARTS)).split(",")
        if s.strip()
    }
    if not parts or parts - set(PARTS):
        raise SystemExit(f"BENCH_PARTS: {', '.join(PARTS)} (comma-separated)")
    env = bench_env()
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if "claim" not in parts:
        results = {"runtime_s": 0.0}
        if "supervision" in parts:
            results["supervision"] = run_supervision(database_url, skip)
            results["machine"] = results["supervision"]["machine"]
        if "integrity" in parts:
            results["integrity"] = run_integrity(database_url)
        if "simulation" in parts:
            results["simulation"] = run_simulation(database_url)
        if parts & set(TOPOLOGY):
            ensure_claim_data(database_url, sizes[-1], clients, env)
            results.setdefault("machine", machine(database_url))
            run_topology(parts, results, env)
        results["runtime_s"] = time.monotonic() - started
        finish(results)
        return

    step(f"database {database_url}")
    ensure_database(database_url)
    run([PY, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    results: dict = {"machine": machine(database_url), "database_url": database_url, "sizes": {}}
    print(json.dumps(results["machine"], indent=2))

    previous = 0
    for i, size in enumerate(sizes):
        last = i == len(sizes) - 1
        step(f"backlog of {size:,} queued tasks")
        command = [
            PY,
            "manage.py",
            "generate_backlog",
            "--tasks",
            str(size - previous),
            "--agents",
            str(clients),
        ]
        if i == 0 or size < previous:
            command = [
                PY,
                "manage.py",
                "generate_backlog",
                "--tasks",
                str(size),
                "--agents",
                str(clients),
                "--reset",
            ]
        load_started = time.monotonic()
        run(command, env)
        load_s = time.monotonic() - load_started
        previous = size
        vacuum(database_url)
        step(f"service claim latency at {size:,} (claim_next_task, single thread)")
        out = OUT / f"service-{size}.json"
        service = [PY, str(HERE / "service.py"), "--claims", str(claims), "--out", str(out)]
        run(service + (["--explain"] if last else []), env)
        results["sizes"][size] = json.loads(out.read_text())
        results["sizes"][size]["load_s"] = load_s

    step("CPU per request in process (Django test client)")
    out = OUT / "request-cpu.json"
    run([PY, str(HERE / "request_cpu.py"), "--out", str(out)], env)
    results["request_cpu"] = json.loads(out.read_text())

    if "raw" not in skip:
        vacuum(database_url)
        mark = psql(database_url, "SELECT COALESCE(MAX(id), 0) FROM calls_assignment")[0][0]
        step(f"raw SQL claim loop at {sizes[-1]:,}, {clients} connections (the ceiling)")
        out = OUT / "raw.json"
        run([PY, str(HERE / "raw_claim.py"), "--clients", str(clients), "--out", str(out)], env)
        results["raw"] = json.loads(out.read_text())
        if "api" in skip:
            # No API run to leave its no-answer retries at the head of the queue: the raw loop's
            # (pushed an hour away, as a no-answer does) are measured instead, before they go back.
            after_load(database_url, env, results, "raw")
        # Put back at the head of the queue what the loop pushed an hour away, so that the API run
        # starts from the same queue.
        requeue_since(database_url, mark)

    if "ceiling" not in skip and "api" not in skip and shutil.which("wrk"):
        vacuum(database_url)
        mark = psql(database_url, "SELECT COALESCE(MAX(id), 0) FROM calls_assignment")[0][0]
        step(f"minimal Django + DRF claim endpoint at {sizes[-1]:,}, {clients} agents (ceiling)")
        out = OUT / "ceiling.json"
        run([PY, str(HERE / "ceiling_load.py"), "--clients", str(clients), "--out", str(out)], env)
        results["ceiling"] = json.loads(out.read_text())
        requeue_since(database_url, mark)

    if "api" not in skip:
        if not shutil.which("wrk"):
            print("\n!!! wrk is missing (apt-get install -y wrk): API run skipped")
        else:
            vacuum(database_url)
            step(f"HTTP API at {sizes[-1]:,}: gunicorn + wrk, {clients} agents")
            out = OUT / "api.json"
            run([PY, str(HERE / "api_load.py"), "--clients", str(clients), "--out", str(out)], env)
            results["api"] = json.loads(out.read_text())
            after_load(database_url, env, results, "API")

    claim_s = time.monotonic() - started
    if parts & set(TOPOLOGY):
        run_topology(parts, results, env)
    if "supervision" in parts:
        results["supervision"] = run_supervision(database_url, skip)
    if "integrity" in parts:
        results["integrity"] = run_integrity(database_url)
    if "simulation" in parts:
        results["simulation"] = run_simulation(database_url)
    results["claim_runtime_s"] = claim_s
    results["runtime_s"] = time.monotonic() - started
    finish(results)


def after_load(database_url: str, env: dict, results: dict, run_name: str) -> None:
    """What the no-answer retries of a load run left at the head of the queue cost the next
    claim."""
    vacuum(database_url)
    step(f"service claim latency after the {run_name} run (its retries wait at the head)")
    out = OUT / "service-after-load.json"
    run(
        [PY, str(HERE / "service.py"), "--claims", "500", "--explain", "--out", str(out)],
        env,
    )
    results["after_load"] = json.loads(out.read_text())
    results["after_load"]["run"] = run_name


def finish(results: dict) -> None:
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    report = (
        (render(results) if results.get("sizes") else "")
        + render_topology(results)
        + render_supervision(results)
        + render_integrity(results)
        + render_simulation(results)
    )
    (OUT / "results.md").write_text(report)
    print("\n" + report)


def _printed(title: str, lines: list[str]) -> str:
    """A part that runs a command: its title, then what the command printed, indented."""
    return f"\n{title}\n\n" + "\n".join(f"    {line}" for line in lines) + "\n"


def render_integrity(results: dict) -> str:
    r = results.get("integrity")
    if not r:
        return ""
    title = f"Seeded-fraud month (seed {r['seed']}, {r['agents']} agents, {r['seconds']:.0f} s)"
    return _printed(title, r["lines"])


def render_simulation(results: dict) -> str:
    r = results.get("simulation")
    if not r:
        return ""
    title = f"National surge day in the simulator (seed {r['seed']}, {r['seconds']:.0f} s)"
    return _printed(title, r["lines"])


def render_supervision(results: dict) -> str:
    r = results.get("supervision")
    if not r:
        return ""
    import importlib.util

    # bench/supervision.py, not the Django app of the same name.
    spec = importlib.util.spec_from_file_location("bench_supervision", HERE / "supervision.py")
    supervision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(supervision)
    generated = (
        f"data generated in {r['generate_s'] / 60:.1f} min, "
        if r.get("generate_s")
        else "data reused, "
    )
    return (
        f"\nSupervision benchmark (BENCH_SCALE={r['scale']})\n\n"
        + supervision.render(r)
        + f"\nSupervision part: {generated}measured in {r['measure_s'] / 60:.1f} min\n"
    )


def _rate(per_s: float) -> str:
    """Requests per second: one decimal below 10 (a loaded 2-core machine), none above."""
    return f"{per_s:.1f}" if per_s < 10 else f"{per_s:.0f}"


def _mark(ok: bool) -> str:
    return "✔" if ok else "✘"


def render_ceiling(results: dict) -> list[str]:
    """The app against the minimal Django + DRF claim endpoint of the same run."""
    ceiling, api = results.get("ceiling"), results.get("api")
    if not ceiling:
        return []
    c = ceiling["claim_ms"]
    rows = [
        f"| Minimal Django + DRF claim endpoint, {ceiling['clients']} agents, same gunicorn "
        f"(ceiling of the API; claim + release in one request) | "
        f"**{ceiling['claims_per_s']:.0f} claims/s**, p50 {c['p50']:.1f} ms, "
        f"p99 {c['p99']:.1f} ms; {ceiling['empties']} empty, {ceiling['failed']} failed; "
        f"CPU gunicorn {ceiling['cpu_share']['gunicorn']:.0%}, "
        f"PostgreSQL {ceiling['cpu_share']['postgres']:.0%} |"
    ]
    if api:
        ratio = api["claims_per_s"] / (ceiling["claims_per_s"] or 1)
        p99 = api["claim_ms"]["p99"] / (c["p99"] or 1)
        errors = (
            api["failed"] + ceiling["failed"]
            + sum(api.get("socket_errors") or []) + sum(ceiling.get("socket_errors") or [])
        )  # fmt: skip
        rows.append(
            f"| App / minimal: claim + outcome loops per second ÷ minimal claims per second | "
            f"{_rate(api['claims_per_s'])} / {_rate(ceiling['claims_per_s'])} = **{ratio:.2f}** "
            f"(target ≥ 0.5 {_mark(ratio >= 0.5)}); queue/next p99 {api['claim_ms']['p99']:.0f} "
            f"ms ÷ minimal p99 {c['p99']:.0f} ms = **×{p99:.1f}** (target ≤ 2 {_mark(p99 <= 2)}); "
            f"errors {errors} {_mark(errors == 0)} |"
        )
        if "gunicorn_cpu_ms_per_claim" in api and "gunicorn_cpu_ms_per_claim" in ceiling:
            app_ms, min_ms = api["gunicorn_cpu_ms_per_claim"], ceiling["gunicorn_cpu_ms_per_claim"]
            rows.append(
                "| &nbsp;&nbsp;gunicorn CPU per loop, app (claim + outcome) / minimal (claim + "
                f"release) | {app_ms:.0f} ms / {min_ms:.1f} ms (×{app_ms / (min_ms or 1):.1f}) |"
            )
    return rows


def render_topology(results: dict) -> str:
    """The login storm, two nodes and gc.freeze() parts."""
    out = ""

    def claim(r: dict) -> str:
        c = r["claim_ms"]
        return (
            f"{_rate(r['claims_per_s'])} claims/s, queue/next p50 {c['p50']:.0f} ms, "
            f"**p99 {c['p99']:.0f} ms**, {r['failed']} failed, "
            f"{sum(r.get('socket_errors') or [])} socket errors"
        )

    def storm(r: dict) -> str:
        s = r.get("storm")
        if not s:
            return "—"
        return (
            f"{s['logins_per_s']:.1f} logins/s, p50 {s['login_ms']['p50']:.0f} ms, "
            f"p99 {s['login_ms']['p99']:.0f} ms, {s['failed']} failed"
        )

    m = results.get("machine", {})
    head = f"Machine: {m.get('cpu')}, {m.get('cores')} cores; " if m else ""
    r = results.get("login_storm")
    if r:
        a = r["logins_alone"]
        out += (
            f"\nThe 8:30 login storm (POST /api/v1/auth/token/, {r['hasher']})\n\n"
            f"{head}claim pool `{r['gunicorn']}`, login pool `{r['login_gunicorn']}` at nice "
            f"{r['login_nice']}; storm of {r['storm_clients']} connections logging in without "
            "pause\n\n"
            "| run | claim loop (64 agents) | login storm |\n| --- | --- | --- |\n"
            f"| logins alone, straight to gunicorn | — | {a['logins_per_s']:.1f} logins/s, "
            f"**{a['cpu_ms_per_login']:.0f} ms of CPU per login, {a['logins_per_core_s']:.1f} "
            f"logins per core-second**, p50 {a['login_ms']['p50']:.0f} ms, {a['failed']} failed |\n"
            f"| claim loop alone (HAProxy, one pool) | {claim(r['alone'])} | — |\n"
            f"| storm, one pool for all | {claim(r['shared'])} | {storm(r['shared'])} |\n"
            f"| storm, login paths on their own pool | {claim(r['separate'])} | "
            f"{storm(r['separate'])} |\n"
        )
    r = results.get("nodes")
    if r:
        api = results.get("api")
        direct = f"| one node, straight to gunicorn (claim part) | {claim(api)} |\n" if api else ""
        out += (
            f"\nTwo web nodes behind one address (HAProxy), {r['celery_workers']} Celery workers "
            f"and one beat on {r['redis_url']}\n\n{head}each node `{r['gunicorn']}`\n\n"
            "| layout | claim loop (64 agents) |\n| --- | --- |\n"
            + direct
            + f"| one node behind HAProxy | {claim(r['nodes_1'])} |\n"
            f"| two nodes behind HAProxy | {claim(r['nodes_2'])} |\n"
            + (f"\nCelery processes that died: {r['celery_died']}\n" if r["celery_died"] else "")
        )
    r = results.get("gc")
    if r:
        out += (
            f"\ngc.freeze() in gunicorn.conf.py, off then on, {r['rounds']} rounds interleaved\n\n"
            f"{head}`{r['gunicorn']}`, preload on in both, {r.get('clients')} agents\n\n"
            "| gc.freeze() | claims/s | queue/next p50 | queue/next p99 | queue/next max "
            "| outcome p99 |\n| --- | --- | --- | --- | --- | --- |\n"
        )
        inside = r.get("in_process")
        for setting in ("off", "on") if inside else ():
            f = inside[setting]
            c, g = f["loop_cpu_ms"], f["full_collection_ms"]
            out += (
                f"| {setting}, in process ({inside['blocks']} blocks of {inside['loops']} loops "
                f"interleaved; CPU per claim + outcome; {f['full_collections']} full "
                f"collections, max {g['max']:.0f} ms) | — | {c['p50']:.0f} ms | {c['p99']:.0f} ms "
                f"| {c['max']:.0f} ms | — |\n"
            )
        for i in range(r["rounds"]):
            for setting in ("off", "on"):
                run_ = r[setting][i]
                c, o = run_["claim_ms"], run_["outcome_ms"]
                out += (
                    f"| {setting} (round {i + 1}) | {_rate(run_['claims_per_s'])} | "
                    f"{c['p50']:.0f} ms | {c['p99']:.0f} ms | {c['max']:.0f} ms | "
                    f"{o['p99']:.0f} ms |\n"
                )
    return out


def render(results: dict) -> str:
    m = results["machine"]
    pg = m["pg_settings"]
    lines = [
        f"Claim benchmark, {m['date']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; "
        f"PostgreSQL {m['postgresql']} "
        f"(shared_buffers {pg.get('shared_buffers')}, "
        f"synchronous_commit {pg.get('synchronous_commit')}, "
        f"autovacuum {pg.get('autovacuum')}, jit {pg.get('jit')}); Python {m['python']}; "
        f"load average at start {', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}",
        "",
        "| Measure | Figure |",
        "| --- | --- |",
    ]
    sizes = results["sizes"]
    for size, r in sizes.items():
        c = r["claim"]
        lines.append(
            f"| Service claim at {int(size):,} queued (single thread) | "
            f"p50 {c['p50']:.2f} ms, p95 {c['p95']:.2f} ms, "
            f"p99 {c['p99']:.2f} ms ({c['n']:,} claims) |"
        )
        n = r["statements"].get("counts")
        if n and not any(row.startswith("| SQL statements per claim") for row in lines):
            lines.append(
                "| SQL statements per claim (+ BEGIN/COMMIT), agent already on call / coming out "
                f"of wrap-up | {n['on_call']} / {n['wrap_up']} |"
            )
        if r.get("load_s"):
            lines.append(
                f"| &nbsp;&nbsp;backlog generation to {int(size):,} | {r['load_s']:.0f} s |"
            )
    keys = list(sizes)
    if len(keys) >= 2:
        small, large = sizes[keys[0]]["claim"], sizes[keys[-1]]["claim"]
        lines.append(
            f"| Ratio {int(keys[-1]):,} / {int(keys[0]):,} | "
            f"p50 ×{large['p50'] / small['p50']:.2f}, "
            f"p99 ×{large['p99'] / small['p99']:.2f} (target ≤ 2) |"
        )
    explain = sizes[keys[-1]].get("explain") if keys else None
    if explain:
        scan = (
            "a Seq Scan on calls_calltask!"
            if explain["seq_scan_on_tasks"]
            else "no sequential scan, no sort of the backlog"
        )
        lines.append(
            f"| EXPLAIN ANALYZE at {int(keys[-1]):,} ({explain['agent']}, "
            f"{explain['pairs']} territory×language pairs) | "
            f"{explain['queue_index_loops']} index walks on call_task_fresh_queue, "
            f"{scan}; "
            f"{explain['buffers']} buffers; planning {explain['planning_ms']} ms, "
            f"execution {explain['execution_ms']} ms |"
        )
    raw = results.get("raw")
    if raw:
        c = raw["claim_ms"]
        lines.append(
            f"| Raw SQL claim loop, {raw['clients']} connections (ceiling) | "
            f"**{raw['claims_per_s']:.0f} claims/s**, claim "
            f"transaction p50 {c['p50']:.1f} ms, p99 {c['p99']:.1f} ms; "
            f"CPU: PostgreSQL {raw['cpu_share']['postgres']:.0%}, "
            f"client {raw['cpu_share']['client']:.0%} |"
        )
    api = results.get("api")
    if api:
        c = api["claim_ms"]
        lines.append(
            f"| HTTP API, {api['clients']} agents, claim + outcome loop "
            f"(gunicorn {api['gunicorn']}) | "
            f"**{api['claims_per_s']:.0f} claims/s** (target ≥ 1,000); "
            f"queue/next p50 {c['p50']:.1f} ms, p95 {c['p95']:.1f} ms, "
            f"**p99 {c['p99']:.1f} ms** (target < 100); "
            f"outcome p50 {api['outcome_ms']['p50']:.1f} ms; "
            f"{api['empties']} empty, {api['failed']} failed |"
        )
        share = api["cpu_share"]
        per_cpu = f"{api['claims_per_cpu_s']:.1f}"
        lines.append(f"| &nbsp;&nbsp;claims per CPU-second of gunicorn + PostgreSQL | {per_cpu} |")
        lines.append(
            f"| &nbsp;&nbsp;CPU during the API run (share of {m['cores']} cores) | "
            f"gunicorn {share['gunicorn']:.0%}, "
            f"PostgreSQL {share['postgres']:.0%}, wrk {share['wrk']:.0%}, "
            f"whole machine {share['machine']:.0%} |"
        )
    cpu = results.get("request_cpu")
    if cpu:
        lines.append(
            "| CPU per request in the Python process (test client, no HTTP) | queue/next "
            f"{cpu['queue_next_cpu_ms']:.1f} ms; outcome {cpu['outcome_cpu_ms']:.1f} ms |"
        )
    if raw and api:
        lines.append(f"| API / raw | {api['claims_per_s'] / raw['claims_per_s']:.0%} |")
    lines += render_ceiling(results)
    after = results.get("after_load")
    if after:
        c, e = after["claim"], after.get("explain", {})
        lines.append(
            f"| Service claim after the {after.get('run', 'API')} run "
            f"({after['deferred']:,} queued tasks "
            "waiting for a retry time) | "
            f"p50 {c['p50']:.2f} ms, p99 {c['p99']:.2f} ms; "
            f"EXPLAIN: {e.get('rows_removed_by_filter')} index rows "
            f"dropped by the not_before filter, {e.get('buffers')} buffers, "
            f"execution {e.get('execution_ms')} ms |"
        )
    lines.append(
        f"\nClaim bench time: {results.get('claim_runtime_s', results['runtime_s']) / 60:.1f} min"
    )
    if explain:
        lines += [
            "",
            f"EXPLAIN (ANALYZE, BUFFERS) of the claim query at {int(keys[-1]):,} queued tasks:",
            "",
            "```",
            explain["plan"],
            "```",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
