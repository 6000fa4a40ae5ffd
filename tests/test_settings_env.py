import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase

from tracing_center.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "DATABASE_REPLICA_URL",
            "REDIS_URL",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


class EnvTests(SimpleTestCase):
    def test_it_reads_booleans_strictly(self):
        with mock.patch.dict(os.environ, {"X": "yes"}):
            self.assertTrue(env_bool("X", False))
        with mock.patch.dict(os.environ, {"X": "off"}):
            self.assertFalse(env_bool("X", True))
        with mock.patch.dict(os.environ, {"X": "treu"}), self.assertRaises(ImproperlyConfigured):
            env_bool("X", False)

    def test_it_reads_integers_strictly(self):
        with mock.patch.dict(os.environ, {"X": "24"}):
            self.assertEqual(env_int("X", 1), 24)
        with mock.patch.dict(os.environ, {"X": "24h"}), self.assertRaises(ImproperlyConfigured):
            env_int("X", 1)
        with mock.patch.dict(os.environ, {"X": "0"}), self.assertRaises(ImproperlyConfigured):
            env_int("X", 1, minimum=1)

    def test_it_splits_lists(self):
        with mock.patch.dict(os.environ, {"X": "a.org, b.org,"}):
            self.assertEqual(env_list("X", []), ["a.org", "b.org"])

    def test_it_refuses_to_start_without_a_secret_key_in_production(self):
        result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="tracing.example.org")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY must be set", result.stderr)

    def test_it_passes_the_deploy_checks_with_production_settings(self):
        result = run_manage(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            DEBUG="0",
            SECRET_KEY="x" * 20 + "production-secret-key-with-enough-entropy-9f8e7d6c5b4a",
            ALLOWED_HOSTS="tracing.example.org",
        )
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)


class ProxySslHeaderTests(SimpleTestCase):
    """Issue 12 part 9: X-Forwarded-Proto is believed only when a proxy is said to set it."""

    def proxy_header(self, **env: str) -> str:
        result = run_manage(
            "shell",
            "-c",
            "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)",
            DEBUG="1",
            **env,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout.strip().splitlines()[-1]

    def test_it_ignores_the_header_unless_configured(self):
        self.assertEqual(self.proxy_header(), "None")

    def test_it_trusts_the_header_when_configured(self):
        self.assertEqual(
            self.proxy_header(SECURE_PROXY_SSL_HEADER="1"), "('HTTP_X_FORWARDED_PROTO', 'https')"
        )


class RedisSettingsTests(SimpleTestCase):
    """Issue 12, Redis down, floor up: with REDIS_URL the cache reads a Redis down as a miss,
    waits little for it, and sessions never depend on it."""

    def test_a_redis_cache_ignores_its_errors_and_waits_little(self):
        result = run_manage(
            "shell",
            "-c",
            "from django.conf import settings as s; c = s.CACHES['default'];"
            " print(c['BACKEND'], sorted(c['OPTIONS'].items()), s.SESSION_ENGINE,"
            " s.CELERY_BROKER_TRANSPORT_OPTIONS['socket_connect_timeout'])",
            DEBUG="1",
            REDIS_URL="redis://127.0.0.1:6379/9",
            REDIS_TIMEOUT_MS="300",
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            result.stdout.strip().splitlines()[-1],
            "django_redis.cache.RedisCache [('IGNORE_EXCEPTIONS', True),"
            " ('SOCKET_CONNECT_TIMEOUT', 0.3), ('SOCKET_TIMEOUT', 0.3)]"
            " django.contrib.sessions.backends.db 0.3",
        )


class ReplicaSettingsTests(SimpleTestCase):
    """Issue 17 part 5: DATABASE_REPLICA_URL adds a `replica` alias like the primary's, that waits
    little for a replica down; without it there is none."""

    def aliases(self, **env: str) -> subprocess.CompletedProcess:
        return run_manage(
            "shell",
            "-c",
            "from django.conf import settings as s; d = s.DATABASES;"
            " r = d.get('replica', {}); o = r.get('OPTIONS', {});"
            " print(sorted(d), r.get('PORT'), o.get('pool', {}).get('timeout'),"
            " o.get('connect_timeout'), r.get('TEST', {}).get('MIRROR'), s.DATABASE_ROUTERS)",
            DEBUG="1",
            **env,
        )

    def test_it_adds_a_replica_alias_when_configured(self):
        result = self.aliases(
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/tc",
            DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/tc",
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            result.stdout.strip().splitlines()[-1],
            "['default', 'replica'] 5433 2 2 default ['common.reporting.ReportsRouter']",
        )

    def test_it_has_no_replica_alias_by_default(self):
        result = self.aliases(DATABASE_URL="postgres://postgres@127.0.0.1:5432/tc")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.strip().splitlines()[-1].startswith("['default'] None"))

    def test_it_refuses_a_replica_without_a_primary(self):
        result = self.aliases(DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/tc")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DATABASE_REPLICA_URL needs DATABASE_URL", result.stderr)
