"""Before and after, interleaved on the same data and the same load (issue 17 part 3): the
queue-health page of the largest territory with its chart counted from the attempts (as before
the hourly counters) and from the counters; the board job's snapshots computed one territory at
a time (four queries each, as before) and all at once (batched per time zone).

    DATABASE_URL=<the supervision bench database> python bench/boards_interleaved.py [--blocks 10]

Run after `BENCH_PARTS=supervision make bench` (its database, e.g. tracing_center_bench_
supervision). Blocks of 10 requests alternate between the two ways, so that both see the same
load on a shared machine.
"""

import argparse
import sys
import time
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_common import setup_django, summary_ms  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--blocks", type=int, default=10, help="blocks of 10 requests per way")
    parser.add_argument("--job-runs", type=int, default=3)
    args = parser.parse_args()
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    setup_django()
    import logging

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from agents.models import Territory
    from supervision.services import hourly_calls
    from supervision.services.board import compute_snapshot, compute_snapshots

    logging.disable(logging.WARNING)
    sys.path.insert(0, str(HERE))
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_supervision", HERE / "supervision.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    locmem = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
    with override_settings(CACHES={"default": locmem}):
        cache.clear()
        t0 = time.perf_counter()
        hours = hourly_calls.count_hourly_calls(now=timezone.now())
        print(f"count_hourly_calls, first run: {hours} hours in {time.perf_counter() - t0:.2f} s")
        runs = []
        for _ in range(args.job_runs):
            t0 = time.perf_counter()
            hourly_calls.count_hourly_calls(now=timezone.now())
            runs.append(time.perf_counter() - t0)
        print(f"count_hourly_calls, next runs: {summary_ms(runs)}")

        s = bench.subjects()
        large = s["large"]
        wsgi = bench.Wsgi()
        cookie = bench.session_cookie(large["user"])
        territories = list(Territory.objects.order_by("pk"))
        # The snapshots in the cache, as the job keeps them (the page's header reads none).
        compute_snapshots(territories=territories, now=timezone.now())

        def request() -> float:
            t0 = time.perf_counter()
            status, _body = wsgi.get("/supervision/queue/", "", HTTP_COOKIE=cookie)
            assert status == 200, status
            return time.perf_counter() - t0

        def direct(*_args) -> bool:
            return False  # no counters: every hour counted from the attempts, as before

        for _ in range(10):
            request()
        series: dict[str, list[float]] = {"before (count)": [], "after (counters)": []}
        queries = {}
        for block in range(2 * args.blocks):
            name = "after (counters)" if block % 2 else "before (count)"
            patch = (
                mock.patch.object(hourly_calls, "whole_hour_zone", direct)
                if not block % 2
                else mock.patch.object(
                    hourly_calls, "whole_hour_zone", hourly_calls.whole_hour_zone
                )
            )
            with patch:
                if name not in queries:
                    with CaptureQueriesContext(connection) as ctx:
                        request()
                    queries[name] = len(ctx)
                series[name] += [request() for _ in range(10)]
        print(f"queue-health page of {large['territory']} ({large['territory_agents']} agents):")
        for name, values in series.items():
            f = summary_ms(values)
            print(
                f"  {name}: p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms, p99 {f['p99']:.1f} ms "
                f"(n={f['n']}, {queries[name]} queries)"
            )

        jobs: dict[str, list[float]] = {"one territory at a time": [], "batched": []}
        counts = {}
        for _ in range(args.job_runs):
            for name in jobs:
                now = timezone.now()
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    if name == "batched":
                        rows = compute_snapshots(territories=territories, now=now)
                    else:
                        rows = [compute_snapshot(territory=t, now=now) for t in territories]
                    jobs[name].append(time.perf_counter() - t0)
                counts[name] = (len(ctx), sum(len(r["rows"]) for r in rows))
        print(f"the board job's snapshots, {len(territories)} territories:")
        for name, values in jobs.items():
            f = summary_ms(values)
            print(
                f"  {name}: median {f['p50']:.0f} ms, max {max(values) * 1000:.0f} ms "
                f"(n={f['n']}, {counts[name][0]} queries, {counts[name][1]:,} rows)"
            )
        print(f"BOARD_REFRESH_SECONDS {settings.BOARD_REFRESH_SECONDS}")


if __name__ == "__main__":
    main()
