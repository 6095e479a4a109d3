"""A model that does not impute, given missing numbers (NULL or NaN): the compiled SQL answers what
onnxruntime answers on the same rows, NaN for every score and onnxruntime's class for the label
(its ArgMax keeps a leading NaN, so class 0), not NULL and not the last class.

The parity matrix (``test_parity.py``) imputes every number it trains on; these models are fitted
on rows without NaN and then scored on the matrix's rows, NULL and NaN numbers included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import onnx
import pyarrow as pa
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from sqlscore import export_model
from sqlscore.compiler import compile_function
from sqlscore.registry import Registry
from tests.compiler.data import NUMERIC, scoring_table, training_frame
from tests.compiler.harness import ROW_BY_ROW_BATCH, assert_same, ort_outputs

CASES: dict[str, tuple[Any, str]] = {
    "logistic_binary": (LogisticRegression(max_iter=500), "binary"),
    "logistic_multiclass": (LogisticRegression(max_iter=500), "multiclass"),
    "mlp_multiclass": (MLPClassifier(hidden_layer_sizes=(4,), max_iter=300, random_state=0), "multiclass"),
}


def _without_imputer(estimator: Any) -> Pipeline:
    columns = ColumnTransformer(
        [("num", "passthrough", NUMERIC), ("cat", OneHotEncoder(handle_unknown="ignore"), ["plan"])]
    )
    return Pipeline([("pre", columns), ("m", estimator)])


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_missing_numbers_get_onnxruntime_answers(case: str, tmp_path: Path) -> None:
    estimator, task = CASES[case]
    frame, targets = training_frame()
    frame = frame.fillna({"tenure": 24.0})  # fitted without NaN: nothing in the graph imputes
    model = _without_imputer(estimator).fit(frame, targets[task])
    registry = Registry(tmp_path / "models_onnx")
    card = export_model(model, frame.head(500), "model", registry=registry)
    graph = onnx.load_from_string(registry.load_artifact(card))
    multiclass = task == "multiclass"
    output, returns = ("probabilities", "DOUBLE[]") if multiclass else ("score", "DOUBLE")
    score = compile_function(graph, card, "predict_model", output, returns)
    label = compile_function(graph, card, "predict_model_label", "label", "BIGINT")

    table = scoring_table(3000)
    expected = ort_outputs(graph, table, batch_rows=ROW_BY_ROW_BATCH)
    with duckdb.connect() as con:
        con.register("rows_to_score", pa.table(table))
        con.execute(score.create_sql("duckdb", temporary=True))
        con.execute(label.create_sql("duckdb", temporary=True))
        args = ", ".join(card.feature_names)
        result = con.execute(
            f"select predict_model({args}) as score, predict_model_label({args}) as label from rows_to_score"
        ).fetchnumpy()

    names = [o.name for o in card.outputs]
    probabilities = expected[names[1]]
    missing_rows = np.isnan(probabilities).any(axis=1)
    assert 0 < missing_rows.sum() < len(missing_rows)  # the case is exercised, and not only it
    if multiclass:
        got = np.array([list(row) for row in result["score"]], dtype=np.float64)
        assert_same(got, probabilities)
    else:
        assert_same(np.asarray(result["score"], dtype=np.float64).reshape(-1, 1), probabilities[:, 1:2])
    labels = np.asarray(result["label"])
    assert not any(value is None for value in labels.tolist()), "a label came back NULL"
    assert (labels.astype(np.int64) == expected[names[0]].reshape(-1)).all(), "labels differ"
