# The two commands of the README: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Sets up the database on SQLite (instance/samen.sqlite), loads the reference data, serves on :5000.
run: $(STAMP)
	scripts/ensure-system-packages pdf
	SAMEN_ENV=development $(BIN)/samen db upgrade
	SAMEN_ENV=development $(BIN)/samen seed --demo
	SAMEN_ENV=development $(BIN)/samen run --host 127.0.0.1 --port 5000

# Every test, plus lint. TEST_DATABASE_URL=postgresql+psycopg://... runs them on PostgreSQL.
test: $(STAMP)
	scripts/ensure-system-packages pdf browser
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
