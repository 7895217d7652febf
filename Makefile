# Two entry points for a fresh machine with python3 (>= 3.11): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install

$(BIN)/opendtm: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/opendtm

install: $(BIN)/opendtm

# The demo gets a home of its own, rebuilt on every run: same seed, same numbers.
DEMO_HOME := var/demo
demo: install
	rm -rf $(DEMO_HOME)
	OPENDTM_HOME=$(DEMO_HOME) $(BIN)/opendtm demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/opendtm manage makemigrations --check --dry-run

# The suite always runs on the embedded SQLite database; when OPENDTM_TEST_POSTGRES_URL names a
# PostgreSQL server it runs a second time on it. OPENDTM_REQUIRE_FULL=1 (set by .ci/run) turns
# every skip for a missing PostgreSQL or browser into a failure.
test: install
	$(BIN)/pytest
	@if [ -n "$$OPENDTM_TEST_POSTGRES_URL" ]; then \
	  echo "== again on PostgreSQL"; OPENDTM_TEST_DB=postgres $(BIN)/pytest; \
	else echo "== PostgreSQL leg skipped: set OPENDTM_TEST_POSTGRES_URL=postgresql://... to run it"; \
	  test -z "$$OPENDTM_REQUIRE_FULL" || { echo "OPENDTM_REQUIRE_FULL is set but no PostgreSQL is configured"; exit 1; }; fi
