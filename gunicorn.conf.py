"""gunicorn's configuration for every deployment (read from the working directory by default).

    gunicorn tracing_center.wsgi --workers 3 --worker-class sync      # this file applies itself
    gunicorn -c /path/to/gunicorn.conf.py tracing_center.wsgi …       # from another directory

Command-line options override what is set here (workers, bind…): this file only loads the
application once in the master and freezes it before forking the workers.

- `preload_app`: the master imports Django and the project (settings, URLs, models, DRF,
  serializers…) once; each worker is a fork that shares those pages. Nothing here opens a
  database or Redis connection at import (Django's pool and django-redis connect on first use,
  in each worker), so nothing is shared across the fork. A code deploy needs a restart of the
  master (`systemctl restart`), not a `HUP`, with preload on.
- `gc.freeze()` (Python docs, gc.freeze: "call gc.disable() early in the parent process,
  gc.freeze() right before fork(), and gc.enable() early in child processes"): the start-up
  objects move to the permanent generation, which the collector never scans. A worker's full
  collections then walk only what requests allocated, not the ≈ 10⁵–10⁶ objects of Django and
  the project (100–150 ms each on the bench machine: the p99 of the boards); and they no longer
  write the collector's counters into the shared pages (copy-on-write), so the workers keep
  sharing them.

Environment: GUNICORN_PRELOAD=0 loads the application in each worker instead (then each worker
freezes its own start-up objects once loaded); GUNICORN_GC_FREEZE=0 turns the freezing off
(`make bench` compares both).
"""

import gc
import os


def _flag(name: str, default: bool = True) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


preload_app = _flag("GUNICORN_PRELOAD")
FREEZE = _flag("GUNICORN_GC_FREEZE")


def on_starting(server) -> None:
    # In the master, before the application is loaded (preload): no collection while importing,
    # so the objects it keeps are not scattered between freed ones.
    if FREEZE and preload_app:
        gc.disable()


def pre_fork(server, worker) -> None:
    # In the master, right before each fork: everything alive now is start-up state.
    if FREEZE and preload_app:
        gc.freeze()


def post_fork(server, worker) -> None:
    # In the worker, first thing after the fork. (The master keeps its collector off: it only
    # supervises the workers and allocates next to nothing.)
    if FREEZE and preload_app:
        gc.enable()


def post_worker_init(worker) -> None:
    # Without preload the worker has just loaded the application itself: freeze that.
    if FREEZE and not preload_app:
        gc.collect()
        gc.freeze()
