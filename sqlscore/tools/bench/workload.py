"""The benchmark's models and input tables, built deterministically in a work folder.

Three models: the two demo pipelines (churn: gradient boosting with string
categoricals; risk: logistic regression with string categoricals) trained on
a demo warehouse (50,000 customers unless ``sqlscore bench --customers`` says
otherwise), and a plain logistic regression on ten numeric columns. Inputs are
the demo feature rows repeated up to the requested row count (with a fresh id),
so every path scores the same rows.

The timed workers import this module for the workload's tables and feeds only; scikit-learn, the
exporter and the demo's training code are imported where a model is fitted or the data built, so
a worker's start-up and peak RSS are its scoring path's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import duckdb
import numpy as np

from sqlscore.registry import Registry
from sqlscore.settings import DEFAULT_AS_OF
from sqlscore.tools.demo.data import generate

BENCH_CUSTOMERS = 50_000
BENCH_SEED = 42
PLAIN_FEATURES = [f"x{k}" for k in range(10)]
MODELS = ("plain_lr", "risk", "churn")
#: Ensembles on the plain model's ten columns (``sqlscore bench --engines``): where the compiled SQL
#: and onnxruntime trade places, so engine auto has something to choose.
ENSEMBLES: MappingProxyType[str, tuple[str, MappingProxyType[str, Any]]] = MappingProxyType(
    {
        "gbt100": ("GradientBoostingClassifier", MappingProxyType({"n_estimators": 100, "random_state": 0})),
        "rf50": (
            "RandomForestClassifier",
            MappingProxyType({"n_estimators": 50, "max_depth": 8, "random_state": 0, "n_jobs": 1}),
        ),
        "hgb100": ("HistGradientBoostingClassifier", MappingProxyType({"max_iter": 100, "random_state": 0})),
    }
)
#: ``sqlscore bench --smoke``: the ensembles, and the compile report's large model, with this many
#: trees each, to check that every path and report runs on a machine before a long run (its
#: figures are not the ones the targets are about). Names carry the count: gbt5, rf5, hgb5.
SMOKE_TREES = 5


def ensembles(smoke: bool = False) -> MappingProxyType[str, tuple[str, MappingProxyType[str, Any]]]:
    """The ``--engines`` ensembles by name: :data:`ENSEMBLES`, or with ``smoke`` the same
    estimators with :data:`SMOKE_TREES` trees (the name's number is the tree count)."""
    if not smoke:
        return ENSEMBLES
    small = {}
    for name, (estimator, params) in ENSEMBLES.items():
        count = "max_iter" if "max_iter" in params else "n_estimators"
        small[f"{name.rstrip('0123456789')}{SMOKE_TREES}"] = (
            estimator,
            MappingProxyType({**params, count: SMOKE_TREES}),
        )
    return MappingProxyType(small)


#: Every ensemble a work folder may hold, full-size or smoke, by name.
_ANY_ENSEMBLE = MappingProxyType({**ENSEMBLES, **ensembles(smoke=True)})


@dataclass(frozen=True)
class Workload:
    folder: Path

    @property
    def source(self) -> Path:
        return self.folder / "demo.duckdb"

    @property
    def warehouse(self) -> Path:
        return self.folder / "bench.duckdb"

    @property
    def registry(self) -> Registry:
        return Registry(self.folder / "models_onnx")

    def input_table(self, model: str, rows: int) -> str:
        """Models named ``churn_*`` (the compile report's large variant) score the churn rows, the
        ensembles the plain model's."""
        base = "churn" if model.startswith("churn") else "plain_lr" if model in _ANY_ENSEMBLE else model
        return f"input_{base}_{rows}"


#: The plain 10-feature model of the benchmark: a logistic regression with no preprocessing.
PLAIN_CLASSIFIER, PLAIN_PARAMS = "LogisticRegression", MappingProxyType({"max_iter": 1000})


def fit_model(workload: Workload, model: str) -> tuple[Any, list[str]]:
    """The fitted sklearn estimator and its feature columns (deterministic: same model every call)."""
    from sqlscore.tools.demo.train import CHURN, RISK, build_pipeline, load_training_frame

    with duckdb.connect(str(workload.source), read_only=True) as con:
        if model == "plain_lr" or model in _ANY_ENSEMBLE:
            frame = con.sql("select * from plain_training").pl()
            features = PLAIN_FEATURES
            estimator: Any = _plain_estimator(model)
        else:
            demo = CHURN if model == "churn" else RISK
            frame = load_training_frame(con, demo)
            features = [c for c in frame.columns if c not in (demo.key, "label")]
            estimator = build_pipeline(demo, [c for c in features if c not in demo.categoricals])
    estimator.fit(frame.select(features).to_pandas(), frame.get_column("label").to_numpy())
    return estimator, features


def _plain_estimator(model: str) -> Any:
    from sqlscore.tools.demo.train import CLASSIFIERS

    if model == "plain_lr":
        return CLASSIFIERS[PLAIN_CLASSIFIER](**PLAIN_PARAMS)
    from sklearn import ensemble

    name, params = _ANY_ENSEMBLE[model]
    return getattr(ensemble, name)(**params)


def ensure_ensembles(workload: Workload, smoke: bool = False) -> None:
    """Fit and register the ensembles (once per work folder); they score the plain model's rows."""
    for model in ensembles(smoke):
        _register_once(workload, model, "plain_lr")


def _register_once(workload: Workload, model: str, rows_of: str) -> None:
    """Fit ``model`` and register it as champion, unless the work folder's registry has it; its
    export sample is 5,000 of ``rows_of``'s feature rows."""
    from sqlscore.export import export_model

    if workload.registry.versions(model):
        return
    estimator, features = fit_model(workload, model)
    with duckdb.connect(str(workload.source), read_only=True) as con:
        sample = con.sql(feature_query(rows_of) + " limit 5000").pl().select(features)
    export_model(estimator, sample, model, registry=workload.registry, alias="champion")


def _plain_columns(seed_column: str) -> str:
    return ", ".join(
        f"(hash({seed_column} * 16 + {k}) % 100000)::double / 10000 - 5 as x{k}" for k in range(10)
    )


def prepare(folder: Path, rows_needed: list[int], customers: int = BENCH_CUSTOMERS) -> Workload:
    """Demo data (``customers`` customers, the first time), the three registered models and one
    input table per model and row count."""
    workload = Workload(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not workload.source.exists():
        generate(workload.source, customers=customers, seed=BENCH_SEED)
        with duckdb.connect(str(workload.source)) as con:
            con.execute(
                f"create table plain_training as select {_plain_columns('i')}, "
                "((hash(i) % 1000) / 1000.0 < 1 / (1 + exp(-((hash(i * 16) % 100000)::double / 10000 - 5 "
                "+ (hash(i * 16 + 1) % 100000)::double / 20000 - 2.5)))) as label "
                "from range(20000) t(i)"
            )
    for model in MODELS:
        _register_once(workload, model, model)
    with duckdb.connect(str(workload.warehouse)) as con:
        con.execute(f"attach '{workload.source}' as demo (read_only)")
        for model in MODELS:
            for rows in rows_needed:
                table = workload.input_table(model, rows)
                con.execute(
                    f"create table if not exists {table} as "
                    f"with base as ({feature_query(model, 'demo.')}) "
                    f"select row_number() over () as id, base.* from base, "
                    f"range(ceil({rows} / (select count(*) from base))::bigint) limit {rows}"
                )
        con.execute("detach demo")
        con.execute("checkpoint")
    return workload


def feature_query(model: str, catalog: str = "") -> str:
    """The feature rows a bench model scores (demo features as of the scoring date, or plain columns)."""
    if model == "plain_lr":
        return f"select {_plain_columns('i')} from range(20000) t(i)"
    from sqlscore.tools.demo.train import feature_sql

    sql = feature_sql(model, DEFAULT_AS_OF)
    key = "customer_id" if model == "churn" else "application_id"
    sql = sql.replace("raw.", f"{catalog}raw.")
    return f"select * exclude ({key}) from ({sql})"


def feature_names(workload: Workload, model: str) -> list[str]:
    return workload.registry.resolve(model).feature_names


def as_numpy_feeds(workload: Workload, model: str, rows: int) -> dict[str, np.ndarray]:
    """The input table as onnxruntime feeds (read before timing starts)."""
    from sqlscore.export.frames import model_inputs

    card = workload.registry.resolve(model)
    with duckdb.connect(str(workload.warehouse), read_only=True) as con:
        frame = con.sql(f"select * exclude (id) from {workload.input_table(model, rows)}").pl()
    return model_inputs(frame, list(card.features))
