# Loket: `make run` serves the demo, `make test` runs the whole suite, `make bench` the benchmarks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench lint format install clean-db

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/loket init-db
	$(BIN)/loket seed-demo --if-empty
	$(BIN)/loket demo-logins
	$(BIN)/loket run --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check loket tests benchmarks scripts
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "NOTE: /usr/bin/chromium not found: the browser (e2e) tests will be SKIPPED." >&2; \
	  echo "      Install Debian's chromium (apt-get install -y chromium) to run them." >&2; fi
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

bench: $(STAMP)
	@mkdir -p benchmarks/results
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b $(BENCH_ARGS) || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check loket tests benchmarks scripts
	$(BIN)/ruff format --check loket tests benchmarks scripts

format: $(STAMP)
	$(BIN)/ruff format loket tests benchmarks scripts
	$(BIN)/ruff check --fix loket tests benchmarks scripts

clean-db:
	rm -f instance/loket.db
