"""Probe of a migrated database, run as a subprocess by test_upgrade_from_old_layout.py.

    python upgrade_probe.py --root <project root> [--warm-up] [--http]
        [--password P --teleconseiller U --superviseur U --admin U]

It sets up Django from the project at --root (the old commit's tree or the current one), with
DJANGO_SETTINGS_MODULE and the database taken from the environment, and prints one line,
``UPGRADE_PROBE_JSON {...}``, with:

- ``groups``: each group's permissions as "<content type model>.<codename>", whatever the app;
- ``content_types``: for each model that moves between apps, the app the code puts it in and the
  id and app label of its content type;
- ``stale_content_types``: content types whose model the code no longer has;
- ``models``: the model name of every content type (a model added since has none in the old one);
- ``counts``: row counts of a few tables (their names do not change);
- ``pending_migrations``: migrations the code has that the database has not applied;
- with --warm-up, ``warm_up``, before the snapshot: the téléconseiller goes ready, claims a call
  and goes offline (giving it back), so that the database holds a worked day (AgentDay rows);
- with --http, ``http``, after the snapshot: the pages and API calls of a téléconseiller, a
  superviseur and a CPAM admin through django.test.Client, each as {"name", "ok", "detail"}.

It imports no module of the project's apps (they move): models are found through the app
registry by class name, and everything else goes through URLs.
"""

import argparse
import json
import os
import re
import sys
import traceback
from datetime import time
from pathlib import Path

MARKER = "UPGRADE_PROBE_JSON "

# The models the restructuring moves (Contract … VolumeForecast from agents to workforce, AgentDay
# from supervision to agents): their content types must be renamed in place.
MOVED_MODELS = [
    "Contract",
    "Candidate",
    "CandidateEvent",
    "TrainingSession",
    "ShiftPattern",
    "Shift",
    "ClockEntry",
    "StaffingParameters",
    "VolumeForecast",
    "AgentDay",
]
COUNTED_TABLES = [
    "agents_agent",
    "agents_contract",
    "agents_candidate",
    "agents_shift",
    "supervision_agentday",
    "calls_calltask",
]


def _setup(root: Path) -> None:
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != Path(here)]
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracing_center.settings")
    import django

    django.setup()


def _model_named(name: str):
    """The one installed model whose class is called `name`, in whatever app holds it."""
    from django.apps import apps

    found = [m for m in apps.get_models() if m.__name__ == name]
    if len(found) != 1:
        labels = [m._meta.label for m in found]
        raise LookupError(f"expected one model named {name}, found {labels}")
    # The same model, as the registry gives it by its (current) app label.
    return apps.get_model(found[0]._meta.app_label, name)


