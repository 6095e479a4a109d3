"""scikit-learn's default ``OneHotEncoder()`` (``handle_unknown='error'``) on the SQL engine: known
categories score as onnxruntime does; an unknown one fails the query naming the column, as
onnxruntime fails the batch. PostgreSQL and Spark get the same failure from their own function."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import onnx
import onnxruntime as ort
import pyarrow as pa
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sqlscore import export_model
from sqlscore.compiler import compile_function
from sqlscore.registry import Registry
from tests.compiler.data import CATEGORIES, scoring_table, training_frame
from tests.compiler.harness import ort_outputs
from tests.compiler.test_parity import _numeric, _pre


def test_default_one_hot_encoder_compiles_and_fails_on_an_unknown_category(tmp_path: Path) -> None:
    frame, targets = training_frame()
    estimator = Pipeline(
        [("pre", _pre(_numeric(StandardScaler()), OneHotEncoder())), ("m", LogisticRegression())]
    )
    estimator.fit(frame, targets["binary"])
    registry = Registry(tmp_path)
    card = export_model(estimator, frame.head(500), "model", registry=registry)
    model = onnx.load_from_string(registry.load_artifact(card))
    compiled = compile_function(model, card, "predict_model", "score", "DOUBLE")
    table = scoring_table(5000)
    known = np.isin(np.asarray(table["plan"].to_pylist(), dtype=object), CATEGORIES)
    rows = {name: column.filter(pa.array(known)) for name, column in table.items()}
    expected = ort_outputs(model, rows)[card.outputs[1].name][:, 1]
    args = ", ".join(card.feature_names)
    with duckdb.connect() as con:
        con.execute(compiled.create_sql("duckdb", temporary=True))
        con.register("known_rows", pa.table(rows))
        got = np.asarray(con.execute(f"select predict_model({args}) as s from known_rows").fetchnumpy()["s"])
        assert np.max(np.abs(got - expected)) <= 1e-6
        for plan in ("legacy", None):
            with pytest.raises(duckdb.Error, match="sqlscore: column plan: unknown category"):
                con.execute("select predict_model(12, 50.0, 20.0, ?)", [plan]).fetchall()
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {
        "tenure": np.array([[12.0]]),
        "charges": np.array([[50.0]]),
        "usage": np.array([[20.0]]),
        "plan": np.array([["legacy"]], dtype=object),
    }
    with pytest.raises(Exception, match="(?i)unknown|categor"):  # onnxruntime refuses it too
        session.run(None, feeds)
    spark, postgres = compiled.create_sql("spark").lower(), compiled.create_sql("postgres").lower()
    assert "raise_error('sqlscore: column plan: unknown category '" in spark
    assert "cast('sqlscore: column plan: unknown category '" in postgres
