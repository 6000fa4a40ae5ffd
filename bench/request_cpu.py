"""CPU time of one queue/next and one outcome request, in process (Django's test client, the
whole middleware and DRF stack, no HTTP server), over 8 agents in turn. Less noisy than the load
runs on a shared machine.

    python bench/request_cpu.py [--loops 400] [--out result.json]
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loops", type=int, default=400)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    setup_django()
    import logging

    from django.contrib.auth.models import User
    from django.test import Client
    from rest_framework.authtoken.models import Token

    logging.disable(logging.WARNING)  # the 409s of agents holding a call from an earlier run

    def post(client: Client, path: str, payload: dict | None = None):
        return client.post(path, payload, content_type="application/json")

    def no_answer(client: Client, assignment: int) -> None:
        post(client, f"/api/v1/assignments/{assignment}/outcome/", {"outcome": "no_answer"})

    clients = []
    for n in range(1, 9):
        user = User.objects.get(username=f"bench-agent-{n:04d}")
        token, _ = Token.objects.get_or_create(user=user)
        client = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_HOST="127.0.0.1")
        response = post(client, "/api/v1/agents/me/status/", {"status": "ready"})
        if response.status_code == 409:  # a call held since an earlier run: close it first
            response = post(client, "/api/v1/queue/next/")
            no_answer(client, response.json()["assignment"]["id"])
        clients.append(client)
    next_cpu = next_wall = outcome_cpu = 0.0
    for i in range(args.loops):
        client = clients[i % 8]
        cpu0, wall0 = time.process_time(), time.perf_counter()
        response = post(client, "/api/v1/queue/next/")
        cpu1, wall1 = time.process_time(), time.perf_counter()
        if response.status_code != 200:
            raise SystemExit(f"queue/next: {response.status_code} {response.content[:300]}")
        no_answer(client, response.json()["assignment"]["id"])
        cpu2 = time.process_time()
        next_cpu += cpu1 - cpu0
        next_wall += wall1 - wall0
        outcome_cpu += cpu2 - cpu1
    result = {
        "loops": args.loops,
        "queue_next_cpu_ms": next_cpu / args.loops * 1000,
        "queue_next_wall_ms": next_wall / args.loops * 1000,
        "outcome_cpu_ms": outcome_cpu / args.loops * 1000,
    }
    next_ms, wall_ms = result["queue_next_cpu_ms"], result["queue_next_wall_ms"]
    print(
        f"queue/next {next_ms:.2f} ms CPU ({wall_ms:.2f} ms wall), "
        f"outcome {result['outcome_cpu_ms']:.2f} ms CPU (Python process only)"
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
