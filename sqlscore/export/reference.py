"""Figures computed on the held-out sample at export time and kept in the card.

``score_reference`` is the distribution later runs are compared with (deciles,
population stability); ``holdout_metrics`` tells analysts how good the model was
when it was registered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import metrics

REFERENCE_BINS = 10


def score_reference(scores: np.ndarray) -> dict[str, Any]:
    """Mean, spread, quantiles, decile edges (with the share of the scores in each decile) and
    equal-width bin shares of the scores.

    ``decile_shares`` are measured, not assumed a tenth each: tied scores (a tree ensemble gives
    many) can put more or fewer rows in a decile, and drift monitoring compares a run's decile
    shares with these. A score is counted in decile ``1 + (number of edges below it)``, the rule
    dbt's ``score_decile`` gives the scoring tables' decile column (a score equal to an edge
    stays in the lower decile), so the shares are those of that column on the hold-out.
    """
    if scores.size == 0:
        return {}
    quantile_points = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]
    quantiles = np.quantile(scores, quantile_points)
    decile_edges = np.quantile(scores, np.linspace(0.1, 0.9, 9))
    low, high = float(np.min(scores)), float(np.max(scores))
    edges = (
        np.linspace(0.0, 1.0, REFERENCE_BINS + 1)
        if 0 <= low and high <= 1
        else np.linspace(low, high, REFERENCE_BINS + 1)
    )
    counts, _ = np.histogram(np.clip(scores, edges[0], edges[-1]), bins=edges)
    return {
        "rows": int(scores.size),
        "mean": float(np.mean(scores)),
        "std": float(np.std(scores)),
        "min": low,
        "max": high,
        "quantiles": {str(p): float(q) for p, q in zip(quantile_points, quantiles, strict=True)},
        "decile_edges": [float(e) for e in decile_edges],
        "decile_shares": [
            float(c) / scores.size
            for c in np.bincount(np.searchsorted(decile_edges, scores, side="left"), minlength=REFERENCE_BINS)
        ],
        "bin_edges": [float(e) for e in edges],
        "bin_shares": [float(c) / scores.size for c in counts],
    }


def holdout_metrics(
    target: np.ndarray, scores: np.ndarray, proba: np.ndarray | None, classes: list[Any]
) -> dict[str, float]:
    """AUC, log loss and accuracy for classifiers; RMSE, MAE and R2 for regressors."""
    if proba is None:
        return {
            "holdout_rmse": float(np.sqrt(metrics.mean_squared_error(target, scores))),
            "holdout_mae": float(metrics.mean_absolute_error(target, scores)),
            "holdout_r2": float(metrics.r2_score(target, scores)),
        }
    result = {
        "holdout_accuracy": float(metrics.accuracy_score(target, np.asarray(classes)[proba.argmax(axis=1)])),
        "holdout_log_loss": float(metrics.log_loss(target, proba, labels=classes)),
    }
    if len(classes) == 2 and len(set(np.asarray(target).tolist())) == 2:
        result["holdout_roc_auc"] = float(metrics.roc_auc_score(target, proba[:, 1]))
    return result
