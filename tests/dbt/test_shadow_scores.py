"""Shadow challengers: the challenger scored by the same dbt build on the same rows, never published,
and ``sqlscore models compare`` checked against numpy and sklearn on the same rows."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

import sqlscore
from sqlscore import export_model
from sqlscore.errors import ConfigError, ModelNotFoundError
from sqlscore.monitoring.compare import Labels, ScoreTables, compare
from sqlscore.registry import Registry
from sqlscore.tools.demo.train import CHURN, RISK, DemoModel, build_pipeline, load_training_frame

SHADOW = ("churn_shadow_scores", "risk_shadow_scores")
PAST = "2026-09-30"  # the demo's churn labels are those of the month after this date


def _query(warehouse: Path, sql: str, params: list[object] | None = None) -> list[tuple]:  # type: ignore[type-arg]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def _challenger(warehouse: Path, registry: Registry, model: DemoModel, **params: object):  # type: ignore[no-untyped-def]
    """Another fit of the demo model (``params`` set first), registered as ``challenger``."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = load_training_frame(con, model)
    features = [c for c in frame.columns if c not in (model.key, "label")]
    pipeline = build_pipeline(model, [c for c in features if c not in model.categoricals])
    pipeline.set_params(**params)
    pipeline.fit(frame.select(features).to_pandas(), frame.get_column("label").to_numpy())
    card = export_model(pipeline, frame.select(features), model.name, registry=registry, alias="challenger")
    return pipeline, card


CHURN_TABLES = ScoreTables(
    "churn",
    "scoring.churn_scores",
    "scoring.churn_shadow_scores",
    "customer_id",
    "churn_probability",
    Labels("raw.churn_labels", "customer_id", "churned", month_after="label_month"),
)
RISK_TABLES = replace(
    CHURN_TABLES,
    model="risk",
    champion="scoring.risk_scores",
    shadow="scoring.risk_shadow_scores",
    key="application_id",
    score_column="default_probability",
    labels=Labels("raw.loan_applications", "application_id", "defaulted"),
)


