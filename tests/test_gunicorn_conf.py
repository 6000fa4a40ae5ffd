"""gunicorn.conf.py: the application preloaded and frozen before the fork (docs/deployment.md)."""

import gc
import importlib.util
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def load(monkeypatch, **env: str):
    for name in ("GUNICORN_PRELOAD", "GUNICORN_GC_FREEZE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def restore_gc():
    yield
    gc.unfreeze()
    gc.enable()


def test_preloaded_and_frozen_before_the_fork(monkeypatch, restore_gc):
    conf = load(monkeypatch)
    assert conf.preload_app is True
    gc.unfreeze()
    conf.on_starting(server=None)
    assert not gc.isenabled()  # nothing collected while the application loads in the master
    conf.pre_fork(server=None, worker=None)
    assert gc.get_freeze_count() > 0  # the start-up objects: out of every collection
    conf.post_fork(server=None, worker=None)
    assert gc.isenabled()  # the worker collects what its requests leave


def test_without_preload_each_worker_freezes_what_it_loaded(monkeypatch, restore_gc):
    conf = load(monkeypatch, GUNICORN_PRELOAD="0")
    assert conf.preload_app is False
    gc.unfreeze()
    conf.on_starting(server=None)
    conf.pre_fork(server=None, worker=None)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    conf.post_worker_init(worker=None)
    assert gc.get_freeze_count() > 0


def test_freezing_can_be_turned_off(monkeypatch, restore_gc):
    conf = load(monkeypatch, GUNICORN_GC_FREEZE="0")
    gc.unfreeze()
    for hook in (conf.on_starting, conf.pre_fork, conf.post_fork):
        hook(server=None, **({"worker": None} if hook is not conf.on_starting else {}))
    conf.post_worker_init(worker=None)
    assert gc.isenabled() and gc.get_freeze_count() == 0
