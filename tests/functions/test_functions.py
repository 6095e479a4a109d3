"""The model functions in DuckDB SQL: parity with sklearn, NULL semantics, bad input, bad models."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest

import sqlscore
from sqlscore import export_model
from sqlscore.functions import FunctionDeclaration, register_functions
from sqlscore.registry import Registry
from sqlscore.tools.demo.train import CHURN, RISK, DemoModel, build_pipeline, load_training_frame


def _fit(warehouse: Path, model: DemoModel, registry: Registry, **params: object):  # type: ignore[no-untyped-def]
    """Fit the demo pipeline (``params`` set on it first), register it as champion and return
    (pipeline, frame)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = load_training_frame(con, model)
    features = [c for c in frame.columns if c not in (model.key, "label")]
    pipeline = build_pipeline(model, [c for c in features if c not in model.categoricals])
    pipeline.set_params(**params)
    pipeline.fit(frame.select(features).to_pandas(), frame.get_column("label").to_numpy())
    card = export_model(pipeline, frame.select(features), model.name, registry=registry)
    registry.promote(model.name, card.version, "champion")
    return pipeline, frame.select([model.key, *features])


def _call(model: str, features: list[str]) -> str:
    return f"predict_{model}({', '.join(features)})"


@pytest.mark.parametrize("model", [CHURN, RISK], ids=["churn", "risk"])
def test_sql_function_matches_sklearn(demo_env: tuple[Path, Registry], model: DemoModel) -> None:
    warehouse, registry = demo_env
    pipeline, frame = _fit(warehouse, model, registry)
    features = frame.columns[1:]
    con = sqlscore.connect(warehouse, registry=registry)
    try:
        con.register("frame_view", frame.to_arrow())
        scored = con.sql(
            f"select {model.key}, {_call(model.name, features)} as p from frame_view order by {model.key}"
        ).pl()
    finally:
        con.close()
    expected = pipeline.predict_proba(frame.sort(model.key).select(features).to_pandas())[:, 1]
    assert scored.height == frame.height > 500
    assert np.max(np.abs(scored.get_column("p").to_numpy() - expected)) <= 1e-5


def test_nulls_nan_and_unseen_categories(demo_env: tuple[Path, Registry]) -> None:
    warehouse, registry = demo_env
    pipeline, frame = _fit(warehouse, RISK, registry)
    features = frame.columns[1:]
    base = {
        "annual_income": 52000.0,
        "debt_to_income": 21.5,
        "employment_length_years": 4.0,
        "purpose": "car",
        "loan_amount": 12000.0,
        "term_months": 36.0,
        "past_delinquencies": 0.0,
        "home_ownership": "rent",
        "loan_to_income": 12000 / 52000,
    }
    cases = [
        base,
        {**base, "annual_income": None, "loan_to_income": None},  # SQL NULL numerics
        {**base, "debt_to_income": float("nan")},  # NaN numeric
        {**base, "purpose": "spaceship", "home_ownership": "yurt"},  # unseen categories
        {**base, "purpose": None},  # NULL category
    ]
    rows = pl.DataFrame(
        cases, schema={f: (pl.String if f in RISK.categoricals else pl.Float64) for f in features}
    )
    con = sqlscore.connect(warehouse, registry=registry)
    try:
        con.register("cases", rows.to_arrow())
        got = con.sql(f"select {_call('risk', features)} as p from cases").fetchall()
    finally:
        con.close()
    sk_input = rows.with_columns(pl.col(c).fill_null("") for c in RISK.categoricals).to_pandas()
    expected = pipeline.predict_proba(sk_input)[:, 1]
    assert all(p is not None for (p,) in got)
    assert np.max(np.abs(np.array([p for (p,) in got]) - expected)) <= 1e-5
    assert got[1][0] != got[0][0]  # the NULL row was imputed, not scored as the base row


def test_wrong_arity_and_types_fail_at_bind_naming_the_function(demo_env: tuple[Path, Registry]) -> None:
    warehouse, registry = demo_env
    con = sqlscore.connect(warehouse, registry=registry, engine="onnx")  # its messages
    try:
        with pytest.raises(
            duckdb.BinderException,
            match=r"(?s)Candidate functions:.*predict_risk\(col0 DOUBLE, col1 DOUBLE, col2 DOUBLE, col3 VARCHAR",
        ):
            con.sql("select predict_risk(1.0, 2.0)")
        with pytest.raises(duckdb.BinderException, match="predict_churn"):
            con.sql(
                "select predict_churn(tenure_months, tenure_months, region, payment_method, monthly_charges,"
                " monthly_charges, monthly_charges, monthly_charges, monthly_charges, monthly_charges,"
                " monthly_charges) from (select 1.0 as tenure_months, 'a' as region, 'b' as payment_method,"
                " 2.0 as monthly_charges)"
            )
    finally:
        con.close()


