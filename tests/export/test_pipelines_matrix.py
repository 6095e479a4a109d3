"""The pipelines people write every day, exported and scored on both engines.

A matrix of estimators (linear, logistic, lasso, elastic net, MLPs, decision trees, random
forests, gradient boosting), each alone and inside a pipeline (imputer, scaler, selector), for
binary, multiclass and regression targets, on a frame mixing float64 (with NaN), float32 and
integer columns. ``export_model`` holds onnxruntime to scikit-learn (its parity check); the SQL
engine is then held to onnxruntime on the same rows (1e-6 on probabilities, 1e-6 relative on
values) and to its labels. Documented exceptions: none in this matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import onnx
import pandas as pd
import pyarrow as pa
import pytest
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.feature_selection import SelectKBest, VarianceThreshold, f_classif, f_regression
from sklearn.impute import SimpleImputer
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from sqlscore import export_model
from sqlscore.compiler import compile_function
from sqlscore.registry import Registry
from tests.compiler.harness import ort_outputs

ROWS = 1200

CLASSIFIERS: dict[str, Callable[[], Any]] = {
    "logistic": lambda: LogisticRegression(max_iter=500),
    "mlp": lambda: MLPClassifier(hidden_layer_sizes=(6,), max_iter=300, random_state=0),
    "tree": lambda: DecisionTreeClassifier(max_depth=5, random_state=0),
    "forest": lambda: RandomForestClassifier(n_estimators=15, max_depth=5, random_state=0),
    "boosting": lambda: GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=0),
}
REGRESSORS: dict[str, Callable[[], Any]] = {
    "linear": LinearRegression,
    "lasso": lambda: Lasso(alpha=0.01),
    "elastic_net": lambda: ElasticNet(alpha=0.01, l1_ratio=0.3),
    "mlp": lambda: MLPRegressor(hidden_layer_sizes=(6,), max_iter=300, random_state=0),
    "tree": lambda: DecisionTreeRegressor(max_depth=5, random_state=0),
    "forest": lambda: RandomForestRegressor(n_estimators=15, max_depth=5, random_state=0),
    "boosting": lambda: GradientBoostingRegressor(n_estimators=15, max_depth=3, random_state=0),
}


def _frame() -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            "amount": rng.normal(50, 20, ROWS),  # float64
            "ratio": rng.random(ROWS).astype(np.float32),  # float32
            "visits": rng.integers(0, 30, ROWS),  # integer
            "age": rng.integers(18, 80, ROWS).astype(np.int32),
        }
    )
    signal = 0.04 * frame["amount"] + 2 * frame["ratio"] - 0.05 * frame["visits"] + 0.01 * frame["age"]
    noise = rng.normal(0, 0.5, ROWS)
    targets = {
        "binary": (signal + noise > np.median(signal)).astype(int).to_numpy(),
        "multiclass": np.digitize(signal + noise, np.quantile(signal, [0.33, 0.66])),
        "regression": (signal * 10 + noise).to_numpy(),
    }
    return frame, targets


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for task in ("binary", "multiclass"):
        cases += [(name, task, shape) for name in CLASSIFIERS for shape in ("alone", "pipeline")]
    cases += [(name, "regression", shape) for name in REGRESSORS for shape in ("alone", "pipeline")]
    return cases


def _build(name: str, task: str, shape: str) -> Any:
    estimator = (REGRESSORS if task == "regression" else CLASSIFIERS)[name]()
    if shape == "alone":
        return estimator
    selector = SelectKBest(f_regression if task == "regression" else f_classif, k=3)
    scaler = MinMaxScaler() if name == "mlp" else StandardScaler()
    return make_pipeline(SimpleImputer(strategy="median"), VarianceThreshold(), scaler, selector, estimator)


@pytest.mark.parametrize(("name", "task", "shape"), _cases(), ids=lambda v: str(v))
def test_exported_and_exact_on_both_engines(name: str, task: str, shape: str, tmp_path: Path) -> None:
    frame, targets = _frame()
    if shape == "pipeline":  # missing values, for the imputer (bare estimators take complete rows)
        frame.loc[frame.index % 13 == 0, "amount"] = np.nan
    estimator = _build(name, task, shape).fit(frame.iloc[:800], targets[task][:800])
    held_out = frame.iloc[800:].reset_index(drop=True)
    registry = Registry(tmp_path)
    card = export_model(estimator, held_out, "m", registry=registry)  # raises unless onnx == sklearn
    assert card.parity["passed"]

    model = onnx.load_from_string(registry.load_artifact(card))
    multiclass = task == "multiclass"
    score = compile_function(
        model,
        card,
        "score",
        "probabilities" if multiclass else "score",
        "DOUBLE[]" if multiclass else "DOUBLE",
    )
    rows = {column: pa.array(held_out[column].astype(np.float64)) for column in card.feature_names}
    expected = ort_outputs(model, rows)
    outputs = [o.name for o in card.outputs]
    args = ", ".join(card.feature_names)
    with duckdb.connect() as con:
        con.register("held_out", pa.table(rows))
        con.execute(score.create_sql("duckdb", temporary=True))
        got = con.execute(f"select score({args}) as s from held_out").fetchnumpy()["s"]
        if task != "regression":
            label = compile_function(model, card, "label", "label", "BIGINT")
            con.execute(label.create_sql("duckdb", temporary=True))
            labels = con.execute(f"select label({args}) as l from held_out").fetchnumpy()["l"]
            assert (np.asarray(labels) == expected[outputs[0]].ravel()).all()
    if task == "regression":
        want = expected[outputs[0]].ravel().astype(np.float64)
        assert np.max(np.abs(np.asarray(got, dtype=np.float64) - want)) <= 1e-6 * max(
            1.0, np.max(np.abs(want))
        )
    elif multiclass:
        values = np.array([list(row) for row in got], dtype=np.float64)
        assert np.max(np.abs(values - expected[outputs[1]])) <= 1e-6
    else:
        assert np.max(np.abs(np.asarray(got, dtype=np.float64) - expected[outputs[1]][:, 1])) <= 1e-6
