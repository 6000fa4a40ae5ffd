"""The ceiling: the claim in raw SQL through psycopg, no Django, no HTTP, same data and concurrency.

    python bench/raw_claim.py [--clients 64] [--duration 25]

Each thread has its own connection and agent, and loops over two transactions:
  claim:   the claim query of calls/services/dispatch.py (per-pair index walks, FOR UPDATE SKIP
           LOCKED, with the person and their numbers), then the lease UPDATE + assignment INSERT
           (one statement, as dispatch does);
  release: the task back to the queue with not_before an hour away (what a no-answer outcome
           does to it), the assignment closed.
Statements are prepared on the server (psycopg does it after a few runs).
"""

import argparse
import json
import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import setup_django, summary_ms  # noqa: E402

# The lease (as dispatch does: one statement), then what a no-answer does to the task and the
# assignment. bench/ceiling/views.py runs the same.
LEASE_SQL = (
    "WITH taken AS (UPDATE calls_calltask SET status = 'assigned', lease_holder_id = %(agent)s,"
    " lease_expires_at = %(expires)s"
    " WHERE id = %(task)s AND status = 'queued' RETURNING id)"
    " INSERT INTO calls_assignment"
    " (task_id, agent_id, claimed_at, lease_expires_at, phone, end_reason, carrier,"
    "  carrier_call_id, connected_source)"
    " SELECT id, %(agent)s, %(now)s, %(expires)s, %(phone)s, '', '', '', '' FROM taken"
    " RETURNING id"
)
REQUEUE_SQL = (
    "UPDATE calls_calltask SET status = 'queued', lease_holder_id = NULL,"
    " lease_expires_at = NULL, not_before = %(later)s"
    " WHERE id = %(task)s AND status = 'assigned' AND lease_holder_id = %(agent)s"
)
CLOSE_SQL = (
    "UPDATE calls_assignment SET closed_at = %(now)s WHERE id = %(assignment)s"
    " AND closed_at IS NULL"
)