def test_missing_and_tampered_artifacts_leave_other_functions_working(
    demo_env: tuple[Path, Registry], capfd: pytest.CaptureFixture[str]
) -> None:
    warehouse, registry = demo_env
    churn = registry.artifact_path(registry.resolve("churn"))
    churn.write_bytes(churn.read_bytes()[:-1] + b"\x00")
    con = sqlscore.connect(warehouse, registry=registry)
    try:
        report = sqlscore.registration_report(con)
        assert set(report.registered) == {"predict_risk", "predict_risk_sql"}  # udfs/: both engines
        assert set(report.failed) == {"predict_churn", "predict_churn_sql"}
        for reason in report.failed.values():
            assert "churn:1" in reason and "sha256" in reason
        assert "predict_churn" in capfd.readouterr().err
        assert con.sql("select predict_risk(1e5, 10, 2, 'car', 1e4, 36, 0, 'own', 0.1)").fetchall()[0][0] > 0
        with pytest.raises(duckdb.CatalogException, match="predict_churn"):
            con.sql("select predict_churn(1)")
    finally:
        con.close()

    registry.artifact_path(registry.resolve("risk")).unlink()
    con = sqlscore.connect(warehouse, registry=registry)
    try:
        failed = sqlscore.registration_report(con).failed
        assert "missing" in failed["predict_risk"] and "missing" in failed["predict_risk_sql"]
    finally:
        con.close()


RISK_ROW = (1e5, 10.0, 2.0, "car", 1e4, 36.0, 0.0, "own", 0.1)


def test_register_twice_reconnect_and_new_champion(demo_env: tuple[Path, Registry]) -> None:
    warehouse, registry = demo_env
    query = "select predict_risk(1e5, 10, 2, 'car', 1e4, 36, 0, 'own', 0.1)"
    first = sqlscore.connect(warehouse, registry=registry)
    second = sqlscore.connect(warehouse, registry=registry)  # same instance: functions exist already
    try:
        again = register_functions(first, registry, [FunctionDeclaration("predict_risk", "risk")])
        assert again.registered == {"predict_risk": "risk:1"} and not again.failed
        before = first.sql(query).fetchall()[0][0]
        assert second.sql(query).fetchall()[0][0] == before
    finally:
        first.close()
        second.close()
    # a new champion with the same features but another fit (far stronger regularisation): a
    # reconnect in the same process scores with it, as its own scikit-learn pipeline does
    pipeline, frame = _fit(warehouse, RISK, registry, classifier__C=0.001)
    assert registry.aliases("risk")["champion"] == "2"
    row = pd.DataFrame([dict(zip(frame.columns[1:], RISK_ROW, strict=True))])
    expected = pipeline.predict_proba(row)[0, 1]
    con = sqlscore.connect(warehouse, registry=registry)
    try:
        assert sqlscore.registration_report(con).registered["predict_risk"] == "risk:2"
        after = con.sql(query).fetchall()[0][0]
    finally:
        con.close()
    assert abs(after - expected) <= 1e-6
    assert abs(after - before) > 1e-3  # the score tells the versions apart: version 2 ran


