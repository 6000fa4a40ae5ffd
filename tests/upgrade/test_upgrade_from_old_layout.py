"""A database of the pre-restructuring layout migrates forward and the app serves it.

Before the restructuring (commit OLD_COMMIT), Contract, Candidate, CandidateEvent, TrainingSession,
ShiftPattern, Shift, ClockEntry, StaffingParameters and VolumeForecast lived in the app `agents`
and AgentDay in `supervision`. This test builds a database with that commit's code (migrate, then
load_demo), records its groups' permissions, content types and row counts, then migrates it with
the working tree's code and checks that nothing was lost: the same rows, the same permissions, the
same content type rows (renamed in place, under the app the code now gives), and the demo's
téléconseiller, superviseur and CPAM admin can work.

Everything runs in subprocesses (the old code and the new one cannot share a process), against a
database of its own: a fresh PostgreSQL database on the suite's server when the suite runs on
PostgreSQL, a temporary SQLite file otherwise. It needs the git history: without it, it fails.

    .venv/bin/python -m pytest tests/upgrade -q -s
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracing_center \
        .venv/bin/python -m pytest tests/upgrade -q -s
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

OLD_COMMIT = "dca3c5ebcd35117370635e0e54cfe6727aa19546"
REPO_ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).resolve().parent / "upgrade_probe.py"
MARKER = "UPGRADE_PROBE_JSON "
STEP_TIMEOUT = 300  # seconds; the whole test takes well under a minute
ROLES = ("teleconseiller", "superviseur", "admin_cpam")


class Timings:
    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            elapsed = time.monotonic() - started
            self.steps.append((name, elapsed))
            print(f"[upgrade] {name}: {elapsed:.1f} s", flush=True)

    def summary(self) -> str:
        total = sum(seconds for _name, seconds in self.steps)
        lines = [f"  {name:<44} {seconds:6.1f} s" for name, seconds in self.steps]
        return "\n".join([*lines, f"  {'total':<44} {total:6.1f} s"])


def run(args: list[str], *, cwd: Path, env: dict[str, str], what: str) -> str:
    """Run a command; fail the test with its output when it fails. Return its stdout."""
    try:
        done = subprocess.run(
            args, cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{what} took more than {STEP_TIMEOUT} s:\n{exc.stdout}\n{exc.stderr}")
    if done.returncode != 0:
        pytest.fail(
            f"{what} failed (exit {done.returncode}): {' '.join(args)}\n"
            f"--- stdout ---\n{done.stdout[-6000:]}\n--- stderr ---\n{done.stderr[-6000:]}"
        )
    return done.stdout


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True)


def extract_old_tree(into: Path) -> Path:
    """Extract OLD_COMMIT's tree into `into`; return the project root (manage.py) inside it."""
    if shutil.which("git") is None:
        pytest.fail("git is not installed: this test needs it to extract the old commit")
    prefix = git("rev-parse", "--show-prefix")
    if prefix.returncode != 0:
        pytest.fail(
            f"{REPO_ROOT} is not a git work tree (no history): this test needs the commit "
            f"{OLD_COMMIT}. {prefix.stderr.decode().strip()}"
        )
    if git("cat-file", "-e", f"{OLD_COMMIT}^{{commit}}").returncode != 0:
        pytest.fail(
            f"commit {OLD_COMMIT} (the layout before the restructuring) is not in the git history "
            f"of {REPO_ROOT}: fetch it (a shallow clone lacks it, e.g. git fetch --unshallow)"
        )
    archive = subprocess.Popen(
        ["git", "-C", str(REPO_ROOT), "archive", OLD_COMMIT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    untar = subprocess.run(
        ["tar", "-x", "-C", str(into)], stdin=archive.stdout, capture_output=True
    )
    archive.stdout.close()
    archive_err = archive.stderr.read().decode()
    archive.stderr.close()
    if archive.wait() != 0 or untar.returncode != 0:
        pytest.fail(
            f"git archive {OLD_COMMIT} | tar -x failed: {archive_err} {untar.stderr.decode()}"
        )
    root = into / prefix.stdout.decode().strip()
    if not (root / "manage.py").is_file():
        pytest.fail(f"the old commit's tree has no manage.py at {root}")
    return root


@contextmanager
def scratch_database(var_dir: Path) -> Iterator[dict[str, str]]:
    """Environment variables pointing the app at a fresh, empty database; dropped afterwards.

    PostgreSQL when the suite runs on it (a new database on the same server), else a SQLite file
    in var_dir (settings put it at $VAR_DIR/db.sqlite3 when DATABASE_URL is unset)."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        yield {"VAR_DIR": str(var_dir)}
        return

    import psycopg
    from psycopg import sql

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        pytest.fail("the suite runs on PostgreSQL but DATABASE_URL is not set")
    name = f"tc_upgrade_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    server = {
        "host": default.get("HOST") or None,
        "port": default.get("PORT") or None,
        "user": default.get("USER") or None,
        "password": default.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"[upgrade] created PostgreSQL database {name}", flush=True)
    parts = urlsplit(url)
    try:
        yield {"VAR_DIR": str(var_dir), "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
    finally:
        with psycopg.connect(**server) as conn:
            force = sql.SQL(" WITH (FORCE)") if conn.info.server_version >= 130000 else sql.SQL("")
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}{}").format(sql.Identifier(name), force)
            )
        print(f"[upgrade] dropped PostgreSQL database {name}", flush=True)


def base_env(database: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    # Not pytest's settings, nor its Redis, nor a path that could import the other tree's code.
    for name in ("REDIS_URL", "DATABASE_URL", "PYTHONPATH", "VAR_DIR"):
        env.pop(name, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tracing_center.settings",
            "DEBUG": "1",
            "SECRET_KEY": "upgrade-test-secret-key-not-for-production",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(database)
    return env


def probe_output(stdout: str, what: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    pytest.fail(f"{what} printed no {MARKER.strip()} line:\n{stdout[-4000:]}")


def demo_logins(output: str) -> tuple[str, dict[str, str]]:
    """The demo's shared password and one username per role, read from load_demo's output."""
    found = re.search(r"password for all: (\S+?)\)", output)
    if not found:
        pytest.fail(f"load_demo printed no password:\n{output[-3000:]}")
    password = found.group(1)
    users: dict[str, str] = {}
    for line in output.splitlines():
        columns = line.split()
        if len(columns) >= 3 and columns[1] == password and columns[2] in ROLES:
            users.setdefault(columns[2], columns[0])
    missing = [role for role in ROLES if role not in users]
    if missing:
        pytest.fail(f"load_demo printed no login for {missing}:\n{output[-3000:]}")
    return password, users


# Changes made on purpose after the old layout, each by its own migration: not losses.
# Issue 12 part 6 (agents 0015, calls 0009, cases 0005): the national reference data moves from
# CPAM admins to a new national role.
GROUPS_ADDED = {
    # The data-protection officer reads the access log through its page: no model permission.
    "dpo": set(),
    # Issue 16 (agents 0023): the regional health agency's officers read their region's clusters
    # through their pages; no model permission.
    "ars": set(),
    # Issue 16 part 1 (agents 0022): the doctors who declare patients; their pages check the role.
    "medecin": set(),
    "admin_national": {
        "pausereason.view_pausereason",
        "pausereason.add_pausereason",
        "pausereason.change_pausereason",
        "retryrule.view_retryrule",
        "retryrule.change_retryrule",
        "isolationruleset.view_isolationruleset",
        "isolationruleset.add_isolationruleset",
        "isolationruleset.change_isolationruleset",
        # Issue 13 part 8 (workforce 0006): the legal limits of a CDD, a new national model.
        "fixedtermrule.view_fixedtermrule",
        "fixedtermrule.add_fixedtermrule",
        "fixedtermrule.change_fixedtermrule",
        "fixedtermrule.delete_fixedtermrule",
        # Issue 13 part 3 (cases 0008, calls 0016): the instructions and SMS texts per language.
        "rulesettranslation.view_rulesettranslation",
        "rulesettranslation.add_rulesettranslation",
        "rulesettranslation.change_rulesettranslation",
        "rulesettranslation.delete_rulesettranslation",
        "smstemplate.view_smstemplate",
        "smstemplate.add_smstemplate",
        "smstemplate.change_smstemplate",
        "smstemplate.delete_smstemplate",
        # Issue 14 part 4 (calls 0022): durations as policy, next to the retry rules.
        "durationrule.view_durationrule",
        "durationrule.add_durationrule",
        "durationrule.change_durationrule",
        "durationrule.delete_durationrule",
        # Issue 14 part 7 (integrity 0004): the quality review's scorecards, national data.
        "scorecard.view_scorecard",
        "scorecard.add_scorecard",
        "scorecard.change_scorecard",
        "criterion.view_criterion",
        "criterion.add_criterion",
        "criterion.change_criterion",
        "criterion.delete_criterion",
        # Issue 16 (cases 0010): how many cases at a place make a cluster, national data.
        "clusterrule.view_clusterrule",
        "clusterrule.change_clusterrule",
        # Issue 16 part 1 (agents 0022): national admins create doctors of any territory.
        "doctor.view_doctor",
        "doctor.add_doctor",
        "doctor.change_doctor",
    },
}
PERMISSIONS_REVOKED = {
    "admin_cpam": {
        "pausereason.add_pausereason",
        "pausereason.change_pausereason",
        "retryrule.change_retryrule",
        "isolationruleset.add_isolationruleset",
        "isolationruleset.change_isolationruleset",
    }
}


def compare(before: dict, after: dict) -> list[str]:
    """What differs between the old database and the migrated one; empty when all is well."""
    problems = []
    warm_up = [f"{c['name']}: {c['detail']}" for c in before.get("warm_up", []) if not c["ok"]]
    if warm_up or not before.get("warm_up"):
        problems.append(f"the old code's warm-up failed (the test's setup): {warm_up}")
    if after["pending_migrations"]:
        problems.append(f"migrations still pending: {after['pending_migrations']}")

    if before["counts"] != after["counts"]:
        problems.append(f"row counts changed: {before['counts']} -> {after['counts']}")
    if not all(before["counts"].values()):
        # An empty table would make its comparison prove nothing.
        problems.append(
            f"a counted table is missing or empty in the old database: {before['counts']}"
        )

    for group, expected in GROUPS_ADDED.items():
        if group in before["groups"] or set(after["groups"].get(group, [])) != expected:
            problems.append(
                f"group {group}: expected new with {sorted(expected)}, "
                f"got {sorted(after['groups'].get(group, []))}"
            )
    if set(before["groups"]) | set(GROUPS_ADDED) != set(after["groups"]):
        problems.append(f"groups changed: {sorted(before['groups'])} -> {sorted(after['groups'])}")
    # A model added since the old layout brings its own grants: new, not a change.
    old_models = set(before.get("models", []))
    for group, perms in before["groups"].items():
        now = [perm for perm in after["groups"].get(group, []) if perm.split(".")[0] in old_models]
        revoked = PERMISSIONS_REVOKED.get(group, set())
        if not revoked <= set(perms):
            problems.append(f"group {group}: did not hold {sorted(revoked - set(perms))} before")
        if set(perms) - revoked != set(now):
            lost, gained = sorted(set(perms) - set(now)), sorted(set(now) - set(perms))
            problems.append(f"group {group}: permissions lost {lost}, gained {gained}")

    for model, old in before["content_types"].items():
        new = after["content_types"].get(model, {"error": "not probed"})
        if "error" in old or "error" in new:
            problems.append(f"{model}: {old.get('error') or new.get('error')}")
            continue
        if old["id"] != new["id"]:
            problems.append(
                f"{model}: content type recreated, not renamed in place: "
                f"{old['app_label']}.{old['model']} id {old['id']} -> "
                f"{new['app_label']}.{new['model']} id {new['id']}"
            )
        if new["app_label"] != new["model_app_label"]:
            problems.append(
                f"{model}: its content type says app {new['app_label']!r}, "
                f"the code says {new['model_app_label']!r}"
            )

    stale = sorted(set(after["stale_content_types"]) - set(before["stale_content_types"]))
    if stale:
        problems.append(f"content types left without a model by the migration: {stale}")

    failed = [f"{c['name']}: {c['detail']}" for c in after.get("http", []) if not c["ok"]]
    if not after.get("http"):
        problems.append("no HTTP check ran")
    problems.extend(f"HTTP check failed: {f}" for f in failed)
    return problems


def test_a_database_of_the_old_layout_migrates_and_is_served():
    timings = Timings()
    backend = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"\n[upgrade] from {OLD_COMMIT[:10]} to the working tree at {REPO_ROOT} on {backend}")
    with tempfile.TemporaryDirectory(prefix="tc_upgrade_") as tmp:
        tmp = Path(tmp)
        (tmp / "old").mkdir()
        with timings.step("extract the old commit"):
            old_root = extract_old_tree(tmp / "old")

        with scratch_database(tmp / "var") as database:
            env = base_env(database)
            python = sys.executable

            with timings.step("old code: migrate"):
                run(
                    [python, "manage.py", "migrate", "--no-input"],
                    cwd=old_root,
                    env=env,
                    what="migrate with the old code",
                )
            with timings.step("old code: load_demo"):
                demo = run(
                    [python, "manage.py", "load_demo"],
                    cwd=old_root,
                    env=env,
                    what="load_demo with the old code",
                )
            password, users = demo_logins(demo)
            logins = [
                *("--password", password),
                *("--teleconseiller", users["teleconseiller"]),
                *("--superviseur", users["superviseur"]),
                *("--admin", users["admin_cpam"]),
            ]
            with timings.step("old code: a call claimed, then the snapshot"):
                what = "the warm-up and snapshot with the old code"
                before = probe_output(
                    run(
                        [python, str(PROBE), "--root", str(old_root), "--warm-up", *logins],
                        cwd=old_root,
                        env=env,
                        what=what,
                    ),
                    what,
                )

            with timings.step("current code: migrate"):
                migrated = run(
                    [python, "manage.py", "migrate", "--no-input"],
                    cwd=REPO_ROOT,
                    env=env,
                    what="migrate with the current code",
                )
            applied = [line.strip() for line in migrated.splitlines() if "Applying" in line]
            with timings.step("current code: snapshot and HTTP checks"):
                what = "the snapshot and HTTP checks with the current code"
                after = probe_output(
                    run(
                        [python, str(PROBE), "--root", str(REPO_ROOT), "--http", *logins],
                        cwd=REPO_ROOT,
                        env=env,
                        what=what,
                    ),
                    what,
                )

    problems = compare(before, after)
    print("[upgrade] migrations applied by the current code:", applied or "none")
    print("[upgrade] content types (app label and id, before -> after):")
    for model, old in before["content_types"].items():
        new = after["content_types"].get(model, {})
        print(
            f"  {model:<20} {old.get('app_label')} -> {new.get('app_label')} "
            f"(id {old.get('id')} -> {new.get('id')})"
        )
    print(f"[upgrade] row counts: {after['counts']}")
    print(f"[upgrade] groups: { {g: len(p) for g, p in after['groups'].items()} } permissions")
    for title, checks in (
        ("old code, warm-up", before.get("warm_up", [])),
        ("current code, HTTP checks", after.get("http", [])),
    ):
        print(f"[upgrade] {title}: {sum(c['ok'] for c in checks)}/{len(checks)} passed")
        for check in checks:
            print(f"  {'ok  ' if check['ok'] else 'FAIL'} {check['name']}: {check['detail'][:100]}")
    print(f"[upgrade] timings:\n{timings.summary()}")
    assert not problems, "the upgrade from the old layout is broken:\n- " + "\n- ".join(problems)
