"""The ceiling of the API: a minimal Django + DRF claim endpoint under the same load as the app.

    python bench/ceiling_load.py [--clients 64] [--duration 25] [--warmup 5] [--out ceiling.json]

bench/ceiling/ is a Django project of its own (contenttypes, auth, rest_framework,
rest_framework.authtoken; no middleware) with one URL, POST /claim/: DRF TokenAuthentication +
IsAuthenticated, the claim query of calls/services/dispatch.py with its lease UPDATE +
assignment INSERT, then the task back to the queue as a no-answer does (bench/ceiling/views.py).
It is served by gunicorn with the app's options (BENCH_GUNICORN, gunicorn.conf.py) on the bench
database, and loaded by wrk with claim_loop.lua pointed at /claim/: the same agents, each with
its app token (authtoken_token), the same number of connections as the app's run. The app's
claim + outcome loops per second divided by this figure is how close the app comes to what
Django + DRF allow on this machine.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_load import (  # noqa: E402
    DEFAULT_GUNICORN,
    Server,
    measure_loop,
    pool_env,
    write_tokens,
)
from bench_common import ROOT, setup_django  # noqa: E402
from raw_claim import CLOSE_SQL, LEASE_SQL, REQUEUE_SQL, load_agents  # noqa: E402


def prepare(clients: int) -> tuple[dict, list[str]]:
    """The spec of the minimal endpoint and the agents' tokens, with the app loaded here."""
    setup_django()
    from django.db import connection, transaction
    from rest_framework.authtoken.models import Token

    from agents.models import Agent
    from calls.services.dispatch import CANDIDATE_STEPS, claim_statements

    statements = claim_statements()
    agents = load_agents(clients)
    if len(agents) < clients:
        raise SystemExit(f"{len(agents)} bench agents for {clients} clients")
    users = dict(Agent.objects.filter(pk__in=[a["id"] for a in agents]).values_list("pk", "user"))
    tokens = []
    with transaction.atomic():
        # Whatever these agents hold since an earlier run goes back to the queue.
        ids = [a["id"] for a in agents]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE calls_assignment SET closed_at = now()"
                " WHERE agent_id = ANY(%s) AND closed_at IS NULL",
                [ids],
            )
            cursor.execute(
                "UPDATE calls_calltask SET status = 'queued', lease_holder_id = NULL,"
                " lease_expires_at = NULL WHERE lease_holder_id = ANY(%s) AND status = 'assigned'",
                [ids],
            )
        for agent in agents:
            # The token the app's own run uses (POST /api/v1/auth/token/ returns this one).
            tokens.append(Token.objects.get_or_create(user_id=users[agent["id"]])[0].key)
    spec = {
        # One statement per number of candidates (dispatch.CANDIDATE_STEPS), tried in turn.
        "claim_sql": [statements["claim_sql"][n] for n in CANDIDATE_STEPS],
        "phone_position": statements["task"].attnames.index("phone_position"),
        "lease_sql": LEASE_SQL,
        "requeue_sql": REQUEUE_SQL,
        "close_sql": CLOSE_SQL,
        "agents": {users[a["id"]]: a for a in agents},
    }
    connection.close()
    return spec, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=int(os.environ.get("BENCH_CLIENTS", 64)))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 25)))
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", 5)))
    parser.add_argument("--gunicorn", default=os.environ.get("BENCH_GUNICORN", DEFAULT_GUNICORN))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8765)) + 1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    spec, tokens = prepare(args.clients)
    with tempfile.NamedTemporaryFile(
        "w", prefix="bench-ceiling-", suffix=".json", delete=False
    ) as f:
        json.dump(spec, f)
        spec_file = f.name
    tokens_file = write_tokens(tokens)
    env = pool_env(args.gunicorn)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ceiling.settings",
            "CEILING_SPEC": spec_file,
            "PYTHONPATH": str(ROOT / "bench"),
        }
    )
    server = Server(args.port, args.gunicorn, env, app="ceiling.wsgi:application", probe="/claim/")
    try:
        figures = measure_loop(
            server, args.clients, args.duration, args.warmup, tokens_file, claim_path="/claim/"
        )
    finally:
        server.stop()
        os.unlink(tokens_file)
        os.unlink(spec_file)

    result = {"gunicorn": args.gunicorn, "clients": args.clients, **figures}
    claim, share = result["claim_ms"], result["cpu_share"]
    print(
        f"minimal Django + DRF claim ({args.gunicorn}, {args.clients} agents, "
        f"{result['duration_s']:.0f} s): "
        f"{result['claims_per_s']:.0f} claims/s, p50 {claim['p50']:.1f} ms "
        f"p99 {claim['p99']:.1f} ms; {result['empties']} empty, {result['failed']} failed; "
        f"CPU gunicorn {share['gunicorn']:.0%} postgres {share['postgres']:.0%} "
        f"machine {share['machine']:.0%}"
    )
    for error in result["errors"]:
        print(f"  error: {error}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
