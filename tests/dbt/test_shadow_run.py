"""`sqlscore run` shadow-scores the challenger beside the champion and never publishes it (one run)."""

from __future__ import annotations

import json

import duckdb

from sqlscore.tools.demo.train import CHURN, RISK
from tests.dbt.test_shadow_scores import SHADOW, _challenger
from tests.gate.conftest import Published, published, published_source  # noqa: F401 (fixtures)


def _relations(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return {
        (schema, name)
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables() union all "
            "select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
    }


def test_run_shadow_scores_the_challenger_and_publishes_only_the_champion(published: Published) -> None:  # noqa: F811
    # the site's run had no challenger: its shadow tables exist, empty, and the run published
    before = {t: published.sql(f"select count(*) from scoring.{t}")[0][0] for t in SHADOW}
    assert before == dict.fromkeys(SHADOW, 0)
    registry = published.registry
    champions = {m: int(registry.aliases(m)["champion"]) for m in ("churn", "risk")}
    _, churn = _challenger(published.warehouse, registry, CHURN, classifier__n_estimators=20)
    _, risk = _challenger(published.warehouse, registry, RISK, classifier__C=0.01)

    result = published.run()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    run_id, rows_scored = published.sql(
        "select run_id, rows_scored from ops.sqlscore_runs where status = 'published' "
        "order by ended_at desc limit 1"
    )[0]
    for table, card, published_table in (
        ("churn_shadow_scores", churn, "customer_churn_scores"),
        ("risk_shadow_scores", risk, "loan_application_risk_scores"),
    ):
        model = card.name
        shadow = published.sql(f"select distinct model_version, run_id from scoring.{table}")
        assert shadow == [(int(card.version), run_id)]
        assert (
            json.loads(rows_scored)[f"scoring.{table}"]
            == published.sql(f"select count(*) from scoring.{model}_scores")[0][0]
        )
        # consumers read the champion only
        assert published.sql(f"select distinct model_version from published.{published_table}") == [
            (champions[model],)
        ]
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        relations = _relations(con)
    assert {("scoring", t) for t in SHADOW} <= relations
    assert not {
        name for schema, name in relations if schema in ("published", "candidate") and "shadow" in name
    }
    with duckdb.connect(str(published.serving), read_only=True) as con:
        assert not {name for _, name in _relations(con) if "shadow" in name}
    assert published.serving_matches_published()
