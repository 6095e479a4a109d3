"""Compile time and SQL size of the SQL engine, including a 300-tree gradient boosting model.

The 300-tree model (``--smoke``: :data:`~sqlscore.tools.bench.workload.SMOKE_TREES` trees) is
fitted on the benchmark's churn features (depth 3, like the demo model) and exported through
``export_model``, so what is compiled is exactly what a user would register.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb
import onnx

from sqlscore.compiler import compile_function
from sqlscore.export import export_model
from sqlscore.tools.bench.workload import SMOKE_TREES, Workload, feature_query
from sqlscore.tools.demo.train import CHURN, build_pipeline, load_training_frame

LARGE_TREES = 300


def large_model(smoke: bool = False) -> tuple[str, int]:
    """The large churn variant's name and tree count (the name carries the count)."""
    trees = SMOKE_TREES if smoke else LARGE_TREES
    return f"churn_gbt{trees}", trees


@dataclass
class CompileFigure:
    model: str
    trees: int
    compile_seconds: float
    duckdb_sql_kb: float
    postgres_sql_kb: float


def ensure_large_model(workload: Workload, smoke: bool = False) -> str:
    """Fit and register the large churn variant once per work folder; returns its name."""
    registry = workload.registry
    name, trees = large_model(smoke)
    if registry.versions(name):
        return name
    with duckdb.connect(str(workload.source), read_only=True) as con:
        frame = load_training_frame(con, CHURN)
        features = [c for c in frame.columns if c not in (CHURN.key, "label")]
        sample = con.sql(feature_query("churn") + " limit 5000").pl().select(features)
    # the demo churn pipeline with 300 trees (--smoke: a few) instead of 100, fitted once
    pipeline = build_pipeline(CHURN, [c for c in features if c not in CHURN.categoricals])
    pipeline.set_params(classifier__n_estimators=trees)
    pipeline.fit(frame.select(features).to_pandas(), frame.get_column("label").to_numpy())
    export_model(pipeline, sample, name, registry=registry, alias="champion")
    return name


def compile_figures(workload: Workload, models: tuple[str, ...]) -> list[CompileFigure]:
    figures = []
    registry = workload.registry
    for model in models:
        card = registry.resolve(model)
        graph = onnx.load_from_string(registry.load_artifact(card))
        start = time.perf_counter()
        compiled = compile_function(graph, card, f"predict_{model}", "score", "DOUBLE")
        duckdb_sql = compiled.create_sql("duckdb")
        seconds = time.perf_counter() - start
        trees = sum(
            len(set(next(a for a in n.attribute if a.name == "nodes_treeids").ints))
            for n in graph.graph.node
            if n.op_type.startswith("TreeEnsemble")
        )
        figures.append(
            CompileFigure(
                model=model,
                trees=trees,
                compile_seconds=round(seconds, 3),
                duckdb_sql_kb=round(len(duckdb_sql.encode()) / 1024, 1),
                postgres_sql_kb=round(len(compiled.create_sql("postgres").encode()) / 1024, 1),
            )
        )
    return figures
