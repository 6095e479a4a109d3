"""``sqlscore bench`` runs every path in its own process and writes consistent records.

Speed is never asserted here (shared, noisy machines); the figures are checked
for being measured and internally consistent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlscore.tools.bench.orbital_path import orbital_python

SQLSCORE = str(Path(sys.executable).parent / "sqlscore")


def test_bench_writes_side_by_side_records(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            SQLSCORE,
            "bench",
            "--rows",
            "5000",
            "--customers",
            "5000",
            "--workdir",
            str(tmp_path / "work"),
            "--json",
            str(out),
            "--dbt",
            "3000",
            "--repeat",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = json.loads(out.read_text())
    job = {r["path"]: r for r in records if r["model"] == "all"}
    assert set(job) == {"dbt_build", "scoring", "gate", "publish"}
    assert all(r["rows"] == 3000 and r["seconds"] > 0 for r in job.values())
    assert job["scoring"]["seconds"] < job["dbt_build"]["seconds"]
    assert "gate / scoring =" in result.stdout
    compiled = {r["model"]: r for r in records if r["path"] == "compile"}
    assert set(compiled) == {"plain_lr", "risk", "churn", "churn_gbt300"}
    assert compiled["churn_gbt300"]["trees"] == 300 and compiled["churn"]["trees"] == 100
    assert all(c["compile_seconds"] > 0 and c["duckdb_sql_kb"] > 0.5 for c in compiled.values())
    assert compiled["churn_gbt300"]["duckdb_sql_kb"] > 2 * compiled["churn"]["duckdb_sql_kb"]
    assert "SQL engine compile time and size" in result.stdout
    records = [r for r in records if r["model"] != "all" and r["path"] != "compile"]
    paths = ("onnxruntime", "duckdb_udf", "duckdb_sql", "duckdb_sql_in_memory", "python_batch")
    if orbital_python() is not None:  # the optional extra, present after `make bench-orbital`
        paths += ("orbital",)
    assert {(r["model"], r["path"]) for r in records} == {
        (m, p) for m in ("plain_lr", "risk", "churn") for p in paths
    } | {("churn_gbt300", "onnxruntime"), ("churn_gbt300", "duckdb_sql")}
    for record in records:
        assert set(record) == {
            "model",
            "path",
            "rows",
            "seconds",
            "rows_per_s",
            "ratio_to_onnxruntime",
            "peak_rss_mb",
            "repeats",
            "seconds_each",
        }
        assert record["repeats"] == 2 and len(record["seconds_each"]) == 2
        assert min(record["seconds_each"]) <= record["seconds"] <= max(record["seconds_each"])
        assert record["rows"] == 5000 and record["seconds"] > 0 and record["peak_rss_mb"] > 50
        assert abs(record["rows_per_s"] * record["seconds"] / 5000 - 1) < 1e-2
        baseline = next(
            r["seconds"] for r in records if r["model"] == record["model"] and r["path"] == "onnxruntime"
        )
        assert (
            abs(record["ratio_to_onnxruntime"] - round(baseline / record["seconds"], 3))
            < 2e-3 + 1e-2 * record["ratio_to_onnxruntime"]
        )
    assert "x onnxruntime" in result.stdout and "Median of 2 timed run(s)" in result.stdout
    # the DuckDB path really wrote a score per input row
    import duckdb

    with duckdb.connect(str(tmp_path / "work" / "bench.duckdb"), read_only=True) as con:
        for model in ("plain_lr", "risk", "churn"):
            count, nulls = con.execute(
                f"select count(*), count(*) - count(score) from scores_{model}"
            ).fetchall()[0]
            assert count == 5000 and nulls == 0


def test_bench_refuses_fewer_than_one_timed_run(tmp_path: Path) -> None:
    result = subprocess.run(
        [SQLSCORE, "bench", "--repeat", "0", "--workdir", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "--repeat must be at least 1, got 0" in result.stderr
    assert not (tmp_path / "work").exists()  # refused before any data was built
