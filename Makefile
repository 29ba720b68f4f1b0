# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGS := $(wildcard coordination/translations/*/LC_MESSAGES/messages.po)

.PHONY: run test test-postgres lint translations extract-messages clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d coordination/translations -D messages --statistics 2>&1 | grep -v '^$$' || true

run: $(STAMP) translations
	$(BIN)/flask --app app init
	$(BIN)/flask --app app seed-demo
	$(BIN)/flask --app app run --host 127.0.0.1 --port 5000

test: $(STAMP) translations
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL only (used by .ci/run with a fresh database).
test-postgres: $(STAMP) translations
	SIMPUL_TEST_BACKENDS=postgresql $(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# For developers changing user-visible text: refresh the catalogs, then translate both.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o coordination/translations/messages.pot --no-location --project Simpul .
	$(BIN)/pybabel update -i coordination/translations/messages.pot -d coordination/translations -D messages --no-fuzzy-matching --width 120

clean:
	rm -rf $(VENV) instance
