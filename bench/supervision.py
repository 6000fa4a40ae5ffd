"""The supervision benchmark at national scale: server time of the boards, the API and the
periodic jobs, in process (Django's WSGI handler, the whole middleware stack, no HTTP server),
on the data of `manage.py generate_national`.

    python bench/supervision.py [--requests 300] [--warmup 20] [--out result.json]

Measures, with p50/p95/p99 over --requests requests each (after --warmup):
  (a) the plateau board page of the superviseur of a plateau of about 300 agents (in the
      territory with the most agents), and its rows partial as htmx polls it;
  (b) the national overview of the superuser (every territory);
  (c) GET /api/v1/supervision/agents/ for one territory (that superviseur's token);
  (d) refresh_boards() for every territory (the periodic job), --job-runs times;
  (e) the queue-health page of that territory;
  (f) roll_up_sla() (the periodic SLA rollup), --job-runs times;
  (g) count_hourly_calls() (the queue-health chart's counters): its first run, which catches up
      on the hours the chart shows, then --job-runs runs (the last hours recounted);
  (h) refresh_projections() (the queue-health projection, every minute): its first run, which
      simulates every territory with calls due, then a run with nothing changed;
and the number of SQL queries per request (CaptureQueriesContext) at two sizes, the smallest
plateau and that one, to show that it does not grow with the agents.

As in production the pages read the snapshots that the periodic job writes into the cache: the
bench runs refresh_boards() between requests (not timed) whenever the last run is older than
BOARD_REFRESH_SECONDS, as beat would. The cache is Django's LocMem cache in this process, or
Redis when REDIS_URL is set (the production setting). A page that finds no snapshot computes
its territory's at once: that case is measured apart ("cache miss").
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_common import setup_django, summary_ms  # noqa: E402

BOARD_TARGET_MS = 50
NATIONAL_TARGET_MS = 200
QUEUE_HEALTH_TARGET_MS = 50
PLATEAU_WANTED = 300


class Wsgi:
    """GET requests through Django's WSGI handler in this process: what gunicorn would call."""

    def __init__(self):
        from django.core.handlers.wsgi import WSGIHandler
        from django.test.client import RequestFactory

        self.handler = WSGIHandler()
        self.factory = RequestFactory()

    def get(self, path: str, query: str = "", **headers) -> tuple[int, bytes]:
        environ = self.factory._base_environ(
            PATH_INFO=path,
            QUERY_STRING=query,
            REQUEST_METHOD="GET",
            SERVER_NAME="127.0.0.1",
            HTTP_HOST="127.0.0.1",
            **headers,
        )
        status = []
        result = self.handler(environ, lambda s, h, exc_info=None: status.append(s))
        try:
            body = b"".join(result)
        finally:
            result.close()  # request_finished: the connection goes back to the pool
        return int(status[0].split()[0]), body


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


class Refresher:
    """Run refresh_boards() (untimed) when the snapshots are older than the beat period."""

    def __init__(self):
        from django.conf import settings

        self.period = settings.BOARD_REFRESH_SECONDS
        self.last = 0.0
        self.runs = 0

    def __call__(self, force: bool = False) -> None:
        from django.utils import timezone

        from supervision.services.board import refresh_boards

        if force or time.monotonic() - self.last >= self.period:
            refresh_boards(now=timezone.now())
            self.last = time.monotonic()
            self.runs += 1


