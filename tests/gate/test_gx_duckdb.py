"""The Great Expectations / DuckDB fix: stock GX gets no rows back, ours computes in DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe

import sqlscore.gate.gx_duckdb  # noqa: F401  (registers add_sqlscore_duckdb)
from sqlscore.gate import validate_tables
from tests.gate.conftest import REPO, TABLES, Published


def _validate(path: Path, add_datasource: str) -> list[tuple[str, bool, object]]:
    context = gx.get_context(mode="ephemeral")
    datasource = getattr(context.data_sources, add_datasource)(
        name="wh", connection_string=f"duckdb:///{path}"
    )
    batch = datasource.add_table_asset(
        name="t", table_name="scores", schema_name="candidate"
    ).add_batch_definition_whole_table("all")
    suite = context.suites.add(
        gx.ExpectationSuite(
            name="s",
            expectations=[
                gxe.ExpectTableRowCountToEqual(value=5000),
                gxe.ExpectColumnValuesToBeBetween(column="p", min_value=0, max_value=1),
                gxe.ExpectColumnMeanToBeBetween(column="p", min_value=0.4, max_value=0.6),
                gxe.ExpectColumnValuesToBeUnique(column="id"),
            ],
        )
    )
    result = context.validation_definitions.add(
        gx.ValidationDefinition(name="v", data=batch, suite=suite)
    ).run()
    datasource.get_engine().dispose()
    return [(r.expectation_config.type, r.success, r.result.get("observed_value")) for r in result.results]


def _table(tmp_path: Path) -> Path:
    path = tmp_path / "gx.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema candidate")
        con.execute(
            "create table candidate.scores as select i as id, (i % 100) / 99.0 as p from range(5000) t(i)"
        )
    return path


def test_stock_sql_datasource_gets_no_rows_from_duckdb(tmp_path: Path) -> None:
    """The upstream bug (GX issues 10738, 11579). If this starts passing, the fix can go."""
    results = _validate(_table(tmp_path), "add_sql")
    assert not any(success for _, success, _ in results)
    assert all(observed is None for _, _, observed in results)


def test_buffered_datasource_computes_every_metric(tmp_path: Path) -> None:
    results = _validate(_table(tmp_path), "add_sqlscore_duckdb")
    assert all(success for _, success, _ in results), results
    observed = {kind: value for kind, _, value in results}
    assert observed["expect_table_row_count_to_equal"] == 5000
    assert abs(observed["expect_column_mean_to_be_between"] - 0.5) < 1e-9


def test_output_type_change_is_caught(published: Published) -> None:
    published.execute("alter table candidate.customer_churn_scores alter churn_decile type varchar")
    verdicts = validate_tables(published.warehouse, list(TABLES), REPO / "expectations")
    churn = next(v for v in verdicts if v.table == "customer_churn_scores")
    failure = next(f for f in churn.failures if "Column types" in f.description)
    assert failure.observed == [
        {"column_name": "churn_decile", "expected_type": "INTEGER", "actual_type": "VARCHAR"}
    ]
