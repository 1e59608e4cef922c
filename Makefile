# Huiqi: `make run` serves the platform on http://127.0.0.1:8000, `make test` runs every test (what CI
# runs), `make test-fast` the unit and integration tests only, on SQLite, properties on a fifth of their
# examples (tests/properties.py), without the `slow` demo-data tests, end-to-end processes or PostgreSQL.
# Both run the unit and integration tests as 4 pytest processes side by side (tests/shards.py): they
# mostly wait on the broker and the databases.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PYTHONWARNINGS := ignore
# Compiled modules and pytest's rewritten test modules are kept (in __pycache__, ignored by git): without
# them every test process and every service the end-to-end tests start compiles everything again.
unexport PYTHONDONTWRITEBYTECODE

# The web portal (portal/): npm packages from the lockfile, built again when a source changed.
PORTAL_SOURCES := $(shell find portal/src portal/public -type f 2>/dev/null) portal/index.html portal/vite.config.js
PORTAL_BUILT   := portal/dist/index.html
PORTAL_MODULES := portal/node_modules/.installed

.PHONY: run test test-fast bench soak reset install lint portal chromium

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

$(PORTAL_MODULES): portal/package.json portal/package-lock.json
	cd portal && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(PORTAL_BUILT): $(PORTAL_MODULES) $(PORTAL_SOURCES)
	cd portal && npm run build --silent

portal: $(PORTAL_BUILT)

install: $(STAMP) $(PORTAL_BUILT)

run: $(STAMP) $(PORTAL_BUILT)
	$(BIN)/huiqi run

# Debian's chromium for the browser tests, when missing (tools/chromium.py: a loud reason if it cannot)
chromium: $(STAMP)
	@$(BIN)/python -m tools.chromium install

# The end-to-end tests one at a time (each starts every service; one restarts the broker), and the
# browser tests in a pytest process of their own, without eventlet's monkey patching (tests/conftest.py).
test: $(STAMP) $(PORTAL_BUILT) chromium
	$(BIN)/python -m tests.shards 4 -q --durations=15 tests/unit tests/integration
	$(BIN)/pytest -q --durations=30 tests/e2e
	HUIQI_TESTS_BROWSER=1 $(BIN)/pytest -q --durations=10 tests/browser

test-fast: $(STAMP)
	$(BIN)/python -m tests.shards 4 -q -m "not postgres and not slow" --hypothesis-profile=fast tests/unit tests/integration

bench: $(STAMP) $(PORTAL_BUILT)
	$(BIN)/python -m bench

# The full drill restarts the shared RabbitMQ: SOAK_ARGS="--no-broker-restart --enterprises 2000 --changes 500"
# on a machine others use (docs/soak.md).
soak: $(STAMP)
	$(BIN)/python -m tests.soak.drill $(SOAK_ARGS)

reset: $(STAMP)
	$(BIN)/huiqi reset

lint: $(STAMP)
	$(BIN)/ruff check .
