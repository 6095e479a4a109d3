"""Runs in the orbital virtualenv (``make bench-orbital``), never imported by sqlscore.

orbital (posit's sklearn -> SQL translator) is a benchmark comparison only: it
pins onnx and sqlglot versions that differ from sqlscore's, so it lives in its
own environment. This script refits the benchmark's pipeline on the same
training rows (the fits are deterministic, so the model is the same one) and
writes orbital's DuckDB SQL for it.

Usage: ``python orbital_job.py SPEC.json`` where the spec names the training
parquet file, the numeric and categorical columns, the estimator and the
table the SQL reads from.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import orbital
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ESTIMATORS = {
    "GradientBoostingClassifier": GradientBoostingClassifier,
    "LogisticRegression": LogisticRegression,
}


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    frame = pd.read_parquet(spec["training"])
    numeric, categorical = spec["numeric"], spec["categorical"]
    estimator = ESTIMATORS[spec["estimator"]](**spec["params"])
    if categorical:  # the demo pipeline (sqlscore.tools.demo.train.build_pipeline)
        preprocess = ColumnTransformer(
            [
                (
                    "numeric",
                    Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
                    numeric,
                ),
                ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
            ]
        )
        pipeline = Pipeline([("preprocess", preprocess), ("classifier", estimator)])
    else:
        pipeline = Pipeline([("classifier", estimator)])
    features = [*numeric, *categorical]
    pipeline.fit(frame[features], frame["label"].to_numpy())
    types = {c: orbital.types.DoubleColumnType() for c in numeric}
    types.update({c: orbital.types.StringColumnType() for c in categorical})
    parsed = orbital.parse_pipeline(pipeline, features=types)
    sql = orbital.export_sql(spec["table"], parsed, dialect="duckdb")
    Path(spec["out"]).write_text(sql)


if __name__ == "__main__":
    main()
