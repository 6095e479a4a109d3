"""Export: parity of the demo models, refusals before anything is written."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import onnxruntime as ort
import pandas as pd
import polars as pl
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from sqlscore import export_model
from sqlscore.errors import ExportError, ParityError, UnsupportedEstimatorError
from sqlscore.export.frames import model_inputs
from sqlscore.registry import Registry
from sqlscore.tools.demo.train import CHURN, RISK, build_pipeline, load_training_frame


@pytest.mark.parametrize("model", [CHURN, RISK], ids=["churn", "risk"])
def test_demo_model_parity(demo_env: tuple[Path, Registry], model) -> None:  # type: ignore[no-untyped-def]
    """Re-fit the demo pipeline and compare a fresh onnxruntime session with sklearn."""
    warehouse, registry = demo_env
    card = registry.resolve(model.name)
    assert card.parity["passed"] is True
    assert card.parity["max_abs_diff"] <= 1e-5
    assert card.parity["label_agreement"] == 1.0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = load_training_frame(con, model)
    features = card.feature_names
    pipeline = build_pipeline(model, [f for f in features if f not in model.categoricals])
    pipeline.fit(frame.select(features).to_pandas(), frame.get_column("label").to_numpy())
    exported = export_model(pipeline, frame.select(features), model.name, registry=registry)
    session = ort.InferenceSession(registry.load_artifact(exported), providers=["CPUExecutionProvider"])
    labels, proba = session.run(None, model_inputs(frame, list(exported.features)))
    expected = pipeline.predict_proba(frame.select(features).to_pandas())
    assert np.max(np.abs(proba - expected)) <= 1e-5
    assert (labels == pipeline.predict(frame.select(features).to_pandas())).all()
    assert exported.version == "2"  # the next version, never an overwrite


def test_card_contents(demo_env: tuple[Path, Registry]) -> None:
    _, registry = demo_env
    card = registry.resolve("churn")
    assert card.task == "binary_classification"
    assert [f.sql_type for f in card.features if f.name in CHURN.categoricals] == ["VARCHAR"] * 3
    assert [o.name for o in card.outputs] == ["label", "probabilities"]
    assert card.versions["opset"] == {"": 18, "ai.onnx.ml": 3}
    assert {"scikit-learn", "skl2onnx", "onnx"} <= set(card.versions)
    assert card.training_data["rows"] > 1000 and len(card.training_data["sha256"]) == 64
    assert 0.6 < card.training_metrics["holdout_roc_auc"] < 0.99
    assert len(card.score_reference["decile_edges"]) == 9


def _toy() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300), "color": rng.choice(["red", "blue"], 300)})
    return frame, (frame["x"] > 0).to_numpy().astype(int)


def test_native_categorical_hist_gradient_boosting_is_refused(tmp_path: Path) -> None:
    frame, y = _toy()
    frame["color"] = frame["color"].astype("category")
    model = HistGradientBoostingClassifier(max_iter=5, categorical_features="from_dtype").fit(frame, y)
    with pytest.raises(UnsupportedEstimatorError, match="native categorical_features"):
        export_model(model, frame, "toy", registry=tmp_path)
    assert not (tmp_path / "toy").exists()


class Handmade(ClassifierMixin, BaseEstimator):
    """An estimator skl2onnx has no converter for."""

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Handmade:
        self.classes_ = np.unique(y)
        self.feature_names_in_ = np.asarray(X.columns)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(X), dtype=int)


def test_unconvertible_estimator_is_refused(tmp_path: Path) -> None:
    frame, y = _toy()
    model = Handmade().fit(frame[["x"]], y)
    with pytest.raises(UnsupportedEstimatorError, match="model toy: skl2onnx cannot convert Handmade"):
        export_model(model, frame[["x"]], "toy", registry=tmp_path)
    assert Registry(tmp_path).models() == []


def test_a_string_imputer_is_refused_saying_what_to_do(tmp_path: Path) -> None:
    """The most common pipeline there is, with the imputer skl2onnx cannot convert, then the
    convention the refusal points to: the same model exports once NULL categories are ''."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"amount": rng.normal(size=400), "channel": rng.choice(["web", "shop", None], size=400)}
    )
    y = ((frame["amount"] > 0) ^ (frame["channel"] == "web")).astype(int)

    def pipeline(categorical: object) -> Pipeline:
        return Pipeline(
            [
                (
                    "prepare",
                    ColumnTransformer(
                        [
                            ("numeric", make_pipeline(SimpleImputer(), StandardScaler()), ["amount"]),
                            ("categorical", categorical, ["channel"]),
                        ]
                    ),
                ),
                ("model", LogisticRegression()),
            ]
        )

    imputing = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"), OneHotEncoder(handle_unknown="ignore")
    )
    with pytest.raises(UnsupportedEstimatorError) as refused:
        export_model(pipeline(imputing).fit(frame, y), frame, "upsell", registry=tmp_path)
    assert "SimpleImputer on string columns" in str(refused.value)
    assert "replace NULL strings with ''" in str(refused.value)
    assert Registry(tmp_path).models() == []

    filled = frame.fillna({"channel": ""})
    fitted = pipeline(OneHotEncoder(handle_unknown="ignore")).fit(filled, y)
    card = export_model(fitted, filled, "upsell", registry=tmp_path)
    assert card.parity["max_abs_diff"] <= 1e-5


