# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PIP     := $(BIN)/pip --disable-pip-version-check -q
ARGS    ?=

.PHONY: install install-test run test bench web web-api web-test clean-data lint

# `make install` prepares .venv with the studio itself (seconds); idempotent through stamp files.
install: $(VENV)/.stamp-base

$(VENV)/.stamp-base: pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) install -e .
	@touch $@

# The test environment adds the ML stack: torch 2.13.0 first and alone so pip takes the CPU wheel on disk.
$(VENV)/.stamp-test: pyproject.toml $(VENV)/.stamp-base
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[dev,models,postgres,ray]'
	@touch $@

install-test: $(VENV)/.stamp-test

# The web app (web/, React + Vite): `npm ci` when the lock changes, a build when a source changes.
WEB_SRC := $(shell find web/src web/scripts -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

web/node_modules/.stamp: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/index.html: web/node_modules/.stamp $(WEB_SRC)
	cd web && npm run build

web: web/dist/index.html

# Regenerate the API client types from the Python app's OpenAPI schema (no server needed).
web-api: install web/node_modules/.stamp
	cd web && PYTHON=$(abspath $(BIN)/python) npm run gen:api

web-test: web/node_modules/.stamp
	cd web && npx vitest run

# The segmentation service (seed §3) runs beside the studio as a child it supervises.
run: install web/dist/index.html
	MILIMO_SAM_AUTOSTART=$${MILIMO_SAM_AUTOSTART:-1} $(BIN)/milimo serve $(ARGS)

# The gates (docs/architecture.md): ruff lint and format, mypy over src/, the import-linter layers,
# no import cycle in src/ (tools/check_cycles.py, which also wants every top-level module in a layer)
# or in web/src (madge). A cycle or a layer violation fails CI.
lint: install-test web/node_modules/.stamp
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/lint-imports
	$(BIN)/python tools/check_cycles.py
	cd web && npm run --silent check:cycles
	$(BIN)/mypy

# The gates, Vitest (seconds), then pytest, which includes the browser tests (tests/web, Debian's Chromium).
test: install-test lint web-test web/dist/index.html
	$(BIN)/python -m pytest $(ARGS)

bench: install-test
	$(BIN)/python -m bench $(ARGS)

clean-data:
	rm -rf data
