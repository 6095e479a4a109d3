"""Estimators we refuse before anything is written, and why.

skl2onnx converts some estimators without complaint but wrongly; those must be
stopped here, with a message that says what to do instead.
"""

from __future__ import annotations

from typing import Any

from sklearn.base import BaseEstimator

from sqlscore.errors import UnsupportedEstimatorError


def iter_estimators(estimator: Any) -> list[Any]:
    """The estimator and every estimator nested in pipelines and column transformers."""
    found = [estimator]
    if hasattr(estimator, "steps"):
        for _, step in estimator.steps:
            found.extend(iter_estimators(step))
    if hasattr(estimator, "transformers_"):
        for _, transformer, _ in estimator.transformers_:
            if transformer not in ("drop", "passthrough"):
                found.extend(iter_estimators(transformer))
    return found


def refuse_unsupported(estimator: Any, name: str) -> None:
    """Raise :class:`UnsupportedEstimatorError` for estimators we cannot export faithfully."""
    if not isinstance(estimator, BaseEstimator):
        raise UnsupportedEstimatorError(
            f"model {name}: {type(estimator).__name__} is not a scikit-learn estimator; "
            "export a fitted sklearn estimator or Pipeline"
        )
    if not hasattr(estimator, "predict"):
        raise UnsupportedEstimatorError(
            f"model {name}: {type(estimator).__name__} has no predict(); "
            "export a fitted classifier or regressor (or a Pipeline ending in one)"
        )
    for part in iter_estimators(estimator):
        cls = type(part).__name__
        if cls.startswith("HistGradientBoosting"):
            categorical = getattr(part, "is_categorical_", None)
            if categorical is not None and bool(getattr(categorical, "any", lambda: False)()):
                raise UnsupportedEstimatorError(
                    f"model {name}: {cls} with native categorical_features is converted "
                    "silently wrong by skl2onnx; one-hot encode the categories in the "
                    "pipeline (OneHotEncoder(handle_unknown='ignore')) and set "
                    "categorical_features=None"
                )
