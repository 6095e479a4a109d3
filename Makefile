# The two commands a new user runs: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CUSTOMERS ?= 50000
export SQLSCORE_WAREHOUSE ?= $(CURDIR)/warehouse.duckdb
export SQLSCORE_REGISTRY ?= $(CURDIR)/models_onnx

.PHONY: setup demo demo-monitoring test test-unit lint clean bench-orbital

DOCS_ASSETS := build/docs_assets/.fetched

setup: $(STAMP) $(DOCS_ASSETS)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# Data Docs' scripts, styles and fonts, from the npm registry (pinned in
# sqlscore/gate/offline_docs.py), so the pages open without internet access.
$(DOCS_ASSETS): sqlscore/gate/offline_docs.py | $(STAMP)
	rm -rf build/docs_assets
	$(BIN)/python -m sqlscore.gate.offline_docs build/docs_assets
	touch $(DOCS_ASSETS)

demo: setup
	$(BIN)/sqlscore demo-data --customers $(CUSTOMERS)
	$(BIN)/sqlscore train-demo
	$(BIN)/sqlscore run
	$(BIN)/sqlscore demo-summary

# The demo that lives in time, in its own folder (its own warehouse and registry, so `make demo`'s
# are left alone): MONTHS month ends of drifting data, replayed in order (`sqlscore run --as-of`
# each month end, the models trained on the month before the first), then the monitoring report.
# After each month a challenger is retrained when the drift gate fires, and promoted (the month run
# again) when it blocks: sqlscore/tools/demo/challenger.py.
MONTHS ?= 6
MONITORING_DIR ?= build/demo-monitoring
MONITORING := $(BIN)/sqlscore --warehouse $(MONITORING_DIR)/warehouse.duckdb --registry $(MONITORING_DIR)/models_onnx

demo-monitoring: setup
	rm -rf $(MONITORING_DIR)
	mkdir -p $(MONITORING_DIR)
	$(MONITORING) demo-data --customers $(CUSTOMERS) --months $(MONTHS)
	$(MONITORING) demo-replay
	$(MONITORING) report --out $(MONITORING_DIR)/monitoring_report.html

# Two workers (pytest-xdist) on this 2-core machine: the suite waits on dbt, DuckDB and child
# processes as much as it computes (measured: 18 min serial, 10 min with -n 2).
test: setup
	$(BIN)/python -m pytest -n 2 --dist worksteal --durations=15

# The tests that need no warehouse file and no dbt (marked `unit` by tests/conftest.py).
test-unit: setup
	$(BIN)/python -m pytest -n 2 --dist worksteal -m unit --durations=15

lint: setup
	$(BIN)/ruff check sqlscore tests
	$(BIN)/mypy sqlscore

clean:
	rm -rf $(VENV) build/docs_assets warehouse.duckdb warehouse.duckdb.wal warehouse.duckdb.run.lock warehouse_serving.duckdb dbt_project/target dbt_project/logs

# posit's orbital, for `sqlscore bench` only (its own virtualenv: it pins other onnx/sqlglot versions).
bench-orbital: .venv-orbital/bin/python

.venv-orbital/bin/python:
	python3.11 -m venv .venv-orbital
	.venv-orbital/bin/pip install --quiet "orbital==0.6.0" "scikit-learn==1.9.1" "skl2onnx==1.20.0" pandas pyarrow
