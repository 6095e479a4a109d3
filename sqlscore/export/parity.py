"""onnxruntime against scikit-learn on the held-out sample.

A model is registered only if the artifact computes what the estimator
computes; the figures go into the card either way they are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd

PROBABILITY_TOLERANCE = 1e-5
REGRESSION_RELATIVE_TOLERANCE = 1e-5


@dataclass(frozen=True)
class Parity:
    rows: int
    max_abs_diff: float
    tolerance: float
    #: share of rows whose labels agree, counting only rows where scikit-learn's top two
    #: probabilities do not tie (within ``tolerance``); None for regressors
    label_agreement: float | None
    #: rows whose labels differ on such a tie: scikit-learn takes the first class of a tie, and
    #: onnxruntime, computing in float32, may land a hair either side of it
    label_ties: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures()

    def failures(self) -> list[str]:
        """Which check failed, in words, with its figures (empty when parity holds)."""
        found = []
        if not self.max_abs_diff <= self.tolerance:
            found.append(f"max abs difference {self.max_abs_diff:.3g} > tolerance {self.tolerance:.1g}")
        if self.label_agreement is not None and self.label_agreement != 1.0:
            found.append(
                f"labels differ on {1 - self.label_agreement:.2%} of the rows whose probabilities do not tie"
            )
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "max_abs_diff": self.max_abs_diff,
            "tolerance": self.tolerance,
            "label_agreement": self.label_agreement,
            "label_ties": self.label_ties,
            "passed": self.ok,
        }


def check_parity(
    estimator: Any,
    session: ort.InferenceSession,
    frame: pd.DataFrame,
    feeds: dict[str, np.ndarray],
    is_classifier: bool,
) -> tuple[Parity, np.ndarray]:
    """Parity figures and the model's scores (probabilities or values) from onnxruntime."""
    outputs = session.run(None, feeds)
    if is_classifier:
        onnx_proba = np.asarray(outputs[1], dtype=np.float64)
        parity = compare_classifier(
            outputs[0], onnx_proba, estimator.predict(frame), estimator.predict_proba(frame)
        )
        return parity, onnx_proba
    onnx_values = np.asarray(outputs[0], dtype=np.float64).ravel()
    return compare_regressor(onnx_values, estimator.predict(frame)), onnx_values


def compare_classifier(
    onnx_labels: Any, onnx_proba: np.ndarray, expected_labels: Any, expected_proba: np.ndarray
) -> Parity:
    """onnxruntime's labels and probabilities against the expected ones (scikit-learn's, here or
    where the model was trained); label differences on probability ties are counted apart."""
    expected_proba = np.asarray(expected_proba, dtype=np.float64)
    rows = len(expected_proba)
    diff = float(np.max(np.abs(onnx_proba - expected_proba))) if rows else 0.0
    same = np.asarray(onnx_labels).ravel() == np.asarray(expected_labels).ravel()
    top_two = np.sort(expected_proba, axis=1)[:, -2:] if expected_proba.shape[1] > 1 else np.zeros((rows, 2))
    tie = (top_two[:, 1] - top_two[:, 0]) <= PROBABILITY_TOLERANCE
    decided = ~tie
    agreement = float(np.mean(same[decided])) if decided.any() else 1.0
    return Parity(rows, diff, PROBABILITY_TOLERANCE, agreement, int(np.sum(~same & tie)))


def compare_regressor(onnx_values: np.ndarray, expected_values: Any) -> Parity:
    """onnxruntime's values against the expected ones, within a tolerance relative to their scale."""
    expected = np.asarray(expected_values, dtype=np.float64).ravel()
    diff = float(np.max(np.abs(onnx_values - expected))) if len(expected) else 0.0
    scale = max(1.0, float(np.max(np.abs(expected)))) if len(expected) else 1.0
    return Parity(len(expected), diff, REGRESSION_RELATIVE_TOLERANCE * scale, None)