def test_trees_behind_nested_pipelines_and_ties_export(tmp_path: Path) -> None:
    """Pipelines written every day: a tree model behind other steps or nested pipelines (the
    float32 cast goes before the innermost tree), and a forest whose held-out probabilities tie
    exactly (scikit-learn takes the first class; float32 may land either side: not a failure)."""
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=3000), "b": rng.normal(size=3000)})
    noise = (rng.random(3000) < 0.5).astype(int)
    value = frame["a"] * 2 + frame["b"]
    cases = {
        "scaled_gbr": (make_pipeline(StandardScaler(), GradientBoostingRegressor(n_estimators=30)), value),
        "lone_gbc": (
            Pipeline([("gbm", GradientBoostingClassifier(n_estimators=30))]),
            (value > 0).astype(int),
        ),
        "nested": (
            Pipeline([("outer", make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=10)))]),
            (value > 0).astype(int),
        ),
    }
    for name, (model, target) in cases.items():
        card = export_model(model.fit(frame, target), frame, name, registry=tmp_path)
        assert card.parity["passed"], (name, card.parity)
    forest = RandomForestClassifier(n_estimators=20, min_samples_leaf=2, random_state=0)
    forest.fit(frame.iloc[:1500], noise[:1500])
    held_out = frame.iloc[1500:]
    tied = np.abs(forest.predict_proba(held_out)[:, 1] - 0.5) < 1e-12
    assert tied.any()
    card = export_model(forest, held_out, "ties", registry=tmp_path)
    assert card.parity["passed"] and card.parity["label_agreement"] == 1.0
    assert 0 <= card.parity["label_ties"] <= int(tied.sum())


def test_not_an_estimator_is_refused(tmp_path: Path) -> None:
    frame, _ = _toy()
    with pytest.raises(UnsupportedEstimatorError, match="not a scikit-learn estimator"):
        export_model(object(), frame, "toy", registry=tmp_path)


class ShiftedLogisticRegression(LogisticRegression):
    """sklearn answers differently from the graph skl2onnx makes for a LogisticRegression."""

    def predict_proba(self, X):  # type: ignore[no-untyped-def]
        proba = super().predict_proba(X)
        proba[:, 1] = np.clip(proba[:, 1] + 0.01, 0, 1)
        proba[:, 0] = 1 - proba[:, 1]
        return proba


def test_parity_failure_is_refused_with_figures(tmp_path: Path) -> None:
    from skl2onnx import update_registered_converter
    from skl2onnx.operator_converters.linear_classifier import convert_sklearn_linear_classifier
    from skl2onnx.shape_calculators.linear_classifier import (
        calculate_linear_classifier_output_shapes,
    )

    update_registered_converter(
        ShiftedLogisticRegression,
        "SqlscoreTestShiftedLogisticRegression",
        calculate_linear_classifier_output_shapes,
        convert_sklearn_linear_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [True, False], "raw_scores": [True, False]},
    )
    frame, y = _toy()
    model = ShiftedLogisticRegression().fit(frame[["x"]], y)
    with pytest.raises(ParityError, match=r"model toy: .*max abs difference 0\.01"):
        export_model(model, frame[["x"]], "toy", registry=tmp_path)
    assert Registry(tmp_path).models() == []


def test_polars_sample_and_bad_column_type(tmp_path: Path) -> None:
    frame, y = _toy()
    model = LogisticRegression().fit(frame[["x"]], y)
    card = export_model(model, pl.from_pandas(frame[["x"]]), "toy", registry=tmp_path, version=5)
    assert card.ref == "toy:5"
    dated = pl.DataFrame({"x": pl.date_range(pl.date(2020, 1, 1), pl.date(2020, 1, 10), eager=True)})
    with pytest.raises(ExportError, match="column 'x' has type Date"):
        export_model(model, dated, "toy", registry=tmp_path)
