# Huiqi: `make run` serves the platform on http://127.0.0.1:8000, `make test` runs every test (what CI
# runs), `make test-fast` the unit and integration tests only (no end-to-end processes), in under 2 minutes.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PYTHONWARNINGS := ignore

.PHONY: run test test-fast bench soak reset install lint

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/huiqi run

test: $(STAMP)
	$(BIN)/pytest -q

test-fast: $(STAMP)
	$(BIN)/pytest -q tests/unit tests/integration

bench: $(STAMP)
	$(BIN)/python -m bench

# The full drill restarts the shared RabbitMQ: SOAK_ARGS="--no-broker-restart --enterprises 2000 --changes 500"
# on a machine others use (docs/soak.md).
soak: $(STAMP)
	$(BIN)/python -m tests.soak.drill $(SOAK_ARGS)

reset: $(STAMP)
	$(BIN)/huiqi reset

lint: $(STAMP)
	$(BIN)/ruff check .
