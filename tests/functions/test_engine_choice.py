"""``engine: auto``: each function runs the engine measured faster for its version, gives the same
answers as onnxruntime, records why in ``ml_functions``, keeps the choice beside the version, and
gives way to an engine the declaration names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

import sqlscore
from sqlscore import export_model
from sqlscore.functions import engine_choice
from sqlscore.functions.compile_cache import cache_path
from sqlscore.functions.engine_choice import (
    AGREEMENT,
    DECISIVE,
    SQL_TREE_NODE_LIMIT,
    choice_path,
    decisive,
    largest_difference,
    load_choice,
    probe,
    tree_nodes,
)
from sqlscore.functions.registration import signature_of
from sqlscore.functions.sql_engine import compiled_function
from sqlscore.registry import Registry
from sqlscore.tools.demo.train import feature_sql

AS_OF = "2026-10-31"


@pytest.fixture(autouse=True)
def new_process() -> Iterator[None]:
    """Each test starts as a new process would, with no choice cached in memory, and leaves none:
    a choice one test measured again would otherwise answer for the same artifact in the next
    test on this worker, whose registry copy holds the demo fixture's."""
    engine_choice._CHOICES.clear()
    yield
    engine_choice._CHOICES.clear()


def _scores(con: object, registry: Registry, model: str, function: str) -> np.ndarray:
    card = registry.resolve(model)
    args = ", ".join(card.feature_names)
    rows = con.execute(  # type: ignore[attr-defined]
        f"select {function}({args}) from ({feature_sql(model, AS_OF)}) order by all"
    ).fetchall()
    return np.array([r[0] for r in rows], dtype=float)


def _bound(con: object) -> dict[str, tuple[str, str, str | None]]:
    rows = con.execute(  # type: ignore[attr-defined]
        "select function_name, engine, engine_requested, engine_reason from main.ml_functions"
    ).fetchall()
    return {name: (engine, requested, reason) for name, engine, requested, reason in rows}


