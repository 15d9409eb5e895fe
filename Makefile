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
# `make run TLS=1` serves HTTPS with a self-signed CA and certificate kept in TLS_DIR (made once,
# then reused, so clients that trust the CA keep trusting the server).
TLS_DIR := var/tls
ifdef TLS
TLS_ENV = QUAY_SSL_CERT_PATH=$(CURDIR)/$(TLS_DIR)/server.crt QUAY_SSL_KEY_PATH=$(CURDIR)/$(TLS_DIR)/server.key \
	QUAY_PREFERRED_URL_SCHEME=https
endif
# gunicorn's workers write their Prometheus metrics here; /metrics on any worker sums them all.
# Emptied at each start: the files of a previous run's processes would count again.
METRICS_DIR := var/prometheus
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

# Azurite, the Azure Blob Storage emulator the storage tests start, from npm into the checkout.
AZURITE := .tools/node/node_modules/.bin/azurite-blob
$(AZURITE):
	mkdir -p .tools/node
	npm install --silent --no-audit --no-fund --prefix .tools/node azurite@3
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test $(AZURITE)

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py init_superuser
	$(BIN)/python manage.py collectstatic --noinput -v0
	rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR)
ifdef TLS
	$(BIN)/python -m quaysite.tls_selfsigned $(TLS_DIR) $(HOST) $(SERVER_HOSTNAME)
	@echo "Registry, API and UI on https://$(HOST):$(PORT), live build logs on wss://$(HOST):$(WS_PORT)/ws/; clients trust $(TLS_DIR)/ca/ca.crt:"
	@echo "  podman login --cert-dir $(CURDIR)/$(TLS_DIR)/ca $(HOST):$(PORT)"
else
	@echo "Registry, API and UI on http://$(HOST):$(PORT), live build logs on ws://$(HOST):$(WS_PORT)/ws/"
endif
	$(TLS_ENV) PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/$(METRICS_DIR) QUAY_WEBSOCKET_PORT=$(WS_PORT) exec $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --worker-class gthread \
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
