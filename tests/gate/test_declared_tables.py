"""Published tables are declared in the dbt project: a new declared mart is gated and published,
mismatches between declarations and suites are errors naming the table, and --select publishes
only what it selects (the serving file keeps the others)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from tests.gate.conftest import REPO, TABLES, Published

MART_SQL = """
select customer_id, as_of_date, churn_probability, model_version, run_id
from {{ ref('customer_churn_scores') }}
where churn_decile >= 9
"""

MART_YML = """
version: 2
models:
  - name: churn_watchlist
    description: The customers in the top two churn deciles, for the retention team's calls.
    config:
      access: public
      contract: {enforced: true}
      meta:
        sqlscore: {publish: true, key: customer_id}
    columns:
      - {name: customer_id, data_type: bigint, description: Customer key.}
      - {name: as_of_date, data_type: date, description: As-of date of the score.}
      - {name: churn_probability, data_type: double, description: Probability of churning.}
      - {name: model_version, data_type: integer, description: Model version that scored it.}
      - {name: run_id, data_type: varchar, description: Run that scored it.}
"""

SUITE = {
    "name": "churn_watchlist",
    "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "customer_id"}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "customer_id"}},
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "churn_probability", "min_value": 0, "max_value": 1},
        },
    ],
}


def _project_with_a_new_mart(published: Published) -> tuple[Path, Path]:
    project = published.root / "dbt_project"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "models" / "marts" / "churn_watchlist.sql").write_text(MART_SQL)
    (project / "models" / "marts" / "_churn_watchlist.yml").write_text(MART_YML)
    expectations = published.root / "expectations"
    shutil.copytree(REPO / "expectations", expectations)
    return project, expectations


def test_a_declared_mart_needs_a_suite_then_is_gated_and_published(published: Published) -> None:
    project, expectations = _project_with_a_new_mart(published)
    env = {"SQLSCORE_DBT_PROJECT": str(project), "SQLSCORE_PROFILES_DIR": str(REPO)}
    before = published.consumer_view()

    missing = published.run("--expectations", str(expectations), **env)
    assert missing.returncode == 2, missing.stdout[-3000:]
    assert "published model churn_watchlist has no suite" in missing.stderr
    assert "sqlscore expectations init churn_watchlist" in missing.stderr
    assert published.consumer_view() == before

    (expectations / "churn_watchlist.json").write_text(json.dumps(SUITE))
    result = published.run("--expectations", str(expectations), **env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "churn_watchlist: passed (3 expectations)" in result.stdout
    top = published.sql("select count(*) from published.customer_churn_scores where churn_decile >= 9")[0][0]
    assert published.sql("select count(*) from published.churn_watchlist")[0][0] == top > 0
    with duckdb.connect(str(published.serving), read_only=True) as serving:
        tables = {name for (name,) in serving.execute("select table_name from serving_info").fetchall()}
        assert serving.execute("select count(*) from churn_watchlist").fetchall()[0][0] == top
    published_now = {*TABLES, "churn_watchlist"}
    assert tables == published_now | {f"{table}_history" for table in published_now}
    assert published.serving_matches_published()


def test_a_suite_that_names_no_published_table_is_an_error(published: Published) -> None:
    expectations = published.root / "expectations"
    shutil.copytree(REPO / "expectations", expectations)
    (expectations / "prospect_upsell_scores.json").write_text(json.dumps({**SUITE, "name": "x"}))
    before = published.consumer_view()
    result = published.run("--expectations", str(expectations))
    assert result.returncode == 2
    assert "prospect_upsell_scores.json names no published table" in result.stderr
    assert published.consumer_view() == before


def test_select_publishes_only_the_selected_tables(published: Published) -> None:
    churn_before = published.sql("select count(*), sum(hash(r)) from published.customer_churn_scores r")
    published.execute("update raw.loan_applications set loan_amount = loan_amount + 1")
    result = published.run("--select", "+loan_application_risk_scores")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "loan_application_risk_scores: passed" in result.stdout
    assert "customer_churn_scores" not in result.stdout.split("2/3 gate")[1]
    assert published.last_run()[0] == "published"
    (rows,) = published.sql("select rows_published from ops.sqlscore_runs order by started_at desc limit 1")[
        0
    ]
    assert list(json.loads(rows)) == ["loan_application_risk_scores"]
    assert (
        published.sql("select count(*), sum(hash(r)) from published.customer_churn_scores r") == churn_before
    )
    (run_id,) = published.sql("select run_id from ops.sqlscore_runs order by started_at desc limit 1")[0]
    assert published.sql("select distinct run_id from published.loan_application_risk_scores") == [(run_id,)]
    assert published.serving_matches_published()  # both tables, the unselected one carried over
