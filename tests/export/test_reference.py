"""The score reference's decile shares: measured on the hold-out, with the scoring tables' rule."""

from __future__ import annotations

import numpy as np

from sqlscore.export.reference import score_reference


def test_decile_shares_are_measured_with_the_decile_columns_rule() -> None:
    """Ties (a tree ensemble's scores) make deciles uneven: the shares are counted, not assumed a
    tenth; a score equal to an edge stays in the lower decile, as dbt's score_decile puts it."""
    scores = np.array([0.1] * 30 + [0.2] * 50 + [0.3] * 15 + [0.9] * 5)
    reference = score_reference(scores)
    edges, shares = reference["decile_edges"], reference["decile_shares"]
    assert len(shares) == 10 and abs(sum(shares) - 1) < 1e-12
    decile = [1 + sum(s > e for e in edges) for s in scores]  # macros/predict.sql's score_decile
    assert shares == [decile.count(d) / scores.size for d in range(1, 11)]
    assert shares != [0.1] * 10


def test_continuous_scores_fill_each_decile_evenly() -> None:
    scores = np.random.default_rng(3).random(1000)
    assert score_reference(scores)["decile_shares"] == [0.1] * 10
