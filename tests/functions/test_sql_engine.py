"""engine: sql — models compiled to macros stored in the warehouse, callable without Python UDFs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from sklearn.svm import SVC

import sqlscore
from sqlscore import export_model
from sqlscore.functions.connection import registration_report
from sqlscore.registry import Registry
from sqlscore.tools.demo.train import feature_sql

AS_OF = "2026-10-31"


def _udfs(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "udfs"
    folder.mkdir(exist_ok=True)
    (folder / "functions.yml").write_text(textwrap.dedent(body))
    return folder


def _args(registry: Registry, model: str) -> str:
    return ", ".join(registry.resolve(model).feature_names)


def test_macro_is_stored_in_the_warehouse_and_callable_from_a_plain_duckdb_process(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    warehouse, registry = demo_env
    udfs = _udfs(tmp_path, "defaults: {engine: sql}\nfunctions: []\n")
    generated_dir = tmp_path / "generated"
    con = sqlscore.connect(warehouse, registry=registry, udfs=udfs, engine="sql", generated=generated_dir)
    assert registration_report(con).failed == {}
    con.close()
    assert not (udfs / "generated").exists()  # nothing is written beside the declarations
    args = _args(registry, "churn")
    query = f"select predict_churn({args}) from ({feature_sql('churn', AS_OF)}) order by customer_id"
    script = textwrap.dedent(
        f"""
        import duckdb, json, sys
        assert "sqlscore" not in sys.modules
        con = duckdb.connect({str(warehouse)!r}, read_only=True)
        print(json.dumps([r[0] for r in con.execute({query!r}).fetchall()]))
        """
    )
    plain = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    from_sql = np.array(__import__("json").loads(plain.stdout))
    onnx_con = sqlscore.connect(":memory:", registry=registry, udfs=udfs, engine="onnx")
    try:
        onnx_con.execute(f"attach '{warehouse}' as w (read_only)")
        onnx_con.execute("use w")
        from_onnx = np.array([r[0] for r in onnx_con.execute(query).fetchall()])
    finally:
        onnx_con.close()
    assert len(from_sql) == len(from_onnx) > 3000
    assert np.abs(from_sql - from_onnx).max() <= 1e-6
    generated = generated_dir / "predict_churn.postgres.sql"
    assert "CREATE OR REPLACE FUNCTION" in generated.read_text()
    assert (
        (generated_dir / "predict_churn.duckdb.sql").read_text().startswith("-- predict_churn: model churn:")
    )


def test_read_only_connection_gets_temporary_macros(demo_env: tuple[Path, Registry], tmp_path: Path) -> None:
    warehouse, registry = demo_env
    udfs = _udfs(tmp_path, "functions: [{name: predict_risk, model: risk, engine: sql}]\n")
    con = sqlscore.connect(warehouse, registry=registry, udfs=udfs, read_only=True)
    try:
        value = con.execute(
            f"select avg(predict_risk({_args(registry, 'risk')})) from ({feature_sql('risk', AS_OF)})"
        ).fetchall()[0][0]
        assert 0.0 < value < 1.0
    finally:
        con.close()
    with duckdb.connect(str(warehouse), read_only=True) as plain:
        stored = plain.execute(
            "select count(*) from duckdb_functions() where function_name = 'predict_risk'"
        ).fetchall()[0][0]
    assert stored == 0  # nothing was written to the warehouse


def test_engine_switch_replaces_the_stored_macro_with_the_onnx_function(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    warehouse, registry = demo_env
    udfs = _udfs(tmp_path, "functions: []\n")
    sqlscore.connect(warehouse, registry=registry, udfs=udfs, engine="sql").close()
    con = sqlscore.connect(warehouse, registry=registry, udfs=udfs, engine="onnx")
    try:
        assert registration_report(con).failed == {}
        kinds = dict(
            con.execute(
                "select function_name, function_type from duckdb_functions() where function_name = 'predict_risk'"
            ).fetchall()
        )
        assert kinds == {"predict_risk": "scalar"}
    finally:
        con.close()


def test_model_the_compiler_cannot_translate_is_left_out_with_the_op_named(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    warehouse, registry = demo_env
    rng = np.random.default_rng(0)
    frame = pl.DataFrame({"x1": rng.normal(size=300), "x2": rng.normal(size=300)})
    labels = (frame["x1"].to_numpy() + rng.normal(size=300) > 0).astype(int)
    export_model(
        SVC(probability=True, random_state=0).fit(frame.to_pandas(), labels), frame, "svm", registry=registry
    )
    udfs = _udfs(tmp_path, "functions: []\n")
    con = sqlscore.connect(warehouse, registry=registry, udfs=udfs, engine="sql")
    try:
        failed = registration_report(con).failed
        assert set(failed) == {"predict_svm"}
        assert "model svm:1" in failed["predict_svm"] and "op SVMClassifier" in failed["predict_svm"]
        assert (
            con.execute(
                f"select count(predict_churn({_args(registry, 'churn')})) from ({feature_sql('churn', AS_OF)})"
            ).fetchall()[0][0]
            > 3000
        )  # the other models still work
        reason = con.execute("select error from ml_functions where function_name = 'predict_svm'").fetchall()
        assert "SVMClassifier" in reason[0][0]
    finally:
        con.close()
