"""The input profile of a model version: what its inputs looked like when it was trained.

Written once at export, beside the artifact, from the training frame (or the
hold-out sample when no training frame is given). The gate checks every
scored batch against it (values the model never saw: NaN, infinities, numbers
far outside the training range, unseen categories), and drift monitoring
compares distributions with it. Per feature: the null rate, and either the
range, decile edges and share per decile bin (numbers) or the share of each
category (strings, with NULL and the empty string both counted as null, the
convention the SQL functions follow).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from sqlscore.export.frames import NULL_CATEGORY
from sqlscore.registry.card import Feature

#: Categories kept by name; a feature with more distinct values keeps the most frequent ones and
#: is marked incomplete (its unseen-category check is then skipped: "unseen" would be a guess).
MAX_CATEGORIES = 1000


def input_profile(frame: pl.DataFrame, features: list[Feature], source: str) -> dict[str, Any]:
    """The profile of ``frame``'s feature columns (``source`` says which frame it was)."""
    profiled = {
        f.name: _number_profile(frame.get_column(f.name))
        if f.sql_type == "DOUBLE"
        else _category_profile(frame.get_column(f.name))
        for f in features
    }
    return {"rows": frame.height, "source": source, "features": profiled}


def _number_profile(column: pl.Series) -> dict[str, Any]:
    values = column.cast(pl.Float64).to_numpy()
    present = values[~np.isnan(values)] if values.size else values
    finite = present[np.isfinite(present)]
    profile: dict[str, Any] = {
        "kind": "number",
        "null_rate": _share(values.size - present.size, values.size),
        "nonfinite_rate": _share(present.size - finite.size, values.size),
    }
    if finite.size == 0:
        return {**profile, "min": None, "max": None, "decile_edges": [], "bin_shares": []}
    edges = np.unique(np.quantile(finite, np.linspace(0.1, 0.9, 9)))
    bins = np.searchsorted(edges, finite, side="right")
    counts = np.bincount(bins, minlength=edges.size + 1)
    return {
        **profile,
        "min": float(finite.min()),
        "max": float(finite.max()),
        "decile_edges": [float(e) for e in edges],
        "bin_shares": [_share(int(c), finite.size) for c in counts],
    }


def _category_profile(column: pl.Series) -> dict[str, Any]:
    values = column.cast(pl.String).fill_null(NULL_CATEGORY)
    total = values.len()
    present = values.filter(values != NULL_CATEGORY)
    counts = present.value_counts(sort=True, name="rows")
    kept = counts.head(MAX_CATEGORIES)
    return {
        "kind": "category",
        "null_rate": _share(total - present.len(), total),
        "categories": {str(v): _share(int(n), total) for v, n in kept.iter_rows()},
        "complete": counts.height <= MAX_CATEGORIES,
    }


def _share(part: int, whole: int) -> float:
    return float(part) / whole if whole else 0.0
