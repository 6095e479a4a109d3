"""The gate's child process: verdicts and errors come back to the caller intact."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from sqlscore.errors import ConfigError, GateError
from sqlscore.gate import GateProcess, validate_tables
from sqlscore.gate.gx_run import Failure, TableVerdict
from sqlscore.gate.validate import error_as_json, verdicts_as_json, verdicts_from_json
from tests.gate.conftest import REPO, Published


def test_a_missing_suite_is_the_same_config_error_as_in_process(published: Published, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no expectation suite for published table customer_churn_scores"):
        validate_tables(published.warehouse, ["customer_churn_scores"], tmp_path)


def test_a_warehouse_the_child_cannot_open_is_a_gate_error(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_dir" / "warehouse.duckdb"
    with pytest.raises(GateError, match="could not validate customer_churn_scores"):
        validate_tables(missing, ["customer_churn_scores"], REPO / "expectations")
    not_duckdb = tmp_path / "warehouse.duckdb"
    not_duckdb.write_text("not a database")
    with pytest.raises(
        GateError, match="could not validate customer_churn_scores: .*not a valid DuckDB database"
    ):
        validate_tables(not_duckdb, ["customer_churn_scores"], REPO / "expectations")
    assert not list(tmp_path.glob(".sqlscore-gate-*"))  # the scratch folder went with the child


def test_a_gate_process_that_is_never_asked_ends_and_one_asked_once_validates(published: Published) -> None:
    """``sqlscore run`` starts the gate's child with the run; a run that ends before its gate
    (dbt failed, nothing selected) kills the child at once, mid-import or waiting, and nothing of
    it is left behind."""
    unused = GateProcess()
    assert unused.returncode is None  # importing Great Expectations, then waiting for a request
    unused.close()
    assert unused.returncode == -signal.SIGKILL
    assert not Path(f"/proc/{unused.pid}").exists()  # reaped, not a zombie
    assert not list(published.warehouse.parent.glob(".sqlscore-gate-*"))
    with GateProcess() as gate:
        verdicts = gate.validate(published.warehouse, ["customer_churn_scores"], REPO / "expectations")
    assert [(v.table, v.success) for v in verdicts] == [("customer_churn_scores", True)]
    assert gate.returncode == 0 and not list(published.warehouse.parent.glob(".sqlscore-gate-*"))


def test_verdicts_survive_the_json_round_trip() -> None:
    verdicts = [
        TableVerdict("a", True, 3),
        TableVerdict(
            "b", False, 2, [Failure("expect_x", "Row count", {"published_rows": 1, "rows": [1.5, None]})]
        ),
    ]
    assert verdicts_from_json(verdicts_as_json(verdicts)) == verdicts
    with pytest.raises(ConfigError, match="bad suite"):
        verdicts_from_json(error_as_json(ConfigError("bad suite")))
    with pytest.raises(GateError, match="boom"):
        verdicts_from_json(error_as_json(RuntimeError("boom")))


def test_the_gate_child_takes_the_runs_memory_limit(published: Published, tmp_path: Path) -> None:
    """The run's memory limit reaches every DuckDB connection of the gate's child (GX's through
    duckdb_engine's connect arguments): a suite whose one expectation finds rows when the
    setting differs passes with the limit and fails without it."""
    import json

    from sqlscore.gate.gx_run import load_suite

    suite = load_suite(REPO / "expectations", "customer_churn_scores")
    query = "select * from {batch} where current_setting('memory_limit') <> '300.0 MiB'"
    suite["expectations"] = [
        {
            "type": "unexpected_rows_expectation",
            "kwargs": {"unexpected_rows_query": query},
            "description": "The gate's connection runs under the run's memory limit.",
        }
    ]
    (tmp_path / "customer_churn_scores.json").write_text(json.dumps(suite))
    with GateProcess() as gate:
        limited = gate.validate(
            published.warehouse, ["customer_churn_scores"], tmp_path, memory_limit="300MiB"
        )
    with GateProcess() as gate:
        unlimited = gate.validate(published.warehouse, ["customer_churn_scores"], tmp_path)
    assert [(v.table, v.success) for v in limited] == [("customer_churn_scores", True)], limited
    assert [(v.table, v.success) for v in unlimited] == [("customer_churn_scores", False)], unlimited