def snapshot() -> dict:
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    groups = {
        group.name: sorted(
            f"{p.content_type.model}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        )
        for group in Group.objects.order_by("name")
    }

    content_types = {}
    for name in MOVED_MODELS:
        try:
            model = _model_named(name)
        except LookupError as exc:
            content_types[name] = {"error": str(exc)}
            continue
        ct = ContentType.objects.get_for_model(model)
        content_types[name] = {
            "model_app_label": model._meta.app_label,
            "id": ct.id,
            "app_label": ct.app_label,
            "model": ct.model,
        }

    stale = [
        f"{ct.app_label}.{ct.model} (id {ct.id})"
        for ct in ContentType.objects.order_by("id")
        if ct.model_class() is None
    ]

    tables = set(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for table in COUNTED_TABLES:
            if table not in tables:
                counts[table] = None
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = [f"{m.app_label}.{m.name}" for m, _backwards in plan]

    return {
        "groups": groups,
        "content_types": content_types,
        "stale_content_types": stale,
        "models": sorted(set(ContentType.objects.values_list("model", flat=True))),
        "counts": counts,
        "pending_migrations": pending,
    }


class _Checks:
    def __init__(self) -> None:
        self.results: list[dict] = []

    def record(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append({"name": name, "ok": bool(ok), "detail": detail})
        return ok

    def status(self, name: str, response, expected: int) -> bool:
        detail = f"HTTP {response.status_code}"
        if response.status_code in (301, 302):
            detail += f" -> {response.get('Location')}"
        elif response.status_code != expected:
            detail += f": {response.content[:300]!r}"
        return self.record(name, response.status_code == expected, detail)


def _login(checks: _Checks, role: str, username: str, password: str):
    from django.test import Client

    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    logged_in = "_auth_user_id" in client.session
    detail = f"HTTP {response.status_code} -> {response.get('Location')}, session: {logged_in}"
    ok = response.status_code == 302 and logged_in
    checks.record(f"{role} {username} logs in", ok, detail)
    return client if ok else None


def http_checks(logins: dict[str, str], password: str, *, warm_up: bool = False) -> list[dict]:
    """The HTTP checks; with warm_up, only the téléconseiller's part, ending offline (it gives
    the call back), so that the old database holds a worked day (assignments, AgentDay rows)."""
    checks = _Checks()

    def guarded(name, step):
        try:
            step()
        except Exception:
            checks.record(name, False, traceback.format_exc(limit=8))

    def open_calling_hours():
        # The claim only serves territories inside their calling hours (local time): open them all
        # day, so that the check passes at any hour (as tests/api/test_queue.py does).
        territory = _model_named("Territory")
        updated = territory.objects.update(
            calling_hours_start=time(0, 0), calling_hours_end=time(23, 59, 59, 999999)
        )
        checks.record("calling hours opened all day", updated > 0, f"{updated} territories")

    def set_status(client, username: str, status: str) -> None:
        response = client.post(
            "/api/v1/agents/me/status/", {"status": status}, content_type="application/json"
        )
        if checks.status(f"POST /api/v1/agents/me/status/ {status} as {username}", response, 200):
            body = response.json()
            checks.record(f"status is {status}", body.get("status") == status, json.dumps(body))

    def teleconseiller():
        username = logins["teleconseiller"]
        client = _login(checks, "téléconseiller", username, password)
        if client is None:
            return
        checks.status(f"GET / as {username}", client.get("/"), 200)
        set_status(client, username, "ready")
        response = client.post("/api/v1/queue/next/", content_type="application/json")
        if checks.status(f"POST /api/v1/queue/next/ as {username}", response, 200):
            body = response.json()
            assignment = body.get("assignment") or {}
            ok = bool(assignment.get("id")) and bool((assignment.get("task") or {}).get("id"))
            checks.record("the claim leases an assignment", ok, json.dumps(body)[:300])
        if warm_up:
            set_status(client, username, "offline")

    def superviseur():
        username = logins["superviseur"]
        client = _login(checks, "superviseur", username, password)
        if client is None:
            return
        checks.status(f"GET / as {username}", client.get("/"), 200)
        board = client.get("/supervision/")
        checks.status(f"GET /supervision/ (plateau board) as {username}", board, 200)

    def admin():
        username = logins["admin"]
        client = _login(checks, "admin", username, password)
        if client is None:
            return
        checks.status(f"GET / as {username}", client.get("/"), 200)
        # /workforce/rota/ opens the rota of the admin's first plateau.
        response = client.get("/workforce/rota/")
        if not checks.status(f"GET /workforce/rota/ as {username}", response, 302):
            return
        location = response["Location"]
        if not checks.record(
            "it redirects to a plateau's rota",
            re.fullmatch(r"/workforce/rota/\d+/", location) is not None,
            location,
        ):
            return
        checks.status(f"GET {location} (plateau rota) as {username}", client.get(location), 200)

    guarded("open calling hours", open_calling_hours)
    guarded("téléconseiller", teleconseiller)
    if not warm_up:
        guarded("superviseur", superviseur)
        guarded("admin", admin)
    return checks.results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument(
        "--http", action="store_true", help="run the HTTP checks after the snapshot"
    )
    parser.add_argument(
        "--warm-up", action="store_true", help="only the téléconseiller's part, ending offline"
    )
    parser.add_argument("--password", default="")
    parser.add_argument("--teleconseiller", default="")
    parser.add_argument("--superviseur", default="")
    parser.add_argument("--admin", default="")
    args = parser.parse_args()
    _setup(args.root.resolve())

    logins = {
        "teleconseiller": args.teleconseiller,
        "superviseur": args.superviseur,
        "admin": args.admin,
    }
    result = {}
    if args.warm_up:
        result["warm_up"] = http_checks(logins, args.password, warm_up=True)
    # The snapshot comes before the HTTP checks, which claim a call (counts, AgentDay rows).
    result.update(snapshot())
    if args.http:
        result["http"] = http_checks(logins, args.password)
    sys.stdout.write(MARKER + json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
