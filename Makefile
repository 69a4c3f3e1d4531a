# Two commands matter: `make run` (demo app on SQLite, tasks in-process) and
# `make test` (whole suite on the real PostgreSQL and Redis). See README.md.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# The suite runs against real services; these defaults are the local ones.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# The suite runs on this many pytest-xdist workers, each on its own test database and Redis
# database (tests/plugins/xdist_services.py); a file's tests stay on one worker. 0: one process.
PYTEST_WORKERS ?= 2

CHROMIUM ?= /usr/bin/chromium

# glibc gives each thread that allocates its own malloc arena, and memory freed in one is not
# reused by the others: a batch recompute (the engine's two threads, the estimates' JSON on a
# third) then peaked at 1,049 MB in make bench instead of 918. The image sets the same (Dockerfile).
export MALLOC_ARENA_MAX ?= 2

.PHONY: help install run test lint format worker beat clean chromium bench bench-accuracy bench-admin bench-grading audit load

help:
	@echo "make run    set up and serve the demo app on http://$(HOST):$(PORT)"
	@echo "make test   run the whole suite against PostgreSQL and Redis"
	@echo "make lint   ruff check and format check"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's chromium package; never a browser a tool downloads.
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# make run: DEBUG on and SQLite/eager Celery unless the environment says otherwise.
run: export DEBUG ?= 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_rubrics
	$(PY) manage.py seed_demo
	$(PY) manage.py recompute_scores --shortlist
	@echo "Serving on http://$(HOST):$(PORT)/  (health: http://$(HOST):$(PORT)/healthz)"
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

test: export DATABASE_URL ?= $(TEST_DATABASE_URL)
test: export REDIS_URL ?= $(TEST_REDIS_URL)
test: export SECRET_KEY ?= test-only-secret-key-not-for-production-0123456789abcdef
test: install chromium
	@$(PY) -m config.preflight
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# make bench: one JSON line of recompute timings on a 100,000-candidate opening
# (BENCH_ARGS="--candidates 10000 --keep --check"). Needs PostgreSQL, not Redis.
bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scorecards_bench
bench: export SECRET_KEY ?= bench-only-secret-key-not-for-production-0123456789abcdef
bench: install
	$(PY) -m benchmarks.recompute $(BENCH_ARGS)

# make bench-accuracy: one JSON line of the engine's accuracy on simulated panels with known truth
# (Spearman, precision@10 and 80%-interval coverage against the plain mean and the oracle, 20 seeds).
# No database. BENCH_ACCURACY_ARGS="--seeds 100 --check".
bench-accuracy: install
	$(PY) -m benchmarks.accuracy $(BENCH_ACCURACY_ARGS)

# make bench-grading: one JSON line of take-home grading speed: parsing and grading a 100,000-row
# predictions file with intervals (target 1 s), and the sandboxed model runner's overhead beyond its
# measured calls (target 2 s) and peak RSS. No database. BENCH_GRADING_ARGS="--rows 10000 --check".
bench-grading: install
	$(PY) -m benchmarks.grading $(BENCH_GRADING_ARGS)

# make bench-admin: one JSON line of the admin's page timings and query counts at 100,000 candidates,
# on bench's dataset (built when missing). BENCH_ADMIN_ARGS="--candidates 10000 --repeat 3".
bench-admin: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scorecards_bench
bench-admin: export SECRET_KEY ?= bench-only-secret-key-not-for-production-0123456789abcdef
bench-admin: install
	$(PY) -m benchmarks.admin_pages $(BENCH_ADMIN_ARGS)

# make load: mixed ATS traffic (candidate upserts, scorecard submits, fit-score and shortlist reads) from
# 50 clients against gunicorn + a Celery worker, one JSON line (latencies, peaks, queries and server CPU
# per request kind from the servers' Server-Timing header); exits 1 on any error or lost write.
# Its own database (name must contain "load") and Redis db 15, both emptied.
# LOAD_ARGS="--duration 10 --clients 20 --saturation 5 --redis-url redis://127.0.0.1:6379/14 --check".
load: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scorecards_load
load: export SECRET_KEY ?= load-only-secret-key-not-for-production-0123456789abcdef
load: install
	$(PY) -m benchmarks.load $(LOAD_ARGS)

# make audit: pip-audit of the installed dependencies, failing on known vulnerabilities. It needs
# PyPI's JSON API (or OSV), which this project's machines cannot reach yet, so make test does not
# call it; see the README. --strict: a package it could not look up fails the audit; without it,
# pip-audit says "No known vulnerabilities found" having checked nothing (tests/config/test_make_audit.py).
audit: install
	$(VENV)/bin/pip-audit --strict --skip-editable --progress-spinner off

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO -Q celery,grading

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