def subjects() -> dict:
    """The territory with the most agents, its plateau closest to 300 agents and the smallest
    plateau of all, with their superviseurs (generate_national: nat-sup-<plateau id>)."""
    from django.contrib.auth.models import User
    from django.db.models import Count, Q

    from agents.models import Plateau

    plateaux = list(
        Plateau.objects.annotate(
            n=Count("agents", filter=~Q(agents__user__username__startswith="nat-sup-"))
        ).values("pk", "territory_id", "territory__code", "n")
    )
    if not plateaux:
        raise SystemExit("no plateau: run manage.py generate_national first")
    per_territory: dict[int, int] = {}
    for p in plateaux:
        per_territory[p["territory_id"]] = per_territory.get(p["territory_id"], 0) + p["n"]
    biggest = max(per_territory, key=per_territory.get)
    large = min(
        (p for p in plateaux if p["territory_id"] == biggest),
        key=lambda p: abs(p["n"] - PLATEAU_WANTED),
    )
    small = min(plateaux, key=lambda p: (p["n"], p["pk"]))
    out = {}
    for name, p in (("large", large), ("small", small)):
        out[name] = {
            "plateau_id": p["pk"],
            "plateau_agents": p["n"],
            "territory": p["territory__code"],
            "territory_agents": per_territory[p["territory_id"]],
            "user": User.objects.get(username=f"nat-sup-{p['pk']}"),
        }
    out["superuser"] = User.objects.get(username="nat-admin")
    return out


def time_requests(
    wsgi: Wsgi,
    refresh: Refresher,
    path: str,
    *,
    n: int,
    warmup: int,
    budget_s: float,
    times: list | None = None,
    **headers,
) -> dict:
    """Time n GETs (after warmup), refreshing the snapshots between them as beat would; the
    durations are added to `times` when given."""
    times = [] if times is None else times
    statuses = set()
    started = time.monotonic()
    for i in range(warmup + n):
        refresh()
        query = ""
        if "?" in path:
            path_only, query = path.split("?", 1)
        else:
            path_only = path
        t0 = time.perf_counter()
        status, _body = wsgi.get(path_only, query, **headers)
        elapsed = time.perf_counter() - t0
        statuses.add(status)
        if i >= warmup:
            times.append(elapsed)
            if time.monotonic() - started > budget_s and len(times) >= 50:
                break
    if statuses != {200}:
        raise SystemExit(f"{path}: HTTP {sorted(statuses)}")
    return summary_ms(times)


