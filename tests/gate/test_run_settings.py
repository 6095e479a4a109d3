"""README settings of `sqlscore run`, all in one real run: ``SQLSCORE_AS_OF`` (the as-of date when
``--as-of`` is not given), ``SQLSCORE_EXPECTATIONS`` (the gate's suites) and ``SQLSCORE_SERVING``
(where the read-only copy goes). ``run --as-of`` itself is checked by
``tests/gate/test_bi_readers.py::test_the_serving_file_keeps_every_published_date_and_the_compiled_functions``."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb

from tests.gate.conftest import REPO, TABLES, Published, table_digests

AS_OF = "2026-09-30"  # not the default (2026-10-31), and a date the demo data can score


def test_run_takes_as_of_date_suites_and_serving_file_from_the_environment(
    published: Published, tmp_path: Path
) -> None:
    # suites of our own: the repo's, each with one more (passing) expectation, so the verdicts'
    # counts say which folder the gate read
    suites = tmp_path / "suites"
    shutil.copytree(REPO / "expectations", suites)
    counts = {}
    for table in TABLES:
        path = suites / f"{table}.json"
        suite = json.loads(path.read_text())
        suite["expectations"].append(
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "as_of_date"}}
        )
        path.write_text(json.dumps(suite))
        counts[table] = len(suite["expectations"])
    serving = tmp_path / "elsewhere" / "scores.duckdb"
    serving.parent.mkdir()
    default_serving = hashlib.sha256(published.serving.read_bytes()).hexdigest()

    result = published.run(
        "--backfill",  # 2026-09-30 is before the date already published
        SQLSCORE_AS_OF=AS_OF,
        SQLSCORE_EXPECTATIONS=str(suites),
        SQLSCORE_SERVING=str(serving),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]

    # SQLSCORE_AS_OF: the run, its record and the published tables are for that date
    run_id, as_of = published.sql(
        "select run_id, as_of_date::varchar from ops.sqlscore_runs order by started_at desc limit 1"
    )[0]
    assert as_of == AS_OF and f"as of {AS_OF}" in result.stdout
    for table in TABLES:
        assert published.sql(f"select distinct as_of_date::varchar from published.{table}") == [(AS_OF,)]

    # SQLSCORE_EXPECTATIONS: the gate read our suites
    assert f"suites from {suites}" in result.stdout
    for table, count in counts.items():
        assert f"{table}: passed ({count} expectations)" in result.stdout, result.stdout[-3000:]

    # SQLSCORE_SERVING: the serving file is written there, whole, and the default one is untouched
    in_serving = table_digests(serving, "main")
    info = in_serving.pop("serving_info")
    assert in_serving == table_digests(published.warehouse, "published") and info[0] == len(in_serving)
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select distinct run_id from serving_info").fetchall() == [(run_id,)]
    assert hashlib.sha256(published.serving.read_bytes()).hexdigest() == default_serving
    assert sorted(p.name for p in serving.parent.iterdir()) == ["scores.duckdb"]  # nothing left staged