def test_challenger_is_shadow_scored_on_the_same_rows_incrementally(run_dbt, scored_env, run_cli) -> None:  # type: ignore[no-untyped-def]
    warehouse, registry = scored_env
    # the scored warehouse was built with no challenger: the shadow tables exist, empty
    assert [_query(warehouse, f"select count(*) from scoring.{t}")[0][0] for t in SHADOW] == [0, 0]
    churn_pipeline, churn_card = _challenger(warehouse, registry, CHURN, classifier__n_estimators=20)
    _, risk_card = _challenger(warehouse, registry, RISK, classifier__C=0.01)
    assert registry.aliases("churn")["champion"] != churn_card.version

    # a past date (a backfill), where the demo's churn labels exist: champion and challenger score it
    past = (
        "--exclude",
        "resource_type:snapshot",
        "--vars",
        json.dumps({"as_of_date": PAST, "backfill": True}),
    )
    run_dbt(
        "build",
        "--select",
        *(f"+{m}_{t}" for m in ("churn", "risk") for t in ("scores", "shadow_scores")),
        *past,
    )
    bound = dict(
        (name, (version, sha))
        for name, version, sha in _query(
            warehouse, "select function_name, model_version, model_sha256 from main.ml_functions"
        )
    )
    assert bound["predict_churn_challenger"] == (int(churn_card.version), churn_card.sha256)
    assert bound["predict_risk_challenger"] == (int(risk_card.version), risk_card.sha256)
    for model, key, score, card in (
        ("churn", "customer_id", "churn_probability", churn_card),
        ("risk", "application_id", "default_probability", risk_card),
    ):
        champion_keys = _query(
            warehouse,
            f"select {key}, as_of_date from scoring.{model}_scores where as_of_date = ? order by all",
            [PAST],
        )
        shadow_keys = _query(
            warehouse, f"select {key}, as_of_date from scoring.{model}_shadow_scores order by all"
        )
        assert shadow_keys == champion_keys and len(shadow_keys) > 1000
        provenance = _query(
            warehouse,
            f"select model_name, model_version, model_sha256, count({score}) = count(*) "
            f"from scoring.{model}_shadow_scores group by all",
        )
        assert provenance == [(model, int(card.version), card.sha256, True)]
        columns = (
            "select column_name, data_type from information_schema.columns where table_name = ? order by 1"
        )
        assert _query(warehouse, columns, [f"{model}_shadow_scores"]) == _query(
            warehouse, columns, [f"{model}_scores"]
        )
    # the challenger's scores are its own (sklearn on the features of the same rows)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        scored = con.sql(
            "select s.churn_probability, f.* from scoring.churn_shadow_scores s "
            "join intermediate.int_customers_featurized f using (customer_id, as_of_date)"
        ).df()
    features = scored[churn_card.feature_names].fillna({c: "" for c in CHURN.categoricals})
    expected = churn_pipeline.predict_proba(features)[:, 1]
    assert len(scored) > 1000
    assert np.max(np.abs(scored["churn_probability"].to_numpy() - expected)) <= 1e-5

    # a second build of the date rescores nothing: the champion's incremental rule, unchanged
    before = _query(warehouse, "select run_id, count(*) from scoring.churn_shadow_scores group by 1")
    run_dbt("run", "--select", *SHADOW, *past)
    assert _query(warehouse, "select run_id, count(*) from scoring.churn_shadow_scores group by 1") == before

    # the command: tables, keys and labels from the dbt project; figures checked independently
    result = run_cli("models", "compare", "churn", "--json")  # the newest shadow-scored date: PAST
    assert result.returncode == 0, result.stderr
    churn_report = json.loads(result.stdout)
    _check_compare(warehouse, churn_report, "churn", PAST)
    text = run_cli("models", "compare", "churn", "--as-of", PAST)
    assert text.returncode == 0, text.stderr
    assert "churn at as-of date 2026-09-30: champion vs challenger (shadow)" in text.stdout
    assert "scoring.churn_shadow_scores" in text.stdout and "realised AUC" in text.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        _check_compare(warehouse, compare(con, RISK_TABLES, registry, PAST), "risk", PAST)

    # promoted since: the date's champion rows keep the deciles of the version that scored them
    churn_champion = registry.aliases("churn")["champion"]
    registry.promote("churn", churn_card.version, "champion")
    sqlscore.connect(warehouse, registry=registry).close()  # ml_functions: predict_churn is the new one
    with duckdb.connect(str(warehouse)) as con:
        after = compare(con, CHURN_TABLES, registry, PAST)
        assert after["decile_edges"] == {
            "model_version": int(churn_champion),
            "from": f"model card of churn:{churn_champion}",
        }
        assert after["decile_moved_share"] == churn_report["decile_moved_share"]

        # no date shadow-scored: named, with what to do
        with pytest.raises(
            ModelNotFoundError,
            match=f"churn: its challenger \\(churn:{churn_card.version}\\) has nothing shadow-scored in "
            "scoring.churn_shadow_scores at as-of date 2026-10-31",
        ):
            compare(con, CHURN_TABLES, registry, "2026-10-31")

        # bad labels: a duplicated key is named; one class only gives no AUC, with the reason, not 0.5
        twice = con.execute("select min(customer_id) from raw.churn_labels").fetchall()[0][0]
        con.execute(
            "insert into raw.churn_labels (customer_id, label_month, churned) "
            "select customer_id, label_month, not churned from raw.churn_labels where customer_id = ?",
            [twice],
        )
        with pytest.raises(
            ConfigError, match=f"raw.churn_labels has 1 duplicated key.* in customer_id .*{twice}"
        ):
            compare(con, CHURN_TABLES, registry, PAST)
        con.execute("update raw.loan_applications set defaulted = false where defaulted")
        one_class = compare(con, RISK_TABLES, registry, None)
    assert one_class["champion"]["auc"] is None and one_class["challenger"]["auc"] is None
    assert one_class["auc_note"].startswith("labels of one class only") and one_class["labelled_rows"] > 500


