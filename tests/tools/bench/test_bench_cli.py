"""``sqlscore bench`` runs every path in its own process and writes consistent records.

Speed is never asserted here (shared, noisy machines); the figures are checked
for being measured and internally consistent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sqlscore.tools.bench.compile_report import large_model
from sqlscore.tools.bench.orbital_path import orbital_python
from sqlscore.tools.bench.workload import SMOKE_TREES, ensembles

#: tens of seconds each: scheduled first, so that both test workers finish together
pytestmark = pytest.mark.heavy

SQLSCORE = str(Path(sys.executable).parent / "sqlscore")
#: rows timed per path: enough for every path to run its batches, small enough to be quick
ROWS = 3000
#: the dbt runs' DuckDB memory_limit (SQLSCORE_MEMORY_LIMIT): ample for 3,000 customers
MEMORY_LIMIT = "1GB"
#: ``--smoke``: the ensembles and the compile report's large model with SMOKE_TREES trees
ENSEMBLES = tuple(ensembles(smoke=True))
LARGE, LARGE_TREES = large_model(smoke=True)


@dataclass(frozen=True)
class BenchRun:
    """One ``sqlscore bench`` process and what it wrote: its output, its JSON records, its folder."""

    result: subprocess.CompletedProcess[str]
    records: list[dict[str, Any]]
    workdir: Path


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> BenchRun:
    """Every report of the benchmark in one invocation (the scoring paths, the compile report,
    --engines, --dbt with --monitoring), as a user would run it, at tiny sizes (``--smoke``: the
    ensembles with a few trees, the same code paths): the figures are checked for being measured
    and consistent, never for speed. One process for all the reports trains and exports the
    workload's models once."""
    tmp_path = tmp_path_factory.mktemp("bench")
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            SQLSCORE,
            "bench",
            "--rows",
            str(ROWS),
            "--customers",
            "3000",
            "--workdir",
            str(tmp_path / "work"),
            "--json",
            str(out),
            "--dbt",
            "3000",
            "--repeat",
            "2",
            "--monitoring",
            "--engines",
            "--smoke",
        ],
        capture_output=True,
        text=True,
        timeout=1800,  # bounded: every report of the benchmark, on a loaded machine
        check=False,
        # the dbt runs under a memory_limit, as `sqlscore run` with it (the scoring paths set their own)
        env={**os.environ, "SQLSCORE_MEMORY_LIMIT": MEMORY_LIMIT},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return BenchRun(result, json.loads(out.read_text()), tmp_path / "work")


def test_bench_writes_side_by_side_records(bench_run: BenchRun) -> None:
    result = bench_run.result
    records = bench_run.records
    job = {r["path"]: r for r in records if r["model"] == "all" and not r["path"].startswith("register_")}
    assert set(job) == {"dbt_build", "scoring", "gate", "publish", "scoring_build", "monitoring"}
    assert all(r["rows"] == 3000 and r["seconds"] > 0 for r in job.values())
    assert job["scoring"]["seconds"] < job["dbt_build"]["seconds"]
    assert "gate / scoring =" in result.stdout
    _check_monitoring_records(job["scoring_build"], job["monitoring"], result.stdout)
    # the last dbt run (the monitoring pair's) was handed the limit: dbt keeps the vars it ran with
    ran_with = json.loads((bench_run.workdir / "dbt_target" / "run_results.json").read_text())["args"]["vars"]
    assert ran_with["sqlscore_memory_limit"] == MEMORY_LIMIT
    compiled = {r["model"]: r for r in records if r["path"] == "compile"}
    assert set(compiled) == {"plain_lr", "risk", "churn", LARGE} and LARGE == f"churn_gbt{SMOKE_TREES}"
    assert compiled[LARGE]["trees"] == LARGE_TREES and compiled["churn"]["trees"] == 100
    assert all(c["compile_seconds"] > 0 and c["duckdb_sql_kb"] > 0.5 for c in compiled.values())
    # the same depth-3 trees and preprocessing: the SQL grows with the tree count, from a fixed part
    per_tree = compiled["churn"]["duckdb_sql_kb"] / 100
    assert LARGE_TREES * per_tree < compiled[LARGE]["duckdb_sql_kb"] < 3 * LARGE_TREES * per_tree
    assert "SQL engine compile time and size" in result.stdout
    # the scoring paths' records (--engines's ensembles are the other test's)
    records = [r for r in records if r["model"] not in ("all", *ENSEMBLES) and r["path"] != "compile"]
    paths: tuple[str, ...] = (
        "onnxruntime",
        "duckdb_udf",
        "duckdb_sql",
        "duckdb_sql_in_memory",
        "relation",
        "auto",
        "python_batch",
    )
    if orbital_python() is not None:  # the optional extra, present after `make bench-orbital`
        paths += ("orbital",)
    assert {(r["model"], r["path"]) for r in records} == {
        (m, p) for m in ("plain_lr", "risk", "churn") for p in paths
    } | {(LARGE, "onnxruntime"), (LARGE, "duckdb_sql")}
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
            "onnxruntime_seconds",
        }
        assert record["repeats"] == 2 and len(record["seconds_each"]) == 2
        assert min(record["seconds_each"]) <= record["seconds"] <= max(record["seconds_each"])
        assert record["rows"] == ROWS and record["seconds"] > 0 and record["peak_rss_mb"] > 50
        assert abs(record["rows_per_s"] * record["seconds"] / ROWS - 1) < 1e-2
        # the ratio divides raw onnxruntime timed in the path's own process, after it (paired);
        # the onnxruntime row is its own baseline
        baseline = record["onnxruntime_seconds"]
        assert baseline > 0
        if record["path"] == "onnxruntime":
            assert baseline == record["seconds"] and record["ratio_to_onnxruntime"] == 1.0
        assert (
            abs(record["ratio_to_onnxruntime"] - round(baseline / record["seconds"], 3))
            < 2e-3 + 1e-2 * record["ratio_to_onnxruntime"]
        )
    # each path's baseline was timed apart from the onnxruntime row's (a process of its own)
    for model in ("plain_lr", "risk", "churn"):
        baselines = {r["onnxruntime_seconds"] for r in records if r["model"] == model}
        assert len(baselines) > 1, (model, baselines)
    assert "x onnxruntime" in result.stdout and "Median of 2 timed run(s)" in result.stdout
    assert "timed in the path's own process right after the path" in result.stdout
    # the DuckDB path really wrote a score per input row
    import duckdb

    with duckdb.connect(str(bench_run.workdir / "bench.duckdb"), read_only=True) as con:
        for model in ("plain_lr", "risk", "churn"):
            count, nulls = con.execute(
                f"select count(*), count(*) - count(score) from scores_{model}"
            ).fetchall()[0]
            assert count == ROWS and nulls == 0
        for model in ("plain_lr", "churn"):  # the relation path's table: every row, its provenance
            count, nulls, versions = con.execute(
                f"select count(*), count(*) - count(score), count(distinct model_sha256) "
                f"from scores_{model}_relation"
            ).fetchall()[0]
            assert (count, nulls, versions) == (ROWS, 0, 1)


