"""A registry with a multiclass model and no serving file yet: label and probabilities as in
DuckDB, predictions served, and /readyz saying what is missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import sqlscore
from sqlscore.registry import Registry
from tests.serving.conftest import Server, start_server, stop_server

ROWS = [{"a": 2.0, "b": 0.0}, {"a": -1.2, "b": 0.3}, {"a": 0.1, "b": None}, {"a": None, "b": None}]


@pytest.fixture(scope="module")
def tier_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from sklearn.linear_model import LogisticRegression

    site = tmp_path_factory.mktemp("tier_site")
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(size=600)})
    y = np.where(x["a"] > 0.5, "high", np.where(x["a"] < -0.5, "low", "mid"))
    sqlscore.export_model(
        LogisticRegression(max_iter=500).fit(x, y), x, "tier", registry=Registry(site / "models_onnx")
    )
    (site / "no_udfs").mkdir()
    running = start_server(site, site / "serve.log", SQLSCORE_UDFS=str(site / "no_udfs"))
    yield running
    stop_server(running)


def test_multiclass_answers_label_and_probabilities_as_duckdb(tier_server: Server) -> None:
    site = tier_server.site
    con = sqlscore.connect(":memory:", registry=site / "models_onnx", udfs=site / "no_udfs")
    try:  # the same four rows in one batch, as the request sends them
        con.register(
            "sent", pa.table({n: pa.array([r[n] for r in ROWS], type=pa.float64()) for n in ("a", "b")})
        )
        con.execute("create table rows_sent as select row_number() over () as n, * from sent")
        expected = con.execute(
            "select predict_tier(a, b), predict_tier_proba(a, b) from rows_sent order by n"
        ).fetchall()
    finally:
        con.close()
    classes = [str(c) for c in Registry(site / "models_onnx").resolve("tier").classes]
    for function in ("predict_tier", "predict_tier_proba"):
        status, answer = tier_server.request("POST", f"/v1/predict/{function}", {"rows": ROWS})
        assert status == 200, answer
        for result, (label, probabilities) in zip(answer["results"], expected, strict=True):
            assert result["label"] == label
            # a model without an imputer gives NaN for a row of NULLs, as in SQL; JSON says null
            assert [result["probabilities"][c] for c in classes] == [
                None if p != p else p for p in probabilities
            ]
            assert result["score"] == result["probabilities"][label]
            assert result["model_name"] == "tier" and result["model_version"] == "1"


def test_readyz_names_the_missing_serving_file(tier_server: Server) -> None:
    status, ready = tier_server.request("GET", "/readyz")
    assert status == 503 and ready["ready"] is False
    assert any("warehouse_serving.duckdb does not exist yet" in p for p in ready["problems"]), ready
    assert ready["functions"] == {"predict_tier": "tier:1", "predict_tier_proba": "tier:1"}
    status, answer = tier_server.request("GET", "/v1/scores/customer_churn_scores/1")
    assert status == 503 and "does not exist yet" in answer["error"]
    assert Path(tier_server.site / "warehouse_serving.duckdb").exists() is False
