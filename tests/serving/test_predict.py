"""POST /v1/predict/{function}: the numbers of predict_<name> in DuckDB, and clear refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

import sqlscore
from sqlscore.registry import Registry
from tests.serving.conftest import MAX_ROWS, Server

AS_OF = "2026-10-31"
#: (function, the featurized table of its model, its key); 40 rows: one onnxruntime batch either side
CASES = [
    ("predict_churn", "intermediate.int_customers_featurized", "customer_id"),
    ("predict_risk", "intermediate.int_loan_applications_featurized", "application_id"),
]


def demo_rows(site: Path, function: str, table: str, key: str, count: int = 40) -> list[dict[str, Any]]:
    """``count`` rows of the model's features as dbt computed them, plus NULLs where a client sends them."""
    card = Registry(site / "models_onnx").resolve(function.removeprefix("predict_"))
    columns = ", ".join(card.feature_names)
    with duckdb.connect(str(site / "warehouse.duckdb"), read_only=True) as con:
        has_as_of = bool(
            con.execute(
                "select count(*) from duckdb_columns() where schema_name || '.' || table_name = ? "
                "and column_name = 'as_of_date'",
                [table],
            ).fetchone()[0]  # type: ignore[index]
        )
        where = f"where as_of_date = '{AS_OF}'" if has_as_of else ""
        result = con.execute(f"select {columns} from {table} {where} order by {key} limit {count}")
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    assert len(rows) == count
    for index, row in enumerate(rows[:6]):  # NULL in one feature per row, then a row of NULLs
        row[card.feature_names[index % len(card.feature_names)]] = None
    rows[6] = dict.fromkeys(card.feature_names)
    return rows


def duckdb_scores(site: Path, function: str, rows: list[dict[str, Any]]) -> tuple[list[float], str]:
    """``function`` over the same rows in DuckDB, through sqlscore.connect, and the engine it ran
    (engine auto: the compiled SQL where it agrees with onnxruntime to 1e-9, else onnxruntime)."""
    con = sqlscore.connect(":memory:", registry=site / "models_onnx")
    try:
        card = Registry(site / "models_onnx").resolve(function.removeprefix("predict_"))
        types = {f.name: pa.float64() if f.sql_type == "DOUBLE" else pa.string() for f in card.features}
        frame = pa.table({n: pa.array([r[n] for r in rows], type=types[n]) for n in card.feature_names})
        con.register("sent", frame)
        con.execute("create table rows_sent as select row_number() over () as n, * from sent")
        arguments = ", ".join(card.feature_names)
        scores = [
            s for (s,) in con.execute(f"select {function}({arguments}) from rows_sent order by n").fetchall()
        ]
        engine = con.execute("select engine from main.ml_functions where function_name = ?", [function])
        return scores, engine.fetchall()[0][0]
    finally:
        con.close()


@pytest.mark.parametrize(("function", "table", "key"), CASES)
def test_predict_equals_the_sql_function(server: Server, function: str, table: str, key: str) -> None:
    rows = demo_rows(server.site, function, table, key)
    status, answer = server.request("POST", f"/v1/predict/{function}", {"rows": rows})
    assert status == 200, answer
    expected, engine = duckdb_scores(server.site, function, rows)
    served = [r["score"] for r in answer["results"]]
    assert len(served) == len(rows)
    assert max(abs(a - b) for a, b in zip(served, expected, strict=True)) <= 1e-9
    if engine == "onnx":
        assert served == expected  # in fact equal: the same scorer on the same batch
    card = Registry(server.site / "models_onnx").resolve(function.removeprefix("predict_"))
    assert {(r["model_name"], r["model_version"], r["model_sha256"]) for r in answer["results"]} == {
        (card.name, card.version, card.sha256)
    }


def test_refusals_name_the_function_and_feature(server: Server) -> None:
    rows = demo_rows(server.site, *CASES[0], count=10)
    good = rows[8]

    status, answer = server.request("POST", "/v1/predict/predict_nothing", {"rows": [good]})
    assert status == 404 and "predict_nothing" in answer["error"] and "predict_churn" in answer["error"]

    missing = {k: v for k, v in good.items() if k != "monthly_charges"}
    status, answer = server.request("POST", "/v1/predict/predict_churn", {"rows": [good, missing]})
    assert status == 422
    assert (
        "predict_churn (churn:" in answer["error"]
        and "row 1: feature monthly_charges is missing" in answer["error"]
    )

    status, answer = server.request(
        "POST", "/v1/predict/predict_churn", {"rows": [{**good, "tenure_months": "12"}]}
    )
    assert status == 422 and "feature tenure_months takes a number" in answer["error"], answer

    status, answer = server.request("POST", "/v1/predict/predict_churn", {"rows": [{**good, "plan": 3}]})
    assert status == 422 and "feature plan takes a string" in answer["error"], answer

    status, answer = server.request(
        "POST", "/v1/predict/predict_churn", {"rows": [{**good, "customer_id": 1}]}
    )
    assert status == 422 and "'customer_id' is not a feature" in answer["error"], answer

    status, answer = server.request("POST", "/v1/predict/predict_churn", {"rows": [good] * (MAX_ROWS + 1)})
    assert (
        status == 413
        and f"{MAX_ROWS + 1} rows" in answer["error"]
        and f"at most {MAX_ROWS}" in answer["error"]
    )

    status, answer = server.request("POST", "/v1/predict/predict_churn", {"rows": []})
    assert status == 422 and "predict_churn" in answer["error"]

    status, answer = server.request("POST", "/v1/predict/predict_churn", raw=b"{not json")
    assert status == 422 and "/v1/predict/predict_churn" in answer["error"]


def test_openapi_lists_each_function_with_its_card(server: Server) -> None:
    status, schema = server.request("GET", "/openapi.json")
    assert status == 200
    for function in ("predict_churn", "predict_risk"):
        card = Registry(server.site / "models_onnx").resolve(function.removeprefix("predict_"))
        assert f"/v1/predict/{function}" in schema["paths"]
        row = schema["components"]["schemas"][f"{function}_row"]
        assert list(row["properties"]) == card.feature_names and row["required"] == card.feature_names
        assert row["additionalProperties"] is False
        for feature in card.features:
            expected = "number" if feature.sql_type == "DOUBLE" else "string"
            assert row["properties"][feature.name]["type"] == [expected, "null"]
    assert "/v1/scores/{published_table}/{key}" in schema["paths"]