def test_bench_engines_prints_every_engine_and_registration(bench_run: BenchRun) -> None:
    """--engines: the ensembles through every engine, the ratios table with auto's choice per
    model, registration cold and cached (tiny rows: figures are checked for being measured)."""
    records, stdout = bench_run.records, bench_run.result.stdout
    timed = {(r["model"], r["path"]) for r in records if r["model"] != "all"}
    assert ENSEMBLES == (f"gbt{SMOKE_TREES}", f"rf{SMOKE_TREES}", f"hgb{SMOKE_TREES}")
    assert {
        (m, p) for m in ENSEMBLES for p in ("onnxruntime", "duckdb_udf", "duckdb_sql", "relation", "auto")
    } <= timed
    assert {(m, p) for m in ("plain_lr", "risk", "churn") for p in ("relation", "auto")} <= timed
    registration = {r["path"]: r for r in records if r["path"].startswith("register_")}
    assert set(registration) == {"register_cold", "register_cached"}
    for record in registration.values():
        assert record["functions"] == 3 and record["register_seconds"] > 0 and record["import_seconds"] > 0
        assert len(record["register_seconds_each"]) == 2
    assert "registration of 3 functions" in stdout
    assert f"cached {registration['register_cached']['register_seconds']:.3f} s" in stdout
    table = stdout[stdout.index(f"x raw onnxruntime at {ROWS:,} rows") :]
    for model in ("plain_lr", "risk", "churn", *ENSEMBLES):
        line = next(line for line in table.splitlines() if line.startswith(f"{model} "))
        assert (" sql " in line or " onnx " in line) and "auto " in line and "relation " in line
    import duckdb

    with duckdb.connect(str(bench_run.workdir / "bench.duckdb"), read_only=True) as con:
        count, nulls, versions = con.execute(
            "select count(*), count(*) - count(score), count(distinct model_sha256) "
            f"from scores_rf{SMOKE_TREES}_relation"
        ).fetchall()[0]
    assert (count, nulls, versions) == (ROWS, 0, 1)


def _check_monitoring_records(scoring: dict[str, Any], monitoring: dict[str, Any], stdout: str) -> None:
    """--monitoring: medians of --repeat processes each, the printed ratios those of the records."""
    for record in (scoring, monitoring):
        assert record["repeats"] == 2 and len(record["seconds_each"]) == 2
        assert min(record["seconds_each"]) <= record["seconds"] <= max(record["seconds_each"])
        assert len(record["peak_rss_mb_each"]) == 2 and record["peak_rss_mb"] > 50
        # a group's span lies inside its dbt process's wall time
        assert all(s < w for s, w in zip(record["seconds_each"], record["wall_seconds_each"], strict=True))
    assert all(s > 0 for s in monitoring["scoring_seconds_each"])
    assert set(monitoring["models_seconds"]) == {
        "feature_drift",
        "prediction_drift",
        "model_performance",
        "churn_scores_labelled",
        "risk_scores_labelled",
    }
    assert max(monitoring["models_seconds"].values()) <= max(monitoring["seconds_each"]) + 1e-3
    ratio = round(monitoring["seconds"] / scoring["seconds"], 3)
    assert abs(monitoring["ratio_to_scoring"] - ratio) < 2e-3
    assert (
        abs(monitoring["peak_rss_ratio"] - round(monitoring["peak_rss_mb"] / scoring["peak_rss_mb"], 3))
        < 2e-3
    )
    assert scoring["memory_limit"] == monitoring["memory_limit"] == MEMORY_LIMIT
    assert f"DuckDB memory_limit {MEMORY_LIMIT} (SQLSCORE_MEMORY_LIMIT)" in stdout
    assert f"monitoring / scoring = {monitoring['ratio_to_scoring']:.2f}\u00d7" in stdout
    assert f"peak RSS with / without monitoring = {monitoring['peak_rss_ratio']:.2f}\u00d7" in stdout


def test_monitoring_needs_dbt(tmp_path: Path) -> None:
    result = subprocess.run(
        [SQLSCORE, "bench", "--monitoring", "--workdir", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "--monitoring and --dbt-only need --dbt CUSTOMERS" in result.stderr
    assert not (tmp_path / "work").exists()


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
