# Two commands: `make run` serves the registry on http://127.0.0.1:8080, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
# The live build logs' websockets (uvicorn beside gunicorn; README, Serving).
WS_PORT ?= $(shell expr $(PORT) + 1)
WORKERS ?= 4
THREADS ?= 8
# gunicorn's largest bounded request line: with its default (4094) an over-long name or digest
# gets gunicorn's own HTML 414 instead of the registry's NAME_INVALID / DIGEST_INVALID.
GUNICORN_LIMITS = --limit-request-line 8190
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test install install-test lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Reinstalls only when pyproject.toml changes, so a second `make run` starts in seconds.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py init_superuser
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo "Registry, API and UI on http://$(HOST):$(PORT), live build logs on ws://$(HOST):$(WS_PORT)/ws/"
	QUAY_WEBSOCKET_PORT=$(WS_PORT) exec $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --worker-class gthread \
		--threads $(THREADS) --no-sendfile --access-logfile - $(GUNICORN_LIMITS) quaysite.wsgi:application

# mypy's incremental cache rechecks only what changed, but the Django plugin reads each setting's
# type from quaysite/settings.py where it is used, a dependency the cache does not record: a
# change there starts the cache afresh.
MYPY_CACHE_STAMP := .mypy_cache/settings.stamp
$(MYPY_CACHE_STAMP): quaysite/settings.py quaysite/config.py quaysite/web_security.py
	rm -rf .mypy_cache
	mkdir -p .mypy_cache
	touch $@

# Lint and types (mypy with the Django and DRF plugins, [tool.mypy] in pyproject.toml), then the
# whole suite against PostgreSQL (end-to-end included), then the core (tests/registry: its
# services, /v2/, REST API and pages) again on SQLite.
test: install-test $(MYPY_CACHE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest
	DATABASE_URL= $(BIN)/python -m pytest -m "not e2e" tests/registry

lint: install-test $(MYPY_CACHE_STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: install-test
	$(BIN)/python bench/run.py
