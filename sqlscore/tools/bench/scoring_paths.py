"""The scoring paths the benchmark compares, each run in its own process by ``worker``.

* ``onnxruntime``: one ``InferenceSession.run`` on the whole batch in memory,
  default session options (all cores): the limit the SQL function is held to.
* ``duckdb_udf``: ``CREATE TABLE ... AS SELECT id, predict_<model>(...)`` through
  the registered function, the way dbt and analysts score; DuckDB threads at
  their default (the cores), ``memory_limit`` 128MB.
* ``duckdb_sql``: the same statement through the SQL engine: the model compiled
  to a DuckDB macro (installed before timing starts), pure SQL, no Python.
* ``duckdb_sql_in_memory``: the macro's arithmetic like for like with
  ``onnxruntime``: the rows are copied into an in-memory temp table before
  timing starts (as onnxruntime's feeds are read into numpy) and the scores go
  to an in-memory temp table (as onnxruntime's go to numpy), so neither side
  reads or writes the warehouse file; DuckDB's default ``memory_limit`` so that
  the rows stay in memory.
* ``relation``: the relation path (:mod:`sqlscore.functions.relation`): the input table streamed
  through onnxruntime in record batches into ``scores_<model>_relation`` with the provenance
  columns, same connection settings as ``duckdb_udf``.
* ``auto``: ``duckdb_udf``'s statement through the default function, ``engine: auto`` (the engine
  chosen for the version when the functions were registered, before timing starts).
* ``orbital`` (only with ``make bench-orbital``): the same statement over the
  SQL posit's orbital writes for the same model (generated before timing).
* ``python_batch``: the usual batch job: read the table out into pandas,
  sklearn ``predict_proba``, write the scores back as a table.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import duckdb
import onnxruntime as ort

from sqlscore.errors import SqlscoreError
from sqlscore.tools.bench.workload import Workload, as_numpy_feeds, feature_names, fit_model

PATHS = (
    "onnxruntime",
    "duckdb_udf",
    "duckdb_sql",
    "duckdb_sql_in_memory",
    "relation",
    "auto",
    "orbital",
    "python_batch",
)
#: DuckDB buffer pool budget of the function path (see sqlscore.settings.MEMORY_LIMIT).
DUCKDB_MEMORY_LIMIT = "128MB"


def run_onnxruntime(workload: Workload, model: str, rows: int) -> float:
    feeds = as_numpy_feeds(workload, model, rows)
    card = workload.registry.resolve(model)
    session = ort.InferenceSession(workload.registry.load_artifact(card), providers=["CPUExecutionProvider"])
    start = time.perf_counter()
    session.run(None, feeds)
    return time.perf_counter() - start


def _connect(workload: Workload, engine: str | None, config: dict[str, object]) -> duckdb.DuckDBPyConnection:
    import sqlscore

    return sqlscore.connect(
        workload.warehouse,
        registry=workload.registry,
        udfs=workload.folder / "udfs",
        engine=engine,
        config=config,
    )


def _scoring_select(workload: Workload, model: str, source: str) -> str:
    args = ", ".join(feature_names(workload, model))
    return f"select id, predict_{model}({args}) as score from {source}"


def run_duckdb_udf(workload: Workload, model: str, rows: int, engine: str | None = "onnx") -> float:
    con = _connect(workload, engine, {"memory_limit": DUCKDB_MEMORY_LIMIT})
    try:
        select = _scoring_select(workload, model, workload.input_table(model, rows))
        start = time.perf_counter()
        con.execute(f"create or replace table scores_{model} as {select}")
        return time.perf_counter() - start
    finally:
        con.close()


def run_duckdb_sql(workload: Workload, model: str, rows: int) -> float:
    return run_duckdb_udf(workload, model, rows, engine="sql")


def run_auto(workload: Workload, model: str, rows: int) -> float:
    return run_duckdb_udf(workload, model, rows, engine=None)


def run_relation(workload: Workload, model: str, rows: int) -> float:
    from sqlscore.functions.relation import create_scored_table

    con = _connect(workload, None, {"memory_limit": DUCKDB_MEMORY_LIMIT})
    try:
        start = time.perf_counter()
        written = create_scored_table(
            con,
            workload.registry,
            f"predict_{model}",
            workload.input_table(model, rows),
            ["id"],
            f"scores_{model}_relation",
        )
        seconds = time.perf_counter() - start
    finally:
        con.close()
    if written != rows:
        raise SqlscoreError(f"relation path scored {written} of {rows} {model} rows")
    return seconds


def run_duckdb_sql_in_memory(workload: Workload, model: str, rows: int) -> float:
    con = _connect(workload, "sql", {})
    try:
        con.execute(f"create temp table rows_in_memory as select * from {workload.input_table(model, rows)}")
        select = _scoring_select(workload, model, "rows_in_memory")
        start = time.perf_counter()
        con.execute(f"create temp table scores_in_memory as {select}")
        seconds = time.perf_counter() - start
        scored = con.execute("select count(score) from scores_in_memory").fetchone()
        if scored is None or scored[0] != rows:
            raise SqlscoreError(f"duckdb_sql_in_memory scored {scored} of {rows} {model} rows")
        return seconds
    finally:
        con.close()


def run_orbital(workload: Workload, model: str, rows: int) -> float:
    from sqlscore.tools.bench.orbital_path import generate_orbital_sql

    sql = generate_orbital_sql(workload, model, rows).read_text()
    con = duckdb.connect(str(workload.warehouse), config={"memory_limit": DUCKDB_MEMORY_LIMIT})
    try:
        start = time.perf_counter()
        con.execute(
            f'create or replace table scores_{model}_orbital as select "output_probability.1" as score '
            f"from ({sql})"
        )
        return time.perf_counter() - start
    finally:
        con.close()


def run_python_batch(workload: Workload, model: str, rows: int) -> float:
    estimator, features = fit_model(workload, model)
    con = duckdb.connect(str(workload.warehouse))
    try:
        start = time.perf_counter()
        frame = con.sql(f"select * from {workload.input_table(model, rows)}").df()
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = frame[column].fillna("")
        frame["score"] = estimator.predict_proba(frame[features])[:, 1]
        scores = frame[["id", "score"]]  # noqa: F841 - read by DuckDB's replacement scan
        con.execute(f"create or replace table scores_{model}_python as select * from scores")
        return time.perf_counter() - start
    finally:
        con.close()


RUNNERS: dict[str, Callable[[Workload, str, int], float]] = {
    "onnxruntime": run_onnxruntime,
    "duckdb_udf": run_duckdb_udf,
    "duckdb_sql": run_duckdb_sql,
    "duckdb_sql_in_memory": run_duckdb_sql_in_memory,
    "relation": run_relation,
    "auto": run_auto,
    "orbital": run_orbital,
    "python_batch": run_python_batch,
}
