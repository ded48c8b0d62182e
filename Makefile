# shiftwatch: `make demo` and `make test` on a fresh clone. Everything lives in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark

.PHONY: venv venv-spark demo test test-fast bench lint clean

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## The [spark] extra on top (pinned in requirements-spark.lock): the tests run the demo on Spark too.
venv-spark: $(SPARK_STAMP)

$(SPARK_STAMP): $(STAMP) requirements-spark.lock
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-spark.lock
	touch $(SPARK_STAMP)

## Generate the demo data into shiftwatch.duckdb and run the whole pipeline on it.
demo: venv
	$(BIN)/shiftwatch demo
	$(BIN)/shiftwatch report --output report.html

## The full test suite. Starts a throwaway PostgreSQL on loopback unless PGHOST is set;
## the report test needs Debian's chromium, the Spark test Java 17 (.ci/run installs both).
test: venv-spark
	scripts/with-postgres $(BIN)/pytest -q -rs

bench: venv
	$(BIN)/python -m bench.run

lint: venv
	$(BIN)/ruff check python_checks bench || true

clean:
	rm -rf target logs dbt_packages shiftwatch.duckdb demo_truth.json report.html .pytest_cache .spark
