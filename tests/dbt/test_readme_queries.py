"""The analysts' example queries in the README run as written after `sqlscore run`,
on the warehouse and (schema prefix dropped) on the serving file other processes read.

They only read: they run on the site the gate tests share (the demo warehouse after one
`sqlscore run`, :func:`tests.gate.conftest.published_source`), opened read-only."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from tests.dbt.conftest import REPO
from tests.gate.conftest import published_source  # noqa: F401 - the shared published site


def readme_queries() -> list[str]:
    text = (REPO / "README.md").read_text()
    section = text.split("<!-- analyst-queries -->")[1].split("<!-- /analyst-queries -->")[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def test_readme_queries_run_as_written(published_source: Path) -> None:  # noqa: F811
    queries = readme_queries()
    assert len(queries) == 3
    warehouse = published_source / "warehouse.duckdb"
    serving = warehouse.with_name("warehouse_serving.duckdb")
    for database, prefix in ((warehouse, "published."), (serving, "")):
        with duckdb.connect(str(database), read_only=True) as con:
            results = [con.execute(query.replace("published.", prefix)).fetchall() for query in queries]
        top_per_region, share_per_purpose, distribution = results
        assert len(top_per_region) >= 5 * 5 and len({row[0] for row in top_per_region}) >= 5
        assert all(0 <= row[2] <= 1 for row in share_per_purpose) and len(share_per_purpose) >= 7
        assert {row[0] for row in distribution} == {"churn", "risk"}
