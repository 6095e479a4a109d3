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
    label_agreement: float | None

    @property
    def ok(self) -> bool:
        labels_ok = self.label_agreement is None or self.label_agreement == 1.0
        return bool(self.max_abs_diff <= self.tolerance and labels_ok)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "max_abs_diff": self.max_abs_diff,
            "tolerance": self.tolerance,
            "label_agreement": self.label_agreement,
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
        onnx_labels, onnx_proba = outputs[0], np.asarray(outputs[1], dtype=np.float64)
        sk_proba = estimator.predict_proba(frame)
        sk_labels = estimator.predict(frame)
        diff = float(np.max(np.abs(onnx_proba - sk_proba))) if len(frame) else 0.0
        agreement = float(np.mean(np.asarray(onnx_labels).ravel() == np.asarray(sk_labels).ravel()))
        parity = Parity(len(frame), diff, PROBABILITY_TOLERANCE, agreement)
        return parity, onnx_proba
    onnx_values = np.asarray(outputs[0], dtype=np.float64).ravel()
    sk_values = np.asarray(estimator.predict(frame), dtype=np.float64).ravel()
    diff = float(np.max(np.abs(onnx_values - sk_values))) if len(frame) else 0.0
    scale = max(1.0, float(np.max(np.abs(sk_values)))) if len(frame) else 1.0
    return Parity(len(frame), diff, REGRESSION_RELATIVE_TOLERANCE * scale, None), onnx_values
