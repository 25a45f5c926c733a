# Relais — the two commands: `make run` (everything, embedded defaults) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SERVICES := scheduler notifier calendar
export RELAIS_ENV ?= development

.PHONY: install run migrate dev-setup demo test lint typecheck test-unit test-integration test-e2e test-faults bench bench-quick audit clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	@for svc in $(SERVICES); do $(BIN)/flask --app services.$$svc.app migrate || exit 1; done

dev-setup: migrate
	@$(BIN)/flask --app services.scheduler.app dev-setup

## Start the three services (and their workers) in the foreground; Ctrl-C stops all.
run: dev-setup
	@$(BIN)/honcho start -f Procfile

## With `make run` going in another terminal: an SPST, an employer, employees on
## arrêt, and a liaison meeting walked through; prints what to open.
demo: install
	@$(PY) -m services.scheduler.entrypoints.demo

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

test-unit: install
	$(BIN)/pytest tests/unit -q

test-integration: install
	$(BIN)/pytest tests/integration -q

test-e2e: install
	$(BIN)/pytest tests/e2e -q

test-faults: install
	$(BIN)/pytest tests/faults -q

## Everything: lint, types, then every tier.
test: lint typecheck
	$(BIN)/pytest -q

## Known vulnerabilities in the pinned dependencies (constraints.txt) fail; see .ci/audit.py.
audit: install
	$(PY) .ci/audit.py

## Every benchmark (evaluate, feed, notifier, the sweep at 1,000,000 employees): a table
## compared with docs/benchmarks.md, bench/results.json. BENCH_ARGS="--only sweep --record".
bench: install
	$(PY) -m bench.run $(BENCH_ARGS)

## The same, smaller (under two minutes), for day-to-day work.
bench-quick: install
	$(PY) -m bench.run --quick $(BENCH_ARGS)

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
