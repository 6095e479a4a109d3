"""The SQL for other warehouses: it parses in sqlglot and gives the same scores on a real PostgreSQL.

The demo models (gradient boosting with categories, logistic regression with
categories) and a HistGradientBoosting with missing values are compiled, the
PostgreSQL functions are created on a throwaway server, and the scores of the
same rows are compared with the DuckDB macros (which the parity tests hold to
onnxruntime).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import onnx
import psycopg
import pytest
import sqlglot
from sqlglot import exp

from sqlscore.compiler import DIALECTS, compile_function
from sqlscore.compiler.dialects import expression_sql
from sqlscore.registry import Registry
from sqlscore.tools.demo.train import feature_sql
from tests.compiler.postgres import postgres_server

AS_OF = "2026-10-31"


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="sqlscore-pg-"))  # under /tmp: the server user must reach it
    try:
        yield from postgres_server(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _compiled(registry: Registry, model: str):  # type: ignore[no-untyped-def]
    card = registry.resolve(model)
    return card, compile_function(
        onnx.load_from_string(registry.load_artifact(card)), card, f"predict_{model}", "score", "DOUBLE"
    )


@pytest.mark.parametrize("model", ["churn", "risk"])
@pytest.mark.parametrize("dialect", [d for d in DIALECTS if d != "duckdb"])
def test_generated_sql_parses_in_sqlglot(demo_source: tuple[Path, Path], model: str, dialect: str) -> None:
    _, compiled = _compiled(Registry(demo_source[1]), model)
    text = compiled.expression_sql(dialect)
    parsed = sqlglot.parse_one(text, read=dialect)
    assert not isinstance(parsed, exp.Command)
    assert expression_sql(parsed, dialect) == text  # reads back to the same SQL
    statement = compiled.create_sql(dialect)
    assert f"predict_{model}" in statement and "RETURN" in statement


@pytest.mark.parametrize("model", ["churn", "risk"])
def test_postgres_function_scores_like_the_duckdb_macro(
    demo_source: tuple[Path, Path], postgres: str, model: str
) -> None:
    warehouse, registry_root = demo_source
    card, compiled = _compiled(Registry(registry_root), model)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(compiled.create_sql("duckdb", temporary=True))
        args = ", ".join(card.feature_names)
        features = feature_sql(model, AS_OF)
        frame = con.sql(f"select {args}, predict_{model}({args}) as duckdb_score from ({features})").pl()
    columns = ", ".join(
        f'"{f.name}" {"double precision" if f.sql_type == "DOUBLE" else "text"}' for f in card.features
    )
    with psycopg.connect(postgres, autocommit=True) as pg:
        pg.execute(f"drop table if exists rows_{model}")
        pg.execute(f"create table rows_{model} ({columns})")
        with pg.cursor().copy(f"copy rows_{model} ({args}) from stdin") as copy:
            for row in frame.select(card.feature_names).iter_rows():
                copy.write_row(row)
        pg.execute(compiled.create_sql("postgres"))
        scores = pg.execute(f"select predict_{model}({args}) from rows_{model}").fetchall()
    postgres_scores = np.array([s[0] for s in scores], dtype=np.float64)
    duckdb_scores = frame.get_column("duckdb_score").to_numpy()
    assert len(postgres_scores) == len(duckdb_scores) > 1000
    difference = np.abs(postgres_scores - duckdb_scores)
    assert difference.max() <= 1e-12, f"PostgreSQL and DuckDB differ by {difference.max()}"


def test_postgres_fails_an_unknown_category_of_a_default_one_hot_encoder(
    postgres: str, tmp_path: Path
) -> None:
    """PostgreSQL has no raise in an expression: the function casts the message to an integer,
    and the error carries it, naming the column and the value."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from sqlscore import export_model
    from tests.compiler.data import training_frame
    from tests.compiler.test_parity import _numeric, _pre

    frame, targets = training_frame()
    estimator = Pipeline(
        [("pre", _pre(_numeric(StandardScaler()), OneHotEncoder())), ("m", LogisticRegression())]
    )
    registry = Registry(tmp_path)
    card = export_model(estimator.fit(frame, targets["binary"]), frame.head(500), "onehot", registry=registry)
    compiled = compile_function(
        onnx.load_from_string(registry.load_artifact(card)), card, "predict_onehot", "score", "DOUBLE"
    )
    expected = estimator.predict_proba(frame.head(1))[0, 1]
    with psycopg.connect(postgres, autocommit=True) as pg:
        pg.execute(compiled.create_sql("postgres"))
        row = frame.head(1).iloc[0]
        known = pg.execute(
            "select predict_onehot(%s, %s, %s, %s)", [row.tenure, row.charges, row.usage, row.plan]
        ).fetchall()[0][0]
        assert abs(known - expected) <= 1e-5
        with pytest.raises(psycopg.Error, match="sqlscore: column plan: unknown category legacy"):
            pg.execute("select predict_onehot(12, 50.0, 20.0, 'legacy')").fetchall()


def test_postgres_keeps_a_null_score_nan_and_clamps_a_huge_one(postgres: str, tmp_path: Path) -> None:
    """A logistic regression with no imputer scores NaN for a NULL input in DuckDB, as onnxruntime
    does; PostgreSQL's greatest()/least() skip NULL, so the sigmoid's clamp must not turn it into a
    number. A huge input still scores (exp() would overflow without the clamp)."""
    from sklearn.linear_model import LogisticRegression

    from sqlscore import export_model

    rng = np.random.default_rng(7)
    features = rng.normal(size=(400, 2))
    labels = (features[:, 0] - features[:, 1] + rng.normal(scale=0.5, size=400) > 0).astype(int)
    frame = {"a": features[:, 0], "b": features[:, 1]}
    import polars as pl

    training = pl.DataFrame(frame)
    registry = Registry(tmp_path)
    card = export_model(LogisticRegression().fit(features, labels), training, "plain", registry=registry)
    compiled = compile_function(
        onnx.load_from_string(registry.load_artifact(card)), card, "predict_plain", "score", "DOUBLE"
    )
    rows = [(0.5, -0.25), (None, 1.0), (1.0, None), (1e6, 0.0), (-1e6, 0.0)]
    with duckdb.connect() as con:
        con.execute(compiled.create_sql("duckdb", temporary=True))
        in_duckdb = [con.execute("select predict_plain(?, ?)", list(r)).fetchall()[0][0] for r in rows]
    with psycopg.connect(postgres, autocommit=True) as pg:
        pg.execute(compiled.create_sql("postgres"))
        in_postgres = [
            pg.execute(
                "select predict_plain(%s::double precision, %s::double precision)", list(r)
            ).fetchall()[0][0]
            for r in rows
        ]
    for scores in (in_duckdb, in_postgres):
        assert all(isinstance(s, float) and math.isnan(s) for s in scores[1:3]), scores
    for duck, pg_score in zip(in_duckdb, in_postgres, strict=True):
        if not math.isnan(duck):
            assert abs(duck - pg_score) <= 1e-12, (duck, pg_score)
    assert in_postgres[3] > 0.999 and in_postgres[4] < 0.001