def count_queries(wsgi: Wsgi, path: str, **headers) -> tuple[dict, bytes]:
    """The SQL queries of one request: how many, their time, and the slowest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = ""
    if "?" in path:
        path, query = path.split("?", 1)
    wsgi.get(path, query, **headers)  # warm: per-process caches (translations, URL resolvers)
    with CaptureQueriesContext(connection) as ctx:
        status, body = wsgi.get(path, query, **headers)
    if status != 200:
        raise SystemExit(f"{path}: HTTP {status}")
    times = [float(q["time"]) * 1000 for q in ctx.captured_queries]
    slowest = max(range(len(times)), key=times.__getitem__) if times else None
    return {
        "queries": len(times),
        "sql_ms": sum(times),
        "slowest_ms": times[slowest] if times else 0.0,
        "slowest_sql": ctx.captured_queries[slowest]["sql"][:300] if times else "",
    }, body


def time_job(func, runs: int) -> dict:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    figures = summary_ms(times)
    figures["median"] = statistics.median(t * 1000 for t in times)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--job-runs", type=int, default=10, help="runs of refresh_boards and roll_up_sla"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds at most per page measured (50 requests at least)",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    from run import machine

    # This file is named like the Django app "supervision": take bench/ out of the path so that
    # the app is the one Django imports.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    setup_django()
    import logging

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from agents.models import Agent, AgentDay, Territory
    from calls.models import CallAttempt, CallTask
    from supervision.models import Alert
    from supervision.services.board import refresh_boards, snapshot_key, totals_key
    from supervision.services.hourly_calls import count_hourly_calls
    from supervision.services.projection import refresh_projections
    from supervision.services.sla import roll_up_sla

    logging.disable(logging.WARNING)
    # DEBUG off serves hashed static names from the manifest, as in production: collect them.
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    redis = bool(os.environ.get("REDIS_URL"))
    # LocMem keeps 300 entries by default: far fewer than two per territory plus the badges.
    locmem = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
    caches = settings.CACHES if redis else {"default": locmem}
    result: dict = {
        "machine": machine(os.environ["DATABASE_URL"]),
        "cache": "Redis (REDIS_URL)" if redis else "LocMem (in process)",
        "refresh_seconds": settings.BOARD_REFRESH_SECONDS,
        "poll_seconds": settings.BOARD_POLL_SECONDS,
    }
    with override_settings(CACHES=caches):
        if not redis:
            cache.clear()  # (a shared Redis is left alone: the job overwrites its keys)
        result["data"] = {
            "territories": Territory.objects.count(),
            "agents": Agent.objects.exclude(user__username__startswith="nat-sup-").count(),
            "logged_in": Agent.objects.exclude(status=Agent.Status.OFFLINE).count(),
            "attempts": CallAttempt.objects.count(),
            "tasks": CallTask.objects.count(),
            "open_tasks": CallTask.objects.filter(status__in=CallTask.OPEN_STATUSES).count(),
            "agent_days": AgentDay.objects.count(),
        }
        s = subjects()
        large, small = s["large"], s["small"]
        result["subjects"] = {
            k: {key: v for key, v in s[k].items() if key != "user"} for k in ("large", "small")
        }
        print(
            f"data: {result['data']}\nplateau board of nat-sup-{large['plateau_id']} "
            f"({large['plateau_agents']} agents, "
            f"territory {large['territory']} of {large['territory_agents']}); "
            f"small: nat-sup-{small['plateau_id']} "
            f"({small['plateau_agents']} agents, territory {small['territory']} "
            f"of {small['territory_agents']}); "
            f"cache {result['cache']}",
            flush=True,
        )
        wsgi = Wsgi()
        refresh = Refresher()
        cookies = {name: session_cookie(s[name]["user"]) for name in ("large", "small")}
        cookies["superuser"] = session_cookie(s["superuser"])
        tokens = {
            name: Token.objects.get_or_create(user=s[name]["user"])[0].key
            for name in ("large", "small")
        }

        # (g) the chart's counters: the first run catches up on two days (the hours the
        # queue-health chart shows), the next ones recount the last hours.
        t0 = time.perf_counter()
        hours = count_hourly_calls(now=timezone.now())
        first_ms = (time.perf_counter() - t0) * 1000
        with CaptureQueriesContext(connection) as ctx:
            count_hourly_calls(now=timezone.now())
        result["count_hourly_calls"] = time_job(
            lambda: count_hourly_calls(now=timezone.now()), max(3, args.job_runs // 2)
        )
        result["count_hourly_calls"].update(
            {"first_run_ms": first_ms, "first_run_hours": hours, "queries": len(ctx)}
        )
        print(f"count_hourly_calls: {result['count_hourly_calls']}", flush=True)

        # (h) the projection job: the page reads its rows and never runs the simulator. Its
        # first run simulates every territory with calls due (at the peak every territory's
        # calls change within a minute: the cost of each run then).
        from supervision.models import QueueProjection

        QueueProjection.objects.all().delete()
        t0, cpu0, now = time.perf_counter(), time.process_time(), timezone.now()
        simulated = refresh_projections(now=now)
        first_ms = (time.perf_counter() - t0) * 1000
        first_cpu_ms = (time.process_time() - cpu0) * 1000
        # The same instant again: the inputs read afresh, unchanged, so nothing is simulated (a
        # later instant would cross the minute and the quarter hours the inputs are rounded to).
        t0 = time.perf_counter()
        again = refresh_projections(now=now)
        result["refresh_projections"] = {
            "first_run_ms": first_ms,
            "first_run_cpu_ms": first_cpu_ms,
            "simulated": simulated,
            "second_run_ms": (time.perf_counter() - t0) * 1000,
            "second_run_simulated": again,
            "period_seconds": settings.QUEUE_HEALTH_PROJECTION_SECONDS,
        }
        print(f"refresh_projections: {result['refresh_projections']}", flush=True)

        # (d) the periodic job: the first run raises the alerts, the next ones keep them.
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            refresh_boards(now=timezone.now())
        first_ms = (time.perf_counter() - t0) * 1000
        refresh.last = time.monotonic()
        sizes = cache.get_many(
            [snapshot_key(t) for t in Territory.objects.values_list("pk", flat=True)]
        )
        import pickle

        snapshot_bytes = {
            key: len(pickle.dumps(value, pickle.HIGHEST_PROTOCOL)) for key, value in sizes.items()
        }
        result["refresh_boards"] = time_job(
            lambda: refresh_boards(now=timezone.now()), args.job_runs
        )
        result["refresh_boards"].update(
            {
                "first_run_ms": first_ms,
                "queries": len(ctx.captured_queries),
                "open_alerts": Alert.objects.open().count(),
                "rows": sum(len(v["rows"]) for v in sizes.values()),
                "cache_bytes": sum(snapshot_bytes.values()),
                "largest_snapshot_bytes": max(snapshot_bytes.values()),
            }
        )
        refresh(force=True)
        print(f"refresh_boards: {result['refresh_boards']}", flush=True)

        pages = {
            "board": ("/supervision/", "large", {}),
            "rows": ("/supervision/board/rows/", "large", {"HTTP_HX_REQUEST": "true"}),
            "national": ("/supervision/national/", "superuser", {}),
            "api_agents": ("/api/v1/supervision/agents/", "large", {}),
            "queue_health": ("/supervision/queue/", "large", {}),
        }

        def headers_for(name: str, who: str, extra: dict) -> dict:
            if name.startswith("api"):
                return {"HTTP_AUTHORIZATION": f"Token {tokens[who]}", **extra}
            return {"HTTP_COOKIE": cookies[who], **extra}

        # Queries per request, at two sizes.
        result["queries"] = {}
        for name, (path, who, extra) in pages.items():
            refresh(force=True)
            counts = {}
            for size in ("small", "large") if who != "superuser" else ("superuser",):
                figures, body = count_queries(
                    wsgi, path, **headers_for(name, size if who != "superuser" else who, extra)
                )
                figures["rows"] = (
                    body.count(b'data-testid="board-row"') if name in ("board", "rows") else None
                )
                if name == "api_agents":
                    figures["rows"] = len(json.loads(body))
                counts[size] = figures
            result["queries"][name] = counts
            print(
                f"queries {name}: "
                + ", ".join(
                    f"{k}: {v['queries']} ({v['sql_ms']:.1f} ms)" for k, v in counts.items()
                ),
                flush=True,
            )

        # Server time per request.
        result["pages"] = {}
        for name, (path, who, extra) in pages.items():
            refresh(force=True)
            n = args.requests if name != "queue_health" else max(50, args.requests * 2 // 3)
            figures = time_requests(
                wsgi,
                refresh,
                path,
                n=n,
                warmup=args.warmup,
                budget_s=args.budget,
                **headers_for(name, who, extra),
            )
            result["pages"][name] = figures
            print(f"{name}: p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, "
                  f"p99 {figures['p99']:.1f} ms (n={figures['n']})", flush=True)  # fmt: skip

        # The board page again, in blocks of 20 requests alternating as is and with the objects of
        # the warmed-up process out of the garbage collector's sight (gc.freeze(), as a gunicorn
        # post_fork hook would do), so that both see the same load: the p99 above is the full
        # collections that the allocations of the requests trigger now and then.
        import gc

        path, who, extra = pages["board"]
        series: dict[str, list[float]] = {"as_is": [], "frozen": []}
        refresh(force=True)
        for block in range(max(4, 2 * args.requests // 20)):
            name = "frozen" if block % 2 else "as_is"
            if name == "frozen":
                gc.collect()
                gc.freeze()
            time_requests(wsgi, refresh, path, n=20, warmup=0, budget_s=args.budget,
                          times=series[name], **headers_for("board", who, extra))  # fmt: skip
            gc.unfreeze()
        result["pages"]["board_gc"] = {name: summary_ms(values) for name, values in series.items()}
        print(
            f"board, as is vs gc.freeze(), interleaved: {result['pages']['board_gc']}", flush=True
        )

        # The board when the job is late: the page computes its territory's snapshot itself.
        territory_id = Territory.objects.get(code=large["territory"]).pk
        misses = []
        for _ in range(max(10, args.requests // 15)):
            cache.delete_many([snapshot_key(territory_id), totals_key(territory_id)])
            t0 = time.perf_counter()
            status, _body = wsgi.get("/supervision/", "", HTTP_COOKIE=cookies["large"])
            misses.append(time.perf_counter() - t0)
        result["pages"]["board_cache_miss"] = summary_ms(misses)
        print(f"board, cache miss: {result['pages']['board_cache_miss']}", flush=True)

        # (f) the SLA rollup (every 5 minutes).
        with CaptureQueriesContext(connection) as ctx:
            rows = roll_up_sla(now=timezone.now())
        result["roll_up_sla"] = time_job(
            lambda: roll_up_sla(now=timezone.now()), max(3, args.job_runs // 2)
        )
        result["roll_up_sla"].update({"queries": len(ctx.captured_queries), "rows": rows})
        print(f"roll_up_sla: {result['roll_up_sla']}", flush=True)
        result["refreshes_between_requests"] = refresh.runs
    result["load_average_at_end"] = os.getloadavg()
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, default=str))
    print("\n" + render(result))


def _ms(f: dict) -> str:
    return f"p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms, p99 {f['p99']:.1f} ms"


def _mark(ok: bool) -> str:
    return "✔" if ok else "✘"


def render(r: dict) -> str:
    """The machine and the supervision table (Markdown)."""
    m, d, large, small = r["machine"], r["data"], r["subjects"]["large"], r["subjects"]["small"]
    q, p = r["queries"], r["pages"]
    rb, sla = r["refresh_boards"], r["roll_up_sla"]
    pg = m["pg_settings"]

    def load(values) -> str:
        return ", ".join(f"{x:.1f}" for x in values)

    def qc(name: str) -> str:
        c = q[name]
        if "superuser" in c:
            return f"{c['superuser']['queries']} ({c['superuser']['sql_ms']:.1f} ms of SQL)"
        sm, lg = c["small"], c["large"]
        rows = (lambda x: f", {x['rows']} rows") if sm["rows"] is not None else (lambda x: "")
        return (
            f"{sm['queries']} ({sm['sql_ms']:.1f} ms of SQL{rows(sm)}) / "
            f"{lg['queries']} ({lg['sql_ms']:.1f} ms of SQL{rows(lg)})"
        )

    def constant(name: str) -> bool:
        return q[name]["small"]["queries"] == q[name]["large"]["queries"]

    board_ok = p["board"]["p95"] <= BOARD_TARGET_MS and p["rows"]["p95"] <= BOARD_TARGET_MS
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; "
        f"PostgreSQL {m['postgresql']} (shared_buffers "
        f"{pg.get('shared_buffers')}, jit {pg.get('jit')}); Python {m['python']}; "
        f"load average {load(m['load_average_at_start'])} "
        f"at the start of the measurements, {load(r['load_average_at_end'])} at the end; "
        f"{m['date']}.",
        "",
        f"Data: {d['territories']} territories, {d['agents']:,} agents "
        f"({d['logged_in']:,} logged in), {d['attempts']:,} call "
        f"attempts, {d['tasks']:,} tasks ({d['open_tasks']:,} open), "
        f"{d['agent_days']:,} agent days. Cache: {r['cache']}. "
        f"Large: the plateau of {large['plateau_agents']} agents in territory {large['territory']} "
        f"({large['territory_agents']} agents); "
        f"small: the plateau of {small['plateau_agents']} in {small['territory']}.",
        "",
        "| measure | server time | SQL queries per request, small / large | target |",
        "|---|---|---|---|",
        f"| (a) plateau board page, superviseur of {large['plateau_agents']} agents | "
        f"{_ms(p['board'])} | {qc('board')} | "
        f"≤ {BOARD_TARGET_MS} ms p95 {_mark(p['board']['p95'] <= BOARD_TARGET_MS)}, "
        f"constant {_mark(constant('board'))} |",
        f"| (a) its rows partial (htmx poll every {r.get('poll_seconds', 5)} s) | "
        f"{_ms(p['rows'])} | {qc('rows')} | "
        f"≤ {BOARD_TARGET_MS} ms p95 {_mark(p['rows']['p95'] <= BOARD_TARGET_MS)}, "
        f"constant {_mark(constant('rows'))} |",
    ]
    if "board_gc" in p:
        lines.append(
            "| &nbsp;&nbsp;board page, blocks of 20 interleaved: as is / after gc.freeze() "
            "(proposed gunicorn hook) | "
            f"{_ms(p['board_gc']['as_is'])} / {_ms(p['board_gc']['frozen'])} | | |"
        )
    lines += [
        "| &nbsp;&nbsp;board page when the job is late "
        f"(computes the {large['territory_agents']}-agent territory's snapshot) "
        f"| {_ms(p['board_cache_miss'])} | +3 | |",
        f"| (b) national overview, superuser ({d['territories']} territories) | "
        f"{_ms(p['national'])} | {qc('national')} | "
        f"≤ {NATIONAL_TARGET_MS} ms p95 {_mark(p['national']['p95'] <= NATIONAL_TARGET_MS)} |",
        f"| (c) GET /api/v1/supervision/agents/, one territory ({large['territory']}) | "
        f"{_ms(p['api_agents'])} | "
        f"{qc('api_agents')} | constant {_mark(constant('api_agents'))} |",
        f"| (e) queue-health page, one territory ({large['territory']}) | "
        f"{_ms(p['queue_health'])} | {qc('queue_health')} | "
        f"≤ {QUEUE_HEALTH_TARGET_MS} ms p95 "
        f"{_mark(p['queue_health']['p95'] <= QUEUE_HEALTH_TARGET_MS)}, "
        f"constant {_mark(constant('queue_health'))} |",
        f"| (d) refresh_boards(), all {d['territories']} territories "
        f"(every {r.get('refresh_seconds', 5)} s) | "
        f"median {rb['median']:.0f} ms, max {rb['max']:.0f} ms ({rb['n']} runs; "
        f"first run {rb['first_run_ms']:.0f} ms, "
        f"raising {rb['open_alerts']:,} alerts) | {rb['queries']} per run (one agents query "
        "per time zone, then languages, calls held, rota and alerts) | |",
        f"| &nbsp;&nbsp;what it caches | {rb['rows']:,} board rows, "
        f"{rb['cache_bytes'] / 1e6:.1f} MB pickled (largest "
        f"territory {rb['largest_snapshot_bytes'] / 1e6:.2f} MB) | | |",
        "| (f) roll_up_sla(), today and yesterday of every territory (every 5 min) | "
        f"median {sla['median']:.0f} ms, "
        f"max {sla['max']:.0f} ms ({sla['n']} runs, {sla['rows']} rows) | "
        f"{sla['queries']} per run | |",
    ]
    if "count_hourly_calls" in r:
        ch = r["count_hourly_calls"]
        lines.append(
            "| (g) count_hourly_calls(), the queue-health chart's counters (every 5 min) | "
            f"median {ch['median']:.0f} ms, max {ch['max']:.0f} ms ({ch['n']} runs); "
            f"first run (catching up {ch['first_run_hours']} hours) "
            f"{ch['first_run_ms']:.0f} ms | {ch['queries']} per run | |"
        )
    if "refresh_projections" in r:
        rp = r["refresh_projections"]
        lines.append(
            "| (h) refresh_projections(), the queue-health projection "
            f"(every {rp['period_seconds']} s) | all {rp['simulated']} territories with calls "
            f"due simulated: {rp['first_run_ms'] / 1000:.1f} s ({rp['first_run_cpu_ms'] / 1000:.1f}"
            f" s CPU); again with nothing changed: {rp['second_run_ms']:.0f} ms, "
            f"{rp['second_run_simulated']} simulated | | |"
        )
    queue_ok = p["queue_health"]["p95"] <= QUEUE_HEALTH_TARGET_MS
    all_ok = board_ok and queue_ok and p["national"]["p95"] <= NATIONAL_TARGET_MS
    lines += [
        "",
        "Targets: "
        f"{'met' if all_ok else 'MISSED'}. "
        "The slowest query of the "
        f"queue-health page: {q['queue_health']['large']['slowest_ms']:.0f} ms, "
        f"`{q['queue_health']['large']['slowest_sql'][:90]}…`",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
