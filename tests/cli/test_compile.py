"""``sqlscore compile``: the statement for another warehouse, from the real console script.

The DuckDB statement it prints is run in DuckDB and scores the demo's feature
rows as onnxruntime scores them; the PostgreSQL and Spark statements are read
back in their dialect and must create the named function over the card's
features, returning the compiler's expression (the same expression's scores on
a real PostgreSQL server: tests/compiler/test_dialects.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import onnx
import pyarrow as pa
import sqlglot
from sqlglot import exp

from sqlscore.cli.compile import DIALECT_CHOICES
from sqlscore.compiler import COMPILER_VERSION, DIALECTS
from sqlscore.registry import ModelCard, Registry
from sqlscore.registry.card import BINARY
from sqlscore.settings import DEFAULT_AS_OF
from sqlscore.tools.demo.train import feature_sql
from tests.compiler.harness import ROW_BY_ROW_BATCH, assert_same, ort_outputs

POSTGRES_TYPES = {"DOUBLE": "double precision", "VARCHAR": "text"}


def _header(function: str, card: ModelCard) -> str:
    return (
        f"-- {function}: model {card.ref} (sha256 {card.sha256}), "
        f"compiled by sqlscore (compiler v{COMPILER_VERSION}); generated, do not edit\n"
    )


def _feature_rows(warehouse: Path, card: ModelCard) -> pa.Table:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(f"select * from ({feature_sql(card.name, DEFAULT_AS_OF)})").fetch_arrow_table()


def _onnxruntime_scores(registry: Registry, card: ModelCard, rows: pa.Table) -> np.ndarray:
    model = onnx.load_from_string(registry.load_artifact(card))
    inputs = {name: rows.column(name).combine_chunks() for name in card.feature_names}
    outputs = ort_outputs(model, inputs, batch_rows=ROW_BY_ROW_BATCH)
    if card.task == BINARY:
        return outputs[card.outputs[1].name][:, 1]
    return outputs[card.outputs[0].name].reshape(-1)


def test_the_duckdb_macro_it_prints_scores_like_onnxruntime(run_cli, demo_env) -> None:  # type: ignore[no-untyped-def]
    warehouse, registry = demo_env
    for model in ("risk", "churn"):  # a logistic regression and a gradient-boosted ensemble
        result = run_cli("compile", model, "--dialect", "duckdb")
        assert result.returncode == 0, result.stderr
        card = registry.resolve(model)
        assert result.stdout.startswith(_header(f"predict_{model}", card) + "CREATE OR REPLACE MACRO")
        rows = _feature_rows(warehouse, card)
        assert rows.num_rows > 1000
        with duckdb.connect() as con:
            con.execute(result.stdout)
            con.register("feature_rows", rows)
            arguments = ", ".join(card.feature_names)
            scores = con.execute(f"select predict_{model}({arguments}) from feature_rows").fetchnumpy()
        got = np.asarray(next(iter(scores.values())), dtype=np.float64)
        assert_same(got.reshape(-1, 1), _onnxruntime_scores(registry, card, rows), tolerance=1e-6)


def _read_back(statement: str, dialect: str, function: str, card: ModelCard) -> exp.Expression:
    """The expression a CREATE FUNCTION statement returns, after checking its signature."""
    if dialect == "spark":
        create = sqlglot.parse_one(statement, read="spark")
        assert isinstance(create, exp.Create) and create.kind == "FUNCTION"
        signature = create.this
        assert signature.this.name == function
        assert [(c.name, c.args["kind"].sql("spark")) for c in signature.expressions] == [
            (f.name, "DOUBLE" if f.sql_type == "DOUBLE" else "STRING") for f in card.features
        ]
        assert isinstance(create.expression, exp.Return)
        assert "\nRETURNS DOUBLE\nRETURN " in statement  # sqlglot does not keep the return type
        return create.expression.this
    # sqlglot reads PostgreSQL's CREATE FUNCTION ... RETURN as an opaque command: check the head as text
    head, body = statement.split("\nRETURN ", 1)
    parameters = ", ".join(f'"{f.name}" {POSTGRES_TYPES[f.sql_type]}' for f in card.features)
    assert head == (
        f'CREATE OR REPLACE FUNCTION "{function}"({parameters})\nRETURNS double precision\n'
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE"
    )
    return sqlglot.parse_one(body, read="postgres")


def test_postgres_and_spark_statements_create_the_function_over_the_card_features(  # type: ignore[no-untyped-def]
    run_cli, demo_env, tmp_path: Path
) -> None:
    _, registry = demo_env
    out = tmp_path / "churn.sql"
    runs = [
        ("risk", "postgres", "predict_risk", ("compile", "risk", "--dialect", "postgres")),
        ("risk", "spark", "predict_risk", ("compile", "risk", "--dialect", "spark")),
        (
            "churn",
            "postgres",
            "churn_score",
            (
                "compile",
                "churn@champion",
                "--dialect",
                "postgres",
                "--function",
                "churn_score",
                "--out",
                str(out),
            ),
        ),
    ]
    for model, dialect, function, arguments in runs:
        result = run_cli(*arguments)
        assert result.returncode == 0, result.stderr
        if "--out" in arguments:
            assert result.stdout == "" and re.fullmatch(
                r"wrote \S+churn\.sql \(\d+\.\d KB\)\n", result.stderr
            )
            text = out.read_text()
        else:
            text = result.stdout
        card = registry.resolve(model)
        header = _header(function, card)
        assert text.startswith(header) and text.endswith(";\n"), text[:300]
        expression = _read_back(text[len(header) : -2], dialect, function, card)
        assert not isinstance(expression, exp.Command)
        # every column read is a feature, apart from the value a PostgreSQL sigmoid clamp names in
        # its own derived table (sqlscore.compiler.sql.resolve_clamps)
        read = {c.name for c in expression.find_all(exp.Column) if c.table != "sqlscore_clamped"}
        assert read == set(card.feature_names)


def test_compile_offers_every_dialect_the_compiler_writes() -> None:
    """The CLI spells the dialects out (so --help does not import the compiler): they must agree."""
    assert DIALECT_CHOICES == DIALECTS


def test_compile_errors_name_what_is_wrong(run_cli) -> None:  # type: ignore[no-untyped-def]
    missing = run_cli("compile", "nope")
    assert missing.returncode == 2 and "no model named nope" in missing.stderr
    bad_name = run_cli("compile", "risk", "--function", "drop table x")
    assert bad_name.returncode == 2 and "function name" in bad_name.stderr
