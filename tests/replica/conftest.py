"""A real streaming replica for the replica tests: a tiny primary and its standby, made here.

Why not a standby of the test server (DATABASE_URL)? pg_basebackup copies a whole cluster, and
the test server may hold databases of several GB (the benchmarks'); its pg_hba.conf may also
refuse replication connections. So these tests run `initdb` for a primary of their own on a free
port, `pg_basebackup -R` it into a standby on another, and point the `default` and `replica`
aliases at them for the tests of this folder only; the code under test (the router,
`reporting()`, the report views) is the real one, on the test database's schema (copied with
pg_dump). A few seconds, once a run of this folder; both servers are stopped and their
directory removed at the end.

As root (CI), the servers run as the `postgres` OS user (`runuser -u postgres --`): PostgreSQL
refuses to run as root. PG_BIN names the directory of initdb, pg_ctl and pg_basebackup when it is
not the newest /usr/lib/postgresql/*/bin.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connections

from tracing_center.settings import postgres_database

DATABASE = "tc_replica_test"
# Waiting for servers and replication: generous, since the machine may be busy.
WAIT_SECONDS = 60


def _pg_bin() -> Path:
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        which = shutil.which("pg_basebackup")
        if which is None:
            raise RuntimeError("pg_basebackup is missing: install PostgreSQL or set PG_BIN")
        return Path(which).parent
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """One PostgreSQL server of the pair."""

    name: str
    data: Path
    port: int
    bin: Path
    as_postgres: list[str]

    def run(self, tool: str, *args: str) -> None:
        command = [*self.as_postgres, str(self.bin / tool), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=WAIT_SECONDS)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}{result.stdout}{log}")

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.name}.log"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.data.parent} "
            # A throwaway cluster: no need to survive a crash.
            "-c fsync=off -c full_page_writes=off "
            "-c wal_level=replica -c max_wal_senders=4 -c hot_standby=on "
            "-c shared_buffers=32MB -c max_connections=60"
        )
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, query: str, database: str = DATABASE):
        """Run one statement in autocommit on this server; return the first row."""
        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(query)
            return cursor.fetchone() if cursor.description else None


@dataclass
class Pair:
    primary: Server
    standby: Server

    def wait_for_replay(self) -> None:
        """Wait until the standby has replayed everything the primary has written."""
        (target,) = self.primary.sql("SELECT pg_current_wal_insert_lsn()::text")
        self._wait(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")

    def wait_for_receipt(self) -> None:
        """Wait until the standby has received everything the primary has written (replayed or
        not: replay may be paused)."""
        (target,) = self.primary.sql("SELECT pg_current_wal_insert_lsn()::text")
        self._wait(f"SELECT pg_last_wal_receive_lsn() >= '{target}'::pg_lsn")

    def _wait(self, query: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not self.standby.sql(query)[0]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the standby never answered true to: {query}")
            time.sleep(0.05)


def _build_pair(root: Path) -> Pair:
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    root.chmod(0o700)
    pg_bin = _pg_bin()
    ports = {_free_port()}
    while len(ports) < 2:
        ports.add(_free_port())
    primary_port, standby_port = sorted(ports)
    primary = Server("primary", root / "primary", primary_port, pg_bin, as_postgres)
    standby = Server("standby", root / "standby", standby_port, pg_bin, as_postgres)
    # initdb --auth=trust writes a pg_hba.conf that lets local replication connections in.
    primary.run(
        "initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--locale=C.UTF-8", "--no-sync",
    )  # fmt: skip
    primary.start()
    # The standby is a copy of the primary that follows it (-R writes primary_conninfo).
    primary.run(
        "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
        "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast", "--no-sync",
    )  # fmt: skip
    standby.start()
    if not standby.sql("SELECT pg_is_in_recovery()", database="postgres")[0]:
        raise RuntimeError("the standby is not in recovery")
    # Created after the copy: the standby receives it by streaming, as everything else.
    primary.sql(f'CREATE DATABASE "{DATABASE}"', database="postgres")
    return Pair(primary, standby)


def _serialized_contents() -> str:
    """Return the rows migrations load, as the test database's set-up serialized them."""
    default = connections["default"]
    contents = getattr(default, "_test_serialized_contents", None)
    return contents if contents is not None else default.creation.serialize_db_to_string()


def _copy_schema(test_database: dict, primary: Server) -> None:
    """Give the primary the test database's schema and migration history: the same tables as a
    `migrate`, which takes minutes on a busy two-core machine where this takes a second."""
    source = {**os.environ, "PGPASSWORD": str(test_database.get("PASSWORD") or "")}
    dump = [
        str(primary.bin / "pg_dump"),
        "--host", str(test_database.get("HOST") or "127.0.0.1"),
        "--port", str(test_database.get("PORT") or 5432),
        "--username", str(test_database.get("USER") or "postgres"),
        "--no-owner", "--no-privileges",
    ]  # fmt: skip
    name = str(test_database["NAME"])
    schema = subprocess.run(
        [*dump, "--schema-only", name], capture_output=True, check=True, env=source
    ).stdout
    history = subprocess.run(
        [*dump, "--data-only", "--table", "django_migrations", name],
        capture_output=True,
        check=True,
        env=source,
    ).stdout
    loaded = subprocess.run(
        [str(primary.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", primary.url()],
        input=schema + history,
        capture_output=True,
    )
    if loaded.returncode != 0:
        raise RuntimeError(f"loading the schema failed:\n{loaded.stderr.decode()}")


def _forget_connection(alias: str):
    """Close an alias's connection and pool; return its wrapper, which may be put back."""
    if alias not in connections.settings:
        return None
    connection = connections[alias]
    connection.close()
    if connection.pool:
        connection.close_pool()
    del connections[alias]
    return connection


@pytest.fixture(scope="package")
def replica_pair(django_db_setup, django_db_blocker) -> Iterator[Pair]:
    """Point `default` at a primary of our own and `replica` at its standby, with the test
    database's schema, for the tests of this folder; put the test database back after them."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    root = Path(tempfile.mkdtemp(prefix="tc-replica-"))
    pair = None
    saved = connections.settings["default"]
    test_default = None
    try:
        pair = _build_pair(root)
        with django_db_blocker.unblock():
            contents = _serialized_contents()
            test_default = _forget_connection("default")
            connections.settings["default"] = connections.configure_settings(
                {"default": postgres_database(pair.primary.url())}
            )["default"]
            connections.settings["replica"] = connections.configure_settings(
                {"default": postgres_database(pair.standby.url(), replica=True)}
            )["default"]
            _copy_schema(saved, pair.primary)
            # What TransactionTestCase(serialized_rollback=True) puts back after each flush:
            # the languages, roles and retry rules that migrations load.
            connections["default"]._test_serialized_contents = contents
            pair.wait_for_replay()
        yield pair
    finally:
        with django_db_blocker.unblock():
            _forget_connection("replica")
            connections.settings.pop("replica", None)
            _forget_connection("default")
            connections.settings["default"] = saved
            # The test database's own wrapper, with what it serialized for the other tests.
            if test_default is not None:
                connections["default"] = test_default
        if pair is not None:
            for server in (pair.standby, pair.primary):
                with suppress(RuntimeError):
                    server.stop()
        shutil.rmtree(root, ignore_errors=True)