def test_scoring_error_fails_the_query_naming_function_and_model(tmp_path: Path) -> None:
    """onnxruntime rejecting a chunk inside a DuckDB query fails the query, naming the function,
    model and version; no row comes back NULL. scikit-learn's default OneHotEncoder
    (``handle_unknown='error'``) makes onnxruntime refuse an unseen category."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.default_rng(5)
    x = pd.DataFrame({"usage": rng.normal(size=400), "plan": rng.choice(["basic", "premium"], size=400)})
    y = (x["usage"] + (x["plan"] == "premium") > 0.5).astype(int)
    model = Pipeline(
        [
            (
                "prepare",
                ColumnTransformer(
                    [("usage", StandardScaler(), ["usage"]), ("plan", OneHotEncoder(), ["plan"])]
                ),
            ),
            ("model", LogisticRegression()),
        ]
    ).fit(x, y)
    registry = Registry(tmp_path / "reg")
    export_model(model, x, "upsell", registry=registry)
    rows = pl.DataFrame({"usage": np.linspace(-2, 2, 5000), "plan": ["basic", "premium"] * 2500})
    con = sqlscore.connect(tmp_path / "w.duckdb", registry=registry, udfs=tmp_path / "no_udfs", engine="onnx")
    try:
        con.register("known", rows.to_arrow())
        scored = con.sql("select predict_upsell(usage, plan) as p from known").fetchnumpy()["p"]
        assert len(scored) == 5000 and not np.isnan(scored).any()
        con.register(
            "one_unknown",
            rows.with_columns(
                plan=pl.when(pl.int_range(5000) == 4321).then(pl.lit("gold")).otherwise("plan")
            ).to_arrow(),
        )
        with pytest.raises(duckdb.Error, match=r"predict_upsell \(upsell:1\) failed") as raised:
            con.sql("select predict_upsell(usage, plan) as p from one_unknown").fetchall()
    finally:
        con.close()
    assert "unknown category" in str(raised.value).lower(), str(raised.value)  # onnxruntime's reason


def test_no_nanobind_leak_when_caller_forgets_close(demo_env: tuple[Path, Registry]) -> None:
    warehouse, registry = demo_env
    script = textwrap.dedent(
        f"""
        import sqlscore
        con = sqlscore.connect({str(warehouse)!r}, registry={str(registry.root)!r})
        print(con.sql("select predict_risk(1e5, 10, 2, 'car', 1e4, 36, 0, 'own', 0.1)").fetchall())
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "nanobind" not in result.stderr and "leaked" not in result.stderr


def test_polars_result_through_arrow(demo_env: tuple[Path, Registry]) -> None:
    warehouse, registry = demo_env
    con = sqlscore.connect(warehouse, registry=registry)
    try:
        frame = con.sql("select 1.5::double as x").pl()
    finally:
        con.close()
    assert isinstance(frame, pl.DataFrame) and frame.item() == 1.5


def test_multiclass_model_gets_label_and_probabilities(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(size=600)})
    y = np.where(x["a"] > 0.5, "high", np.where(x["a"] < -0.5, "low", "mid"))
    model = LogisticRegression(max_iter=500).fit(x, y)
    registry = Registry(tmp_path / "reg")
    export_model(model, x, "tier", registry=registry)
    con = sqlscore.connect(tmp_path / "w.duckdb", registry=registry, udfs=tmp_path / "no_udfs")
    try:
        label, proba = con.sql("select predict_tier(2.0, 0.0), predict_tier_proba(2.0, 0.0)").fetchall()[0]
    finally:
        con.close()
    expected = model.predict_proba(pd.DataFrame({"a": [2.0], "b": [0.0]}))[0]
    assert label == "high"
    assert np.max(np.abs(np.array(proba) - expected)) <= 1e-5


def test_declaring_another_function_keeps_the_default_one(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    """functions.yml naming only predict_churn_sql still leaves predict_churn bound to the champion
    with the default engine; a declaration of the very name predict_churn replaces the default."""
    warehouse, registry = demo_env
    udfs = tmp_path / "udfs"
    udfs.mkdir()
    (udfs / "functions.yml").write_text(
        "functions:\n  - {name: predict_churn_sql, model: churn@champion, engine: sql}\n"
    )
    con = sqlscore.connect(warehouse, registry=registry, udfs=udfs)
    try:
        bound = con.sql(
            "select function_name, model_name || ':' || model_version, engine_requested from main.ml_functions "
            "where model_name = 'churn' order by 1"
        ).fetchall()
    finally:
        con.close()
    champion = registry.resolve("churn").version
    assert bound == [
        ("predict_churn", f"churn:{champion}", "auto"),
        ("predict_churn_sql", f"churn:{champion}", "sql"),
    ]
    (udfs / "functions.yml").write_text(
        "functions:\n  - {name: predict_churn, model: 'churn:1', engine: sql}\n"
    )
    con = sqlscore.connect(warehouse, registry=registry, udfs=udfs)
    try:
        pinned = con.sql(
            "select engine from main.ml_functions where function_name = 'predict_churn'"
        ).fetchall()
    finally:
        con.close()
    assert pinned == [("sql",)]