def load_agents(clients: int) -> list[dict]:
    """Each bench agent's claimable territories and languages, read once through Django."""
    from django.utils import timezone

    from agents.models import Agent
    from calls.services.dispatch import claimable_territory_ids

    now = timezone.now()
    agents = []
    for agent in (
        Agent.objects.filter(user__username__startswith="bench-agent-")
        .select_related("territory")
        .order_by("pk")
    ):
        agents.append(
            {
                "id": agent.pk,
                "territories": claimable_territory_ids(agent=agent, now=now),
                "languages": list(agent.languages.values_list("code", flat=True)),
            }
        )
    return agents[:clients]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=int(os.environ.get("BENCH_CLIENTS", 64)))
    parser.add_argument(
        "--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 25))
    )
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("BENCH_WARMUP", 5)))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    setup_django()
    import psycopg
    from django.db import connection

    from calls.services.dispatch import CANDIDATE_STEPS, claim_statements

    statements = claim_statements()
    claim_sql = statements["claim_sql"]
    position = statements["task"].attnames.index("phone_position")
    settings = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        host=settings["HOST"] or "", port=settings["PORT"] or "", dbname=settings["NAME"],
        user=settings["USER"] or "", password=settings["PASSWORD"] or "",
    )  # fmt: skip
    agents = load_agents(args.clients)
    connection.close()
    if len(agents) < args.clients:
        raise SystemExit(
            f"{len(agents)} bench agents for {args.clients} clients: generate more (--agents)"
        )

    phase = {"measure": False, "stop": False}
    results = [{"claim_s": [], "empty": 0, "release_s": []} for _ in agents]
    barrier = threading.Barrier(len(agents) + 1)
    errors: list[str] = []

    def work(i: int) -> None:
        agent, mine = agents[i], results[i]
        try:
            with psycopg.connect(conninfo) as conn:
                # Close whatever this agent held since an earlier run.
                conn.execute(
                    "UPDATE calls_assignment SET closed_at = now() WHERE agent_id = %s"
                    " AND closed_at IS NULL",
                    [agent["id"]],
                )
                conn.execute(
                    "UPDATE calls_calltask SET status = 'queued', lease_holder_id = NULL,"
                    " lease_expires_at = NULL"
                    " WHERE lease_holder_id = %s AND status = 'assigned'",
                    [agent["id"]],
                )
                conn.commit()
                barrier.wait()
                while not phase["stop"]:
                    now = datetime.now(UTC)
                    params = {"territories": agent["territories"], "languages": agent["languages"],
                              "now": now, "agent": agent["id"]}  # fmt: skip
                    start = time.perf_counter()
                    # As dispatch does: more candidates when all of them were locked by others.
                    for candidates in CANDIDATE_STEPS:
                        row = conn.execute(claim_sql[candidates], params, prepare=True).fetchone()
                        if row is not None:
                            break
                    assignment_id = None
                    if row is not None:
                        task_id, numbers = row[0], row[-1] or []
                        phone = numbers[row[position] % len(numbers)] if numbers else ""
                        assignment_id = conn.execute(
                            LEASE_SQL,
                            {"agent": agent["id"], "expires": now + timedelta(minutes=20),
                             "task": task_id, "now": now, "phone": phone},
                            prepare=True,
                        ).fetchone()  # fmt: skip
                    conn.commit()
                    claimed = time.perf_counter()
                    if assignment_id is not None:
                        conn.execute(
                            REQUEUE_SQL,
                            {
                                "later": now + timedelta(hours=1),
                                "task": task_id,
                                "agent": agent["id"],
                            },
                            prepare=True,
                        )
                        conn.execute(
                            CLOSE_SQL, {"now": now, "assignment": assignment_id[0]}, prepare=True
                        )
                        conn.commit()
                    released = time.perf_counter()
                    if phase["measure"]:
                        if assignment_id is None:
                            mine["empty"] += 1
                        else:
                            mine["claim_s"].append(claimed - start)
                            mine["release_s"].append(released - claimed)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"{type(exc).__name__}: {exc}")
            phase["stop"] = True

    from api_load import machine_cpu, postgres_cpu, proc_cpu

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(agents))]
    for t in threads:
        t.start()
    barrier.wait()
    time.sleep(args.warmup)
    client0, pg0, (busy0, total0) = proc_cpu(os.getpid()), postgres_cpu(), machine_cpu()
    phase["measure"] = True
    started = time.perf_counter()
    time.sleep(args.duration)
    phase["measure"] = False
    wall = time.perf_counter() - started
    client1, pg1, (busy1, total1) = proc_cpu(os.getpid()), postgres_cpu(), machine_cpu()
    phase["stop"] = True
    for t in threads:
        t.join(timeout=30)
    if errors:
        raise SystemExit(f"raw claim loop failed: {errors[:3]}")

    claim_s = [s for r in results for s in r["claim_s"]]
    capacity = total1 - total0 or wall * os.cpu_count()
    result = {
        "clients": len(agents),
        "duration_s": wall,
        "claims": len(claim_s),
        "empties": sum(r["empty"] for r in results),
        "claims_per_s": len(claim_s) / wall,
        "claim_ms": summary_ms(claim_s),
        "release_ms": summary_ms([s for r in results for s in r["release_s"]]),
        "cpu_share": {
            "client": (client1 - client0) / capacity,
            "postgres": (pg1 - pg0) / capacity,
            "machine": (busy1 - busy0) / capacity,
        },
    }
    claim = result["claim_ms"]
    print(
        f"raw SQL ({len(agents)} connections, {wall:.0f} s): "
        f"{result['claims_per_s']:.0f} claims/s, claim transaction "
        f"p50 {claim['p50']:.1f} ms p95 {claim['p95']:.1f} ms p99 {claim['p99']:.1f} ms; "
        f"{result['empties']} empty; "
        f"CPU client {result['cpu_share']['client']:.0%} "
        f"postgres {result['cpu_share']['postgres']:.0%} "
        f"machine {result['cpu_share']['machine']:.0%}"
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