def _check_compare(warehouse: Path, report: dict[str, Any], model: str, date: str) -> None:
    """A compare report against numpy (correlation, deciles, means) and sklearn (AUC) on the same rows."""
    assert report["as_of_date"] == date
    key, score = (
        ("customer_id", "churn_probability")
        if model == "churn"
        else ("application_id", "default_probability")
    )
    next_month = (dt.date.fromisoformat(date).replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    labels = (
        f"select customer_id as k, churned::int as y from raw.churn_labels where label_month = '{next_month}'"
        if model == "churn"
        else "select application_id as k, defaulted::int as y from raw.loan_applications where defaulted is not null"
    )
    rows = _query(
        warehouse,
        f"select c.{score}, s.{score}, l.y from scoring.{model}_scores c "
        f"join scoring.{model}_shadow_scores s using ({key}, as_of_date) "
        f"left join ({labels}) l on l.k = c.{key} where c.as_of_date = ?",
        [date],
    )
    champion = np.array([r[0] for r in rows])
    challenger = np.array([r[1] for r in rows])
    assert (
        report["rows_both"] == report["champion"]["rows"] == report["challenger"]["rows"] == len(rows) > 1000
    )
    assert abs(report["champion"]["mean_score"] - champion.mean()) <= 1e-9
    assert abs(report["challenger"]["mean_score"] - challenger.mean()) <= 1e-9
    assert abs(report["score_correlation"] - np.corrcoef(champion, challenger)[0, 1]) <= 1e-9
    edges = _query(
        warehouse,
        "select score_decile_edges from main.ml_functions where function_name = ?",
        [f"predict_{model}"],
    )[0][0]
    moved = np.mean(
        np.searchsorted(edges, champion, side="left") != np.searchsorted(edges, challenger, side="left")
    )
    assert abs(report["decile_moved_share"] - moved) <= 1e-12 and 0 < moved < 1
    assert report["decile_edges"]["from"] == f"ml_functions (predict_{model})"
    decile = f"{model}_decile"
    columns = _query(
        warehouse,
        f"select avg((c.{decile} <> s.{decile})::double) from scoring.{model}_scores c "
        f"join scoring.{model}_shadow_scores s using ({key}, as_of_date) where c.as_of_date = ?",
        [date],
    )[0][0]
    assert abs(columns - moved) <= 1e-12  # the shadow table's decile is on the champion's scale too
    labelled = [r for r in rows if r[2] is not None]
    y = np.array([r[2] for r in labelled])
    assert report["labelled_rows"] == len(labelled) > 500 and report["positives"] == int(y.sum()) > 20
    for side, column in (("champion", 0), ("challenger", 1)):
        expected = roc_auc_score(y, [r[column] for r in labelled])
        assert abs(report[side]["auc"] - expected) <= 1e-9, (model, side)
    assert report["auc_note"] is None


def test_no_challenger_or_a_broken_one_scores_nothing_and_fails_nothing(run_dbt, scored_env) -> None:  # type: ignore[no-untyped-def]
    warehouse, registry = scored_env
    with (
        duckdb.connect(str(warehouse), read_only=True) as con,
        pytest.raises(
            ModelNotFoundError,
            match="model churn has no challenger and nothing is shadow-scored in scoring.churn_shadow_scores: "
            "promote one \\(sqlscore models promote churn VERSION --alias challenger\\)",
        ),
    ):
        compare(con, CHURN_TABLES, registry)

    # risk's challenger is a version whose artifact was changed after export: its function is not
    # registered (ml_functions says why), the shadow model warns naming it and adds no row, and the
    # champion scores as ever
    _, card = _challenger(warehouse, registry, RISK, classifier__C=0.01)
    artifact = registry.artifact_path(card)
    artifact.write_bytes(artifact.read_bytes() + b"\0")
    # churn's challenger takes a column the features model does not have: warned, skipped
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = load_training_frame(con, CHURN).with_columns(pl.lit(1.0).alias("loyalty_points"))
    features = [c for c in frame.columns if c not in (CHURN.key, "label")]
    pipeline = build_pipeline(CHURN, [c for c in features if c not in CHURN.categoricals])
    pipeline.set_params(classifier__n_estimators=5).fit(
        frame.select(features).to_pandas(), frame.get_column("label").to_numpy()
    )
    wider = export_model(pipeline, frame.select(features), "churn", registry=registry, alias="challenger")
    result = run_dbt("build", "--select", "risk_scores", "risk_shadow_scores", "churn_shadow_scores")
    assert "risk_shadow_scores scores nothing this run: function predict_risk_challenger" in result.stdout
    assert (
        f"churn_shadow_scores scores nothing this run: model churn:{wider.version} (challenger) takes "
        "column(s) loyalty_points that int_customers_featurized does not have"
    ) in result.stdout
    error = _query(
        warehouse, "select error from main.ml_functions where function_name = 'predict_risk_challenger'"
    )
    assert f"risk:{card.version}" in error[0][0] and "sha256" in error[0][0]
    assert [_query(warehouse, f"select count(*) from scoring.{t}")[0][0] for t in SHADOW] == [0, 0]
    assert _query(warehouse, "select count(*), list(distinct model_version) from scoring.risk_scores")[0] == (
        _query(warehouse, "select count(*) from intermediate.int_loan_applications_featurized")[0][0],
        [int(registry.aliases("risk")["champion"])],
    )
