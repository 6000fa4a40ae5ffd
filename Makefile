# Two commands: `make run` (install, migrate, demo, serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DEBUG ?= 1

.PHONY: run test install lint browser messages screenshots bench soak clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	@echo "Tracing Center: http://127.0.0.1:8000 (Ctrl-C stops web, worker and beat)"
	$(VENV)/bin/honcho start -f Procfile.dev

# Style, the stack of apps (an import against it fails), types, and migrations in step with models.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(VENV)/bin/mypy
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# The browser tests drive Debian's Chromium: installed here when missing (as root).
browser:
	@[ -x /usr/bin/chromium ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || { echo "Chromium is missing: apt-get install -y chromium"; exit 1; }

test: lint browser
	$(PY) -m pytest

# The desk, the board and a case page at 1440×900 and 390×844 in docs/screenshots/, from a
# throwaway demo at 15:30 Paris time (demo/screenshots.py).
screenshots: install browser
	$(PY) -m demo.screenshots

# Regenerate the message catalogues after changing user-facing strings, then translate them.
messages: install
	cd $(CURDIR) && $(PY) manage.py makemessages --locale fr --locale en --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'

# The benchmarks (bench/README.md). The claim: a dedicated PostgreSQL database (DATABASE_URL,
# default postgres://postgres@127.0.0.1:5432/tracing_center_bench), 10,000 then 1,000,000 queued
# tasks, the service, the raw SQL ceiling and the HTTP API under 64 agents; BENCH_SIZES=10000 is
# quick. Then supervision at national scale on <that database>_supervision: 11,000 agents,
# 6,000,000 attempts, the boards, the API and the periodic jobs; BENCH_SCALE=small is quick.
# Then the seeded-fraud month (issue 14) on <that database>_integrity: every pattern flagged?
# BENCH_PARTS=claim, supervision or integrity runs one part.
bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || echo "wrk is missing (apt-get install -y wrk): the API run will be skipped"
	@command -v haproxy >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq haproxy >/dev/null; } || echo "haproxy is missing (apt-get install -y haproxy): the login storm and nodes parts will be skipped"
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tracing_center_bench} $(PY) bench/run.py

# Two hours of `make run` (web, worker, beat on the embedded default) under a light floor, then the
# periodic jobs, process deaths and the stale-jobs banner read back (bench/soak.py; SOAK_SECONDS).
soak: install
	$(PY) bench/soak.py

clean:
	rm -rf var
