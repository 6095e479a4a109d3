"""The "Bring your own model" guide (README), followed step by step on a model the demo does not
have: a team's own table, its own pipeline, exported, scaffolded, run, published, gated, and equal
to scikit-learn's predictions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

import sqlscore
from sqlscore.registry import Registry
from tests import prewarmed
from tests.conftest import SQLSCORE

REPO = Path(__file__).resolve().parents[2]
PROSPECTS = """
create table raw.prospects as
select
    i as prospect_id,
    case when i % 17 = 0 then null else (hash(i, 'visits') % 40)::double end as site_visits,
    (hash(i, 'spend') % 5000)::double / 10 as monthly_spend,
    case when i % 23 = 0 then null when hash(i, 'seg') % 3 = 0 then 'smb'
         when hash(i, 'seg') % 3 = 1 then 'mid' else 'enterprise' end as segment,
    ((hash(i, 'visits') % 40) > 20 and hash(i, 'seg') % 3 <> 0) or hash(i, 'noise') % 10 = 0 as upgraded
from range(1, 1501) t(i)
"""
FEATURES = ["site_visits", "monthly_spend", "segment"]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return prewarmed.run([SQLSCORE, *args], env=env, timeout=900)


def test_bring_your_own_model_from_pipeline_to_published_table(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    warehouse, registry = demo_env
    with duckdb.connect(str(warehouse)) as con:
        con.execute(PROSPECTS)
        frame = con.sql("select * from raw.prospects order by prospect_id").pl()

    # 1. train on the team's frame: missing categories are '' before the pipeline (the convention)
    training = frame.with_columns(pl.col("segment").fill_null(""))
    pipeline = Pipeline(
        [
            (
                "prepare",
                ColumnTransformer(
                    [
                        ("numeric", SimpleImputer(strategy="median"), ["site_visits", "monthly_spend"]),
                        ("categorical", OneHotEncoder(handle_unknown="ignore"), ["segment"]),
                    ]
                ),
            ),
            ("model", RandomForestClassifier(n_estimators=25, max_depth=6, random_state=0)),
        ]
    )
    X = training.select(FEATURES).to_pandas()
    pipeline.fit(X, training.get_column("upgraded").to_numpy())

    # 2. export it as the champion
    card = sqlscore.export_model(
        pipeline,
        training.select(FEATURES),
        "upsell",
        registry=registry,
        training_data=training.select(FEATURES),
        alias="champion",
    )
    assert card.feature_names == FEATURES

    # 3. scaffold the dbt models and the suite into the team's project
    project, expectations = tmp_path / "dbt_project", tmp_path / "expectations"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    shutil.copytree(REPO / "expectations", expectations)
    env = {
        **os.environ,
        "SQLSCORE_WAREHOUSE": str(warehouse),
        "SQLSCORE_REGISTRY": str(registry.root),
        "SQLSCORE_DBT_PROJECT": str(project),
        "SQLSCORE_PROFILES_DIR": str(REPO),
    }
    scaffold = _cli(
        env,
        "scaffold",
        "upsell",
        "--source",
        "raw.prospects",
        "--key",
        "prospect_id",
        "--expectations",
        str(expectations),
    )
    assert scaffold.returncode == 0, scaffold.stdout[-3000:] + scaffold.stderr[-3000:]
    assert (
        "{{ score_incrementally('upsell'"
        in (project / "models" / "scoring" / "upsell_scores.sql").read_text()
    )
    assert (expectations / "prospects_upsell_scores.json").is_file()
    staging = project / "models" / "staging" / "upsell"  # a folder per source, as telecom/ and lending/
    assert sorted(path.name for path in staging.iterdir()) == [
        "_upsell__models.yml",
        "_upsell__sources.yml",
        "stg_upsell__prospects.sql",
    ]
    assert "{{ source('upsell', 'prospects') }}" in (staging / "stg_upsell__prospects.sql").read_text()
    again = _cli(env, "scaffold", "upsell", "--source", "prospects", "--key", "prospect_id")  # found in raw
    assert again.returncode == 2 and "would overwrite" in again.stderr

    # 4. run: built, gated, published
    run = _cli(env, "run", "--expectations", str(expectations))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-3000:]
    assert "prospects_upsell_scores: passed (8 expectations)" in run.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        published = dict(
            con.execute("select prospect_id, upsell_score from published.prospects_upsell_scores").fetchall()
        )
        (rows,) = con.execute(
            "select rows_published from ops.sqlscore_runs order by started_at desc limit 1"
        ).fetchall()[0]
        provenance = con.execute(
            "select distinct model_name, model_version from published.prospects_upsell_scores"
        ).fetchall()
    assert json.loads(rows)["prospects_upsell_scores"] == 1500
    assert provenance == [("upsell", 1)]

    # 5. the same numbers as scikit-learn on the same rows (onnxruntime computes in float32)
    expected = pipeline.predict_proba(X)[:, 1]
    got = np.array([published[key] for key in training.get_column("prospect_id").to_list()])
    assert np.max(np.abs(got - expected)) <= 1e-5
