"""The analysts' example queries in the README run as written on a built warehouse."""

from __future__ import annotations

import re

import duckdb

from tests.dbt.conftest import REPO


def readme_queries() -> list[str]:
    text = (REPO / "README.md").read_text()
    section = text.split("<!-- analyst-queries -->")[1].split("<!-- /analyst-queries -->")[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def test_readme_queries_run_as_written(run_dbt, demo_env) -> None:  # type: ignore[no-untyped-def]
    warehouse, _ = demo_env
    queries = readme_queries()
    assert len(queries) == 3
    run_dbt("build")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        results = [con.execute(query).fetchall() for query in queries]
    top_per_region, share_per_purpose, distribution = results
    assert len(top_per_region) >= 5 * 5 and len({row[0] for row in top_per_region}) >= 5
    assert all(0 <= row[2] <= 1 for row in share_per_purpose) and len(share_per_purpose) >= 7
    assert {row[0] for row in distribution} == {"churn", "risk"}
