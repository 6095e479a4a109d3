"""Reproducible training of the two demo models, exported through ``export_model``.

Features come from ``features.sql`` at a past as-of date (2026-09-30) and the
label is what happened the month after, so training never sees the future.
Rows are split by a hash of the entity id: the same split on every run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

import duckdb
import numpy as np
import polars as pl
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sqlscore.errors import DemoDataError
from sqlscore.export import export_model
from sqlscore.export.frames import NULL_CATEGORY
from sqlscore.registry import CHAMPION, ModelCard, Registry

TRAINING_AS_OF = "2026-09-30"
MAX_TRAINING_ROWS = 200_000


@dataclass(frozen=True)
class DemoModel:
    name: str
    key: str
    #: the labels' query; ``{label_month}`` is the first day of the month after the as-of date
    label_sql: str
    categoricals: tuple[str, ...]
    description: str
    #: the classifier's class name (a key of :data:`CLASSIFIERS`) and hyperparameters: defined
    #: once here, read by the benchmark's orbital job too, so the two fits cannot drift apart
    classifier: str
    params: Mapping[str, Any]


CHURN = DemoModel(
    name="churn",
    key="customer_id",
    label_sql="select customer_id, churned as label from raw.churn_labels "
    "where label_month = date '{label_month}' and churned is not null",
    categoricals=("plan", "region", "payment_method"),
    description="Probability that a customer churns in the month after the as-of date.",
    classifier="GradientBoostingClassifier",
    params=MappingProxyType({"n_estimators": 100, "max_depth": 3, "learning_rate": 0.1, "random_state": 0}),
)
RISK = DemoModel(
    name="risk",
    key="application_id",
    label_sql="select application_id, defaulted as label from raw.loan_applications "
    "where defaulted is not null",
    categoricals=("purpose", "home_ownership"),
    description="Probability that a loan application defaults.",
    classifier="LogisticRegression",
    params=MappingProxyType({"max_iter": 2000, "C": 1.0}),
)
#: The classifiers the demo models (and the benchmark's plain model) use, by class name.
CLASSIFIERS: dict[str, Any] = {
    "GradientBoostingClassifier": GradientBoostingClassifier,
    "LogisticRegression": LogisticRegression,
}


def feature_sql(name: str, as_of: str) -> str:
    """The feature query called ``name`` from ``features.sql``, as of a date."""
    text = files("sqlscore.tools.demo").joinpath("features.sql").read_text()
    for block in text.split("-- name: ")[1:]:
        block_name, _, body = block.partition("\n")
        if block_name.strip() == name:
            return body.format(as_of=as_of)
    raise DemoDataError(f"no feature query named {name!r} in features.sql")


def load_training_frame(
    con: duckdb.DuckDBPyConnection, model: DemoModel, as_of: str = TRAINING_AS_OF
) -> pl.DataFrame:
    """Features as of ``as_of`` joined to what happened the month after (the monthly demo trains
    on its history month, the one before its first as-of date; the one-date demo on 2026-09-30)."""
    day = date.fromisoformat(as_of)  # also refuses anything but a date before it reaches SQL
    label_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    query = (
        f"select f.*, l.label from ({feature_sql(model.name, day.isoformat())}) f "
        f"join ({model.label_sql.format(label_month=label_month.isoformat())}) l using ({model.key}) "
        f"order by hash({model.key}) limit {MAX_TRAINING_ROWS}"
    )
    frame = pl.from_arrow(con.sql(query).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    if frame.height < 100:
        raise DemoDataError(
            f"only {frame.height} labelled rows for model {model.name}; run `sqlscore demo-data` first"
        )
    return frame.with_columns(pl.col(c).fill_null(NULL_CATEGORY) for c in model.categoricals)


def build_pipeline(model: DemoModel, numerics: list[str]) -> Pipeline:
    preprocess = ColumnTransformer(
        [
            (
                "numeric",
                Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
                numerics,
            ),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), list(model.categoricals)),
        ]
    )
    classifier = CLASSIFIERS[model.classifier](**model.params)
    return Pipeline([("preprocess", preprocess), ("classifier", classifier)])


def train_and_export(
    con: duckdb.DuckDBPyConnection, model: DemoModel, registry: Registry, as_of: str = TRAINING_AS_OF
) -> ModelCard:
    frame = load_training_frame(con, model, as_of)
    features = [c for c in frame.columns if c not in (model.key, "label")]
    numerics = [c for c in features if c not in model.categoricals]
    holdout_mask = (frame.get_column(model.key).hash(seed=7) % 5 == 0).to_numpy()
    train, holdout = frame.filter(~holdout_mask), frame.filter(holdout_mask)
    pipeline = build_pipeline(model, numerics)
    pipeline.fit(train.select(features).to_pandas(), train.get_column("label").to_numpy())
    alias = None if registry.aliases(model.name).get(CHAMPION) else CHAMPION
    return export_model(
        pipeline,
        holdout.select(features),
        model.name,
        registry=registry,
        target=np.asarray(holdout.get_column("label").to_numpy()),
        training_data=train.select(features),
        description=model.description,
        alias=alias,
    )


def train_demo_models(
    warehouse: Path, registry: Registry, *, only_missing: bool = True, as_of: str = TRAINING_AS_OF
) -> list[ModelCard]:
    """Train and register churn and risk; skip a model the registry already has if asked."""
    cards = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for model in (CHURN, RISK):
            if only_missing and registry.versions(model.name):
                continue
            cards.append(train_and_export(con, model, registry, as_of))
    return cards
