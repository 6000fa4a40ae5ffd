"""Shared bits of the claim benchmark: percentiles and Django set-up for the bench scripts.

Not named common.py: the bench scripts put bench/ first on sys.path, where a module `common`
would hide the `common` app from Django.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracing_center_bench"


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(seconds: list[float]) -> dict:
    """p50/p95/p99/max and mean, in milliseconds, of durations given in seconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms) if ms else 0.0,
        "mean": sum(ms) / len(ms) if ms else 0.0,
    }


def bench_env(extra: dict | None = None) -> dict:
    """The environment of the app under bench: production-like settings on the bench database."""
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tracing_center.settings",
            "DEBUG": "0",
            "SECRET_KEY": env.get(
                "BENCH_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
            ),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "DB_POOL": env.get("DB_POOL", "1"),
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra or {})
    return env


def setup_django() -> None:
    """Set Django up in this process with the bench environment (for scripts run by run.py)."""
    for key, value in bench_env().items():
        os.environ[key] = value
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
