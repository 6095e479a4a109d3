"""Deterministic tabular data for compiler tests: numbers with NaN and NULL, a category with NULL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

CATEGORIES = ["basic", "family", "premium"]
NUMERIC = ["tenure", "charges", "usage"]


def training_frame(rows: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Features (NaN in ``tenure``) and binary, multiclass and regression targets."""
    rng = np.random.default_rng(seed)
    tenure = rng.gamma(2.0, 12.0, rows).round()
    tenure[rng.random(rows) < 0.1] = np.nan
    charges = rng.normal(60, 25, rows)
    usage = rng.lognormal(3, 1, rows)
    plan = rng.choice(CATEGORIES, rows)
    frame = pd.DataFrame({"tenure": tenure, "charges": charges, "usage": usage, "plan": plan})
    filled = np.nan_to_num(tenure, nan=24.0)
    signal = -0.05 * filled + 0.03 * charges + 0.2 * np.log(usage) + (plan == "premium") * 0.8
    noise = rng.normal(0, 1, rows)
    targets = {
        "binary": (signal + noise > np.median(signal)).astype(int),
        "multiclass": np.digitize(signal + noise, np.quantile(signal, [0.33, 0.66])),
        "regression": signal * 10 + noise,
    }
    return frame, targets


def scoring_table(rows: int, seed: int = 1) -> dict[str, pa.Array]:
    """Rows to score: wider ranges than training, NULL and NaN numbers, NULL and unseen plans."""
    rng = np.random.default_rng(seed)
    tenure = rng.gamma(2.0, 14.0, rows).round()
    tenure[rng.random(rows) < 0.05] = np.nan
    tenure_mask = rng.random(rows) < 0.05
    charges = rng.normal(60, 35, rows)
    usage = rng.lognormal(3, 1.2, rows)
    plan = rng.choice([*CATEGORIES, "legacy"], rows).astype(object)
    plan[rng.random(rows) < 0.05] = None
    return {
        "tenure": pa.array(tenure, mask=tenure_mask),
        "charges": pa.array(charges),
        "usage": pa.array(usage, mask=rng.random(rows) < 0.02),
        "plan": pa.array(plan, type=pa.string()),
    }


def with_edge_rows(table: dict[str, pa.Array], edges: dict[str, list[float]]) -> dict[str, pa.Array]:
    """Append, for each feature, one row per edge value (other features from the first rows)."""
    extra: dict[str, list[object]] = {name: [] for name in table}
    base = {name: column.to_pylist()[:1] for name, column in table.items()}
    for feature, values in edges.items():
        for value in values:
            for name in table:
                extra[name].append(value if name == feature else base[name][0])
    return {
        name: pa.concat_arrays([column, pa.array(extra[name], type=column.type)])
        for name, column in table.items()
    }
