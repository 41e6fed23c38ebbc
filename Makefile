# The two commands a newcomer needs: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
PY := .venv/bin/python
ROLE ?=
# Parallel test workers: the suite is mostly waiting on brokers and workflows, so three share two cores well.
TEST_WORKERS ?= 3

.PHONY: help install run up stop status test test-fast bench chaos lint format contracts clean token subscribe audit-verify

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install:  ## install what is missing (system packages, uv, the locked Python environment)
	@bin/bootstrap >/dev/null

run: install  ## start PostgreSQL, Kafka, Temporal, all services, relays, consumers and the worker; Ctrl-C stops
	@$(PY) -m devstack run

up: install  ## like run, but return once everything is ready (stop with `make stop`)
	@$(PY) -m devstack up

stop:  ## stop everything `make run` / `make up` / the tests started
	@if [ -x $(PY) ]; then $(PY) -m devstack stop; fi

status:  ## what runs
	@$(PY) -m devstack status

test: install  ## the whole suite against real PostgreSQL, Kafka and Temporal (started if not running), in parallel
	@bin/bootstrap --with-browser >/dev/null
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-fast: install  ## unit and contract tests only (no infrastructure)
	@$(PY) -m pytest tests/unit tests/contract $(PYTEST_ARGS)

bench: install  ## every benchmark against its baseline in the same run: a table and bench.json (ONLY=K4,H1 for some)
	@$(PY) -m benchmarks $(if $(ONLY),--only $(ONLY))

chaos: install  ## the workload under 760 injected faults (kills, a paused broker, database crashes, resets); FAULTS=n SEED=n
	@$(PY) -m chaos --faults $(or $(FAULTS),760) --seed $(or $(SEED),1)

lint: install  ## ruff (lint + format check) and mypy
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m mypy backbone contracts devstack rules services workflows tests benchmarks chaos deploy/k8s/generate.py

format: install  ## apply ruff's fixes and formatting
	@$(PY) -m ruff check --fix .
	@$(PY) -m ruff format .

token: install  ## print a signed development token: make -s token ROLE=national_coordinator COUNTRY=FR [AGENCY=<id>]
	@$(PY) -m backbone.issuer token --role $(or $(ROLE),national_coordinator) --country $(or $(COUNTRY),FR) \
		$(if $(AGENCY),--agency $(AGENCY)) $(if $(SUB),--sub $(SUB))

subscribe: install  ## register a national system for its country's feed: make subscribe ID=fr-ncu COUNTRY=FR
	@$(PY) -m backbone.feed subscribe --id $(ID) --country $(COUNTRY)

audit-verify: install  ## walk a service's audit hash chain: make audit-verify SERVICE=partners (exit 1 names the break)
	@$(PY) -m backbone.audit verify $(or $(SERVICE),partners)

contracts: install  ## regenerate JSON Schema snapshots and the AsyncAPI document from the event models
	@$(PY) -m contracts.generate

clean: stop  ## delete the local state (databases, Kafka log, Temporal db, logs); keeps downloaded jars
	@find .state -mindepth 1 -maxdepth 1 ! -name cache ! -name tools ! -name kafka ! -name temporal-test-server \
		-exec rm -rf {} + 2>/dev/null || true
	@rm -rf .state/kafka/data .state/kafka/server.properties .state/kafka/*.log
	@echo "local state removed (downloads kept in .state/cache, .state/kafka/libs)"
