# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PIP     := $(BIN)/pip --disable-pip-version-check -q
ARGS    ?=

.PHONY: install install-test run test bench web clean-data lint

# `make install` prepares .venv with the studio itself (seconds); idempotent through stamp files.
install: $(VENV)/.stamp-base

$(VENV)/.stamp-base: pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) install -e .
	@touch $@

# The test environment adds the ML stack: torch 2.13.0 first and alone so pip takes the CPU wheel on disk.
$(VENV)/.stamp-test: pyproject.toml $(VENV)/.stamp-base
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[dev,models,postgres]'
	@touch $@

install-test: $(VENV)/.stamp-test

run: install
	$(BIN)/milimo serve $(ARGS)

test: install-test
	$(BIN)/python -m pytest $(ARGS)

bench: install-test
	$(BIN)/python -m bench $(ARGS)

clean-data:
	rm -rf data
