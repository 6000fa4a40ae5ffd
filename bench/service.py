"""Claim latency through the service layer, single thread; SQL statements per claim; EXPLAIN.

    python bench/service.py --claims 3000 [--explain] [--out result.json]

Round-robin over the bench agents: claim_next_task(), then release_assignment() so that the
backlog keeps its size and shape (the task goes back untouched). Only the claim is timed for the
percentiles; the release is timed apart.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import setup_django, summary_ms  # noqa: E402


def bench_agents():
    from agents.models import Agent

    return list(
        Agent.objects.filter(user__username__startswith="bench-agent-")
        .select_related("territory")
        .order_by("pk")
    )


def measure_latency(claims: int, warmup: int) -> dict:
    from django.utils import timezone

    from calls.models import Assignment
    from calls.services.dispatch import claim_next_task, release_assignment

    agents = bench_agents()
    if not agents:
        raise SystemExit("no bench agents: run manage.py generate_backlog first")
    claim_s, release_s, empty = [], [], 0
    for i in range(warmup + claims):
        agent = agents[i % len(agents)]
        start = time.perf_counter()
        assignment = claim_next_task(agent=agent, now=timezone.now())
        claimed = time.perf_counter()
        if assignment is not None:
            release_assignment(
                assignment=assignment, now=timezone.now(), reason=Assignment.EndReason.RELEASED
            )
        released = time.perf_counter()
        if i < warmup:
            continue
        claim_s.append(claimed - start)
        if assignment is None:
            empty += 1
        else:
            release_s.append(released - claimed)
    return {"claim": summary_ms(claim_s), "release": summary_ms(release_s), "empty": empty}


def count_statements() -> dict:
    """The SQL statements of one claim (BEGIN and COMMIT not counted), for an agent on call
    already and for one coming out of wrap-up (who has a status change to log, as in the API
    loop)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from agents.models import Agent
    from calls.services.dispatch import claim_next_task

    agent = bench_agents()[0]
    counts, statements = {}, {}
    for status in (Agent.Status.ON_CALL, Agent.Status.WRAP_UP):
        with transaction.atomic():
            Agent.objects.filter(pk=agent.pk).update(status=status)
            with CaptureQueriesContext(connection) as ctx:
                claim_next_task(agent=agent, now=timezone.now())
            transaction.set_rollback(True)
        # The savepoints of the atomic() above are not the claim's: a request has BEGIN/COMMIT.
        savepoints = ("SAVEPOINT", "RELEASE SAVEPOINT")
        sql = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(savepoints)]
        counts[status.value] = len(sql)
        statements[status.value] = [_shorten(s) for s in sql]
    return {"count": counts[Agent.Status.ON_CALL.value], "counts": counts, "statements": statements}


def _shorten(sql: str) -> str:
    sql = re.sub(r"\s+", " ", sql).strip()
    return sql if len(sql) <= 140 else sql[:137] + "..."


def explain() -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of the claim query as the service sends it, for the agent with the
    most (territory, language) pairs; run inside a transaction that is rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from calls.services.dispatch import claim_next_task, claimable_territory_ids

    now = timezone.now()

    def pairs(agent):
        return len(claimable_territory_ids(agent=agent, now=now)) * agent.languages.count()

    agent = max(bench_agents(), key=pairs)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            claim_next_task(agent=agent, now=now)
        transaction.set_rollback(True)
    claim_sql = next(q["sql"] for q in ctx.captured_queries if "SKIP LOCKED" in q["sql"])
    plan = ""
    for _ in range(2):  # the second run is the one shown: warm caches, like a running server
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + claim_sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
    scans = re.findall(r"Index (?:Only )?Scan using call_task_fresh_queue.*?loops=(\d+)\)", plan)
    return {
        "agent": agent.user.username,
        "pairs": pairs(agent),
        "sql": claim_sql,
        "plan": plan,
        "queue_index_loops": int(scans[0]) if scans else 0,
        # Rows of the queue index read and dropped by the not_before / reserved_for filter.
        "rows_removed_by_filter": sum(
            int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan.split("SubPlan")[0])
        ),
        "buffers": int(m.group(1))
        if (m := re.search(r"Buffers: shared hit=(\d+)", plan))
        else None,
        "seq_scan_on_tasks": "Seq Scan on calls_calltask" in plan,
        "execution_ms": float(m.group(1))
        if (m := re.search(r"Execution Time: ([\d.]+) ms", plan))
        else None,
        "planning_ms": float(m.group(1))
        if (m := re.search(r"Planning Time: ([\d.]+) ms", plan))
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    setup_django()
    from django.utils import timezone

    from calls.models import CallTask

    queued = CallTask.objects.filter(status=CallTask.Status.QUEUED)
    result = {
        "queued": queued.count(),
        "deferred": queued.filter(not_before__gt=timezone.now()).count(),
    }
    result["statements"] = count_statements()
    result.update(measure_latency(args.claims, args.warmup))
    if args.explain:
        result["explain"] = explain()
    claim = result["claim"]
    print(
        f"service claim @ {result['queued']:,} queued: p50 {claim['p50']:.2f} ms  "
        f"p95 {claim['p95']:.2f} ms  "
        f"p99 {claim['p99']:.2f} ms  ({claim['n']} claims, {result['empty']} empty, "
        f"{result['statements']['count']} SQL statements per claim)"
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
