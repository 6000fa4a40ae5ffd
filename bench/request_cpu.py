"""CPU time of one queue/next and one outcome request, in process (Django's test client, the
whole middleware and DRF stack, no HTTP server), with the claim as first written and the current
one, interleaved by blocks of 8 agents. Less noisy than the load runs on a shared machine.

    python bench/request_cpu.py [--loops 400] [--out result.json]
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loops", type=int, default=400)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    setup_django()
    import logging

    import reference_claim
    from django.contrib.auth.models import User
    from django.test import Client
    from rest_framework.authtoken.models import Token

    import calls.api
    from calls.services import dispatch

    logging.disable(logging.WARNING)  # the 409s of agents holding a call from an earlier run
    clients = []
    for n in range(1, 9):
        token, _ = Token.objects.get_or_create(user=User.objects.get(username=f"bench-agent-{n:04d}"))
        client = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_HOST="127.0.0.1")
        response = client.post("/api/v1/agents/me/status/", {"status": "ready"}, content_type="application/json")
        if response.status_code == 409:  # a call held since an earlier run: close it first
            response = client.post("/api/v1/queue/next/", content_type="application/json")
            assignment = response.json()["assignment"]["id"]
            client.post(f"/api/v1/assignments/{assignment}/outcome/", {"outcome": "no_answer"}, content_type="application/json")
        clients.append(client)
    totals = {name: {"next_cpu": 0.0, "next_wall": 0.0, "outcome_cpu": 0.0, "n": 0} for name in ("reference", "fast")}
    original = calls.api.claim_next_task
    try:
        for i in range(args.loops):
            name = "reference" if (i // 8) % 2 else "fast"
            calls.api.claim_next_task = reference_claim.claim_next_task if name == "reference" else dispatch.claim_next_task
            client = clients[i % 8]
            cpu0, wall0 = time.process_time(), time.perf_counter()
            response = client.post("/api/v1/queue/next/", content_type="application/json")
            cpu1, wall1 = time.process_time(), time.perf_counter()
            if response.status_code != 200:
                raise SystemExit(f"queue/next: {response.status_code} {response.content[:300]}")
            assignment = response.json()["assignment"]["id"]
            client.post(f"/api/v1/assignments/{assignment}/outcome/", {"outcome": "no_answer"}, content_type="application/json")
            cpu2 = time.process_time()
            t = totals[name]
            t["next_cpu"] += cpu1 - cpu0
            t["next_wall"] += wall1 - wall0
            t["outcome_cpu"] += cpu2 - cpu1
            t["n"] += 1
    finally:
        calls.api.claim_next_task = original
    result = {
        name: {
            "queue_next_cpu_ms": t["next_cpu"] / t["n"] * 1000,
            "queue_next_wall_ms": t["next_wall"] / t["n"] * 1000,
            "outcome_cpu_ms": t["outcome_cpu"] / t["n"] * 1000,
        }
        for name, t in totals.items()
    }
    for name, r in result.items():
        print(
            f"{name:>9}: queue/next {r['queue_next_cpu_ms']:.2f} ms CPU ({r['queue_next_wall_ms']:.2f} ms wall), "
            f"outcome {r['outcome_cpu_ms']:.2f} ms CPU (Python process only)"
        )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
