# Loket: `make demo` sets up and runs a demo desk; `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo install test lint audit bench-quick messages clean

$(BIN)/loket: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	PYTHONWARNINGS=ignore $(BIN)/pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/loket

install: $(BIN)/loket

demo: install
	$(BIN)/loket demo --url http://$(HOST):$(PORT)/
	$(BIN)/loket run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

LINT_PATHS := loket tests $(wildcard bench)

lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy loket

# Known vulnerabilities in the installed packages (accept one in .ci/pip-audit-ignore, with a reason).
audit: install
	$(BIN)/python .ci/audit.py

bench-quick: install
	@set -e; for b in $(wildcard bench/*.py); do echo "== $$b"; out=$$($(BIN)/python $$b --quick); echo "$$out" | tail -n 1; done

# Refresh the Dutch catalogues after adding texts (then translate the empty msgstr entries).
messages: install
	cd loket && LOKET_DATA_DIR=../loket-data ../$(BIN)/loket makemessages -l nl -l ru --no-obsolete
	cd loket/kb && LOKET_DATA_DIR=../../loket-data ../../$(BIN)/loket makemessages -l nl -l ru --no-obsolete
	cd loket && LOKET_DATA_DIR=../loket-data ../$(BIN)/loket compilemessages

clean:
	rm -rf $(VENV) loket-data