def test_auto_runs_the_measured_engine_with_onnxruntime_answers(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    warehouse, registry = demo_env
    udfs = tmp_path / "udfs"
    udfs.mkdir()
    (udfs / "functions.yml").write_text(
        "functions:\n  - {name: churn_onnx, model: churn, engine: onnx}\n"
        "  - {name: risk_onnx, model: risk, engine: onnx}\n"
    )
    con = sqlscore.connect(warehouse, registry=registry, udfs=udfs)
    try:
        bound = _bound(con)
        for model in ("churn", "risk"):
            engine, requested, reason = bound[f"predict_{model}"]
            card = registry.resolve(model)
            cached = load_choice(registry, card, "score", "DOUBLE")
            assert requested == "auto" and engine in ("sql", "onnx")
            assert cached is not None and (cached.engine, cached.reason) == (engine, reason)
            assert reason and "projected to" in reason and ("compiled SQL" in reason)
            kind = "macro" if engine == "sql" else "scalar"
            assert con.execute(
                "select count(*) from duckdb_functions() where function_name = ? and function_type = ?",
                [f"predict_{model}", kind],
            ).fetchall() == [(1,)]
            # the auto function's answers are onnxruntime's to 1e-9, whichever engine it runs: the
            # compiled SQL is chosen only where it agreed to 1e-9 on the probe rows (the service
            # scores live rows with onnxruntime, and must give the batch's number)
            auto, exact = (
                _scores(con, registry, model, f"predict_{model}"),
                _scores(con, registry, model, f"{model}_onnx"),
            )
            assert len(auto) > 1000 and np.max(np.abs(auto - exact)) <= 1e-9, (model, reason)
    finally:
        con.close()


def test_a_cached_choice_is_used_and_a_forged_one_is_probed_again(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    warehouse, registry = demo_env
    card = registry.resolve("risk")
    path = choice_path(registry, card, "score", "DOUBLE")
    document = json.loads(path.read_text())  # the demo fixture's first use measured it
    other = "onnx" if document["engine"] == "sql" else "sql"
    path.write_text(json.dumps({**document, "engine": other, "reason": "planted for the test"}))
    assert load_choice(registry, card, "score", "DOUBLE") is not None
    engine_choice._CHOICES.clear()  # a new process: only the registry's copy
    con = sqlscore.connect(warehouse, registry=registry, udfs=tmp_path)
    try:
        assert _bound(con)["predict_risk"] == (other, "auto", "planted for the test")
    finally:
        con.close()
    path.write_text(json.dumps({**document, "engine": "gpu"}))
    assert load_choice(registry, card, "score", "DOUBLE") is None
    engine_choice._CHOICES.clear()
    con = sqlscore.connect(warehouse, registry=registry, udfs=tmp_path)
    try:
        engine, _, reason = _bound(con)["predict_risk"]
    finally:
        con.close()
    assert engine in ("sql", "onnx") and reason and "projected to" in reason
    assert json.loads(path.read_text())["engine"] == engine  # measured again and written over


def test_a_refused_model_gets_onnxruntime_with_the_reason_and_a_named_engine_wins(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    warehouse, registry = demo_env
    rng = np.random.default_rng(0)
    frame = pl.DataFrame({"x1": rng.normal(size=300), "x2": rng.normal(size=300)})
    labels = (frame["x1"].to_numpy() + rng.normal(size=300) > 0).astype(int)
    export_model(
        SVC(probability=True, random_state=0).fit(frame.to_pandas(), labels), frame, "svm", registry=registry
    )
    udfs = tmp_path / "udfs"
    udfs.mkdir()
    (udfs / "functions.yml").write_text(
        "functions:\n  - {name: predict_churn_onnx, model: churn, engine: onnx}\n"
        "  - {name: predict_churn_sql, model: churn, engine: sql}\n"
    )
    con = sqlscore.connect(warehouse, registry=registry, udfs=udfs)
    try:
        bound = _bound(con)
        assert con.execute("select predict_svm(0.5, 0.1)").fetchall()[0][0] is not None
    finally:
        con.close()
    engine, requested, reason = bound["predict_svm"]
    assert (engine, requested) == ("onnx", "auto")
    assert reason and "SQL compiler refuses" in reason and "SVMClassifier" in reason
    assert bound["predict_churn_onnx"] == ("onnx", "onnx", None)
    assert bound["predict_churn_sql"] == ("sql", "sql", None)


def test_a_forest_past_the_node_limit_gets_onnxruntime_without_compiling(tmp_path: Path) -> None:
    """An unpruned 40-tree forest (about 32,000 nodes) is onnxruntime's without a compile or a
    probe (which cost such a forest minutes); the reason gives the count, nothing is cached as
    compiled SQL, and the function still scores like the model."""
    rng = np.random.default_rng(0)
    frame = pl.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    labels = (frame["a"].to_numpy() + rng.normal(size=2000) > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=40, random_state=0).fit(frame.to_pandas(), labels)
    nodes = sum(tree.tree_.node_count for tree in forest.estimators_)
    assert nodes > SQL_TREE_NODE_LIMIT
    registry = Registry(tmp_path / "models_onnx")
    card = export_model(forest, frame, "forest", registry=registry)
    assert tree_nodes(registry.load_artifact(card)) == nodes  # every branch and leaf, as sklearn counts
    con = sqlscore.connect(tmp_path / "w.duckdb", registry=registry, udfs=tmp_path / "udfs")
    try:
        engine, requested, reason = _bound(con)["predict_forest"]
        score = con.execute("select predict_forest(0.5, -0.2)").fetchall()[0][0]
    finally:
        con.close()
    assert (engine, requested) == ("onnx", "auto")
    assert reason and f"{nodes:,} tree nodes" in reason and "neither compiled nor probed" in reason
    assert not cache_path(registry, card, "score", "DOUBLE").exists()  # no compiled SQL stored
    expected = forest.predict_proba(pl.DataFrame({"a": [0.5], "b": [-0.2]}).to_pandas())[0, 1]
    assert abs(score - expected) <= 1e-5  # float32 thresholds


def test_models_show_prints_the_engine_and_why(run_cli: object, demo_env: tuple[Path, Registry]) -> None:
    warehouse, registry = demo_env
    sqlscore.connect(warehouse, registry=registry).close()
    shown = run_cli("models", "show", "churn")  # type: ignore[operator]
    assert shown.returncode == 0, shown.stderr
    line = next(line for line in shown.stdout.splitlines() if "function    predict_churn " in line)
    assert "(asked auto)" in line and "projected to" in line
    assert "engine sql" in line or "engine onnx" in line
    as_json = run_cli("models", "show", "churn", "--json")  # type: ignore[operator]
    functions = {f["function"]: f for f in json.loads(as_json.stdout)["functions"]}
    assert functions["predict_churn_sql"]["engine"] == "sql"
    assert functions["predict_churn"]["engine_requested"] == "auto"


def test_engines_that_disagree_are_measured_by_their_largest_difference() -> None:
    """What the probe compares: numbers and probability lists value by value, labels and NULLs
    exactly (a label that differs, or a NULL on one side, rules the compiled SQL out)."""
    assert abs(largest_difference([(0.25, 0.25), (0.5, 0.5 + 4e-8), (None, None)]) - 4e-8) < 1e-15
    assert largest_difference([([0.2, 0.8], [0.2 + 1e-12, 0.8]), ([0.1, 0.9], [0.1, 0.9])]) < 2e-12
    assert largest_difference([(1, 1), ("a", "a"), (float("nan"), float("nan"))]) == 0.0
    for disagreeing in [(1, 2), ("a", "b"), (None, 0.5), (float("nan"), 0.5), ([0.5], [0.5, 0.5])]:
        assert largest_difference([disagreeing]) == float("inf"), disagreeing
    assert 4e-8 > AGREEMENT  # a few float32 ulps of a tree sum: the compiled SQL is not chosen


def test_one_round_settles_a_decisive_probe() -> None:
    """Past ``DECISIVE`` times, the first round's costs settle the choice; closer, every round runs."""
    assert decisive(1.0, DECISIVE) and decisive(DECISIVE, 1.0) and decisive(0.001, 1.0)
    assert not decisive(1.0, 0.99 * DECISIVE) and not decisive(0.5, 0.5)


def test_the_probe_compares_each_row_with_its_own_score(demo_env) -> None:  # type: ignore[no-untyped-def]
    """The probe's difference pairs each probe row's compiled score with that row's onnxruntime
    score: the macro itself differs by no more than AGREEMENT, the same macro shifted by 1e-6
    differs by 1e-6, not by the gap between two different rows' scores."""
    _, registry = demo_env
    card = registry.resolve("risk")
    _, returns = signature_of(card, "score")
    compiled = compiled_function(registry, card, "probed_risk", "score", returns)
    params = ", ".join(f'"{name}"' for name in card.feature_names)
    shifted = f'create temp macro shifted_risk({params}) as "probed_risk"({params}) + 1e-6'
    macro_sql = compiled.create_sql("duckdb", temporary=True)
    seconds, same = probe(registry, card, macro_sql, "probed_risk", "score")
    assert same <= AGREEMENT and all(one > 0 and many > 0 for one, many in seconds.values())
    _, off = probe(registry, card, f"{macro_sql};\n{shifted}", "shifted_risk", "score")
    assert abs(off - 1e-6) < 1e-9, off


def test_a_model_without_an_imputer_answers_nan_for_a_null_on_every_engine(tmp_path: Path) -> None:
    """A NULL number reaches a model that does not impute as NaN and onnxruntime answers NaN; the
    compiled SQL answers NaN too, not NULL, so the probe (whose rows hold NULLs) finds the engines
    agreeing and auto may choose either on speed alone (before, a plain logistic regression always
    kept onnxruntime: "differs from onnxruntime by up to inf")."""
    rng = np.random.default_rng(0)
    frame = pl.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    labels = (frame["a"].to_numpy() - frame["b"].to_numpy() + rng.normal(size=500) > 0).astype(int)
    model = LogisticRegression().fit(frame.to_pandas(), labels)
    registry = Registry(tmp_path / "models_onnx")
    card = export_model(model, frame, "plain", registry=registry)
    udfs = tmp_path / "udfs"
    udfs.mkdir()
    (udfs / "functions.yml").write_text(
        "functions:\n  - {name: plain_onnx, model: plain, engine: onnx}\n"
        "  - {name: plain_sql, model: plain, engine: sql}\n"
    )
    con = sqlscore.connect(tmp_path / "w.duckdb", registry=registry, udfs=udfs)
    try:
        rows = con.execute(
            "select plain_onnx(a, b), plain_sql(a, b), predict_plain(a, b) "
            "from (values (null, 0.5), (0.3, null), (null, null), (0.2, -0.1)) as t(a, b)"
        ).fetchall()
        reason = _bound(con)["predict_plain"][2]
    finally:
        con.close()
    for answers in rows[:3]:
        assert all(isinstance(x, float) and np.isnan(x) for x in answers), answers
    expected = model.predict_proba(pl.DataFrame({"a": [0.2], "b": [-0.1]}).to_pandas())[0, 1]
    assert all(abs(x - expected) <= 1e-9 for x in rows[3]), rows[3]
    assert reason and "differs from onnxruntime" not in reason, reason
    _, returns = signature_of(card, "score")
    compiled = compiled_function(registry, card, "probed_plain", "score", returns)
    _, difference = probe(
        registry, card, compiled.create_sql("duckdb", temporary=True), "probed_plain", "score"
    )
    assert difference <= AGREEMENT
