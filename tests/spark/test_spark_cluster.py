"""A real standalone cluster: a master and two workers (1 core each) on 127.0.0.1 from pyspark's
bundled ``spark-class``, and ``sqlscore run --target spark`` (the CLI, a real process) against it.
One worker's JVM is killed with SIGKILL while the scoring models run: Spark reruns the lost tasks on
the other worker and the run publishes exactly DuckDB's scores (or, were it to fail, publishes
nothing). The event log shows tasks on both workers and the lost executor; the cluster is stopped
after. One cluster start for every check (it is the costliest fixture of the suite)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sqlscore.spark.cluster import LocalCluster
from sqlscore.spark.session import COMPILE_HUGE_METHODS
from tests.conftest import SQLSCORE
from tests.spark.conftest import TABLES, SparkSite

#: tens of seconds each: scheduled first, so that both test workers finish together
pytestmark = pytest.mark.heavy

REPO = Path(__file__).resolve().parents[2]
#: dbt's line when a scoring model starts: the moment the worker is killed
SCORING_STARTS = re.compile(r"START .*model scoring\.(churn|risk)_scores\b")


def read_events(events: Path) -> list[dict[str, object]]:
    folders = list(events.iterdir())
    assert len(folders) == 1, folders  # Spark 4's rolling log: eventlog_v2_<app id>/events_<n>_<app id>
    parts = sorted(folders[0].glob("events_*"))
    return [json.loads(line) for part in parts for line in part.read_text().splitlines()]


def executors_that_ran_tasks(events: list[dict[str, object]]) -> dict[str, str]:
    """Executor id -> its worker's web UI (from its log URLs), for executors that finished a task."""
    added: dict[str, str] = {}
    ran: set[str] = set()
    for event in events:
        if event["Event"] == "SparkListenerExecutorAdded":
            stdout_url = event["Executor Info"]["Log Urls"]["stdout"]  # type: ignore[index]
            added[str(event["Executor ID"])] = str(stdout_url).split("/logPage")[0]
        elif event["Event"] == "SparkListenerTaskEnd" and event["Task End Reason"]["Reason"] == "Success":  # type: ignore[index]
            ran.add(str(event["Task Info"]["Executor ID"]))  # type: ignore[index]
    return {executor: added[executor] for executor in ran if executor in added}


def spark_defaults(folder: Path, events: Path) -> Path:
    """A SPARK_CONF_DIR for the CLI's driver: the event log, 1-core executors spread over both workers."""
    folder.mkdir(parents=True)
    events.mkdir(parents=True)
    settings = {
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": events.resolve().as_uri(),
        "spark.eventLog.compress": "false",
        "spark.executor.cores": "1",
        "spark.executor.memory": "768m",
        "spark.cores.max": "2",
        "spark.default.parallelism": "4",
    }
    (folder / "spark-defaults.conf").write_text("".join(f"{k} {v}\n" for k, v in settings.items()))
    return folder


def run_cli_killing_a_worker(cluster: LocalCluster, env: dict[str, str]) -> tuple[int, str, bool]:
    """``sqlscore run --target spark`` of the published tables and what they read; SIGKILL worker
    1's JVM when dbt starts a scoring model. The monitoring models (and so the drift gate) are
    left out: with them this test took 243 s in a run of tests/spark here (110 to 130 s before),
    and they are tested on Spark in local mode (tests/spark/test_spark_monitoring.py); what this
    test is for is the cluster."""
    process = subprocess.Popen(
        [SQLSCORE, "run", "--target", "spark", "--select", *(f"+{table}" for table in TABLES)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines, killed = [], False
    for line in process.stdout:
        lines.append(line)
        if not killed and SCORING_STARTS.search(line):
            cluster.processes[1].kill()  # worker1's JVM (spark-class execs java)
            killed = True
    return process.wait(timeout=600), "".join(lines), killed


def published_frame(spark_dir: Path, table: str) -> pd.DataFrame:
    """The newest version behind ``published.<table>``, read from its Parquet files (no Spark)."""
    versions = sorted((spark_dir / "published.db").glob(f"{table}__v*"))
    assert versions, f"nothing published for {table}"
    return pq.read_table(versions[-1]).to_pandas()


def test_cli_run_on_a_two_worker_cluster_survives_a_killed_worker(
    spark_site: SparkSite, duckdb_reference: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    spark_dir, events = tmp_path / "spark", tmp_path / "events"
    shutil.copy(spark_site.warehouse, tmp_path / "warehouse.duckdb")
    copy = subprocess.Popen(  # the raw tables into the cluster's warehouse, while the cluster starts
        [
            sys.executable,
            "-m",
            "tests.spark.cluster_child",
            str(tmp_path / "warehouse.duckdb"),
            str(spark_dir),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    env = {
        **os.environ,
        "SQLSCORE_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "SQLSCORE_REGISTRY": str(spark_site.registry.root),
        "SQLSCORE_SPARK_WAREHOUSE": str(spark_dir),
        "SPARK_CONF_DIR": str(spark_defaults(tmp_path / "conf", events)),
    }
    with LocalCluster(tmp_path / "cluster", workers=2, cores=1, pinned=True) as cluster:
        # each worker (and what it starts: executors, Python workers) on a CPU of its own
        pinned = [os.sched_getaffinity(process.pid) for process in cluster.processes[1:]]
        assert pinned == [cluster.worker_cpus(0), cluster.worker_cpus(1)] and not pinned[0] & pinned[1]
        workers = {str(w["webuiaddress"]).rstrip("/") for w in cluster.alive_workers()}
        assert len(workers) == 2
        copied, _ = copy.communicate(timeout=300)
        assert copy.returncode == 0, copied[-3000:]
        code, output, killed = run_cli_killing_a_worker(
            cluster, {**env, "SQLSCORE_SPARK_MASTER": cluster.url}
        )
        state = cluster.state()
    assert killed, "dbt never started a scoring model:\n" + output[-3000:]
    # each worker logs the command of every executor it launched: started with the option that
    # lets HotSpot JIT-compile the huge methods of compiled models (sqlscore.spark.session)
    launches = [
        line
        for log in sorted((tmp_path / "cluster").glob("worker*.log"))
        for line in log.read_text(errors="replace").splitlines()
        if "Launch command:" in line and "CoarseGrainedExecutorBackend" in line
    ]
    assert launches and all(COMPILE_HUGE_METHODS in line for line in launches), launches[:2]
    apps = [a["id"] for a in [*state.get("completedapps", []), *state.get("activeapps", [])]]  # type: ignore[misc]
    assert len(apps) == 1, "the master never ran the run's application"
    log = read_events(events)
    removed = [e for e in log if e["Event"] == "SparkListenerExecutorRemoved"]
    assert removed, "the killed worker's executor was never lost"
    ran_on = executors_that_ran_tasks(log)
    assert set(ran_on.values()) == workers, f"tasks ran on {ran_on}, workers {workers}"
    assert code == 0, output[-4000:]  # Spark reran the lost tasks; were it to fail, see below
    # the gate on Spark runs Great Expectations in the run's process: none of its INFO lines
    assert "INFO:great_expectations" not in output, output[-4000:]
    catalog = pq.read_table(spark_dir / "main.db" / "ml_functions").to_pylist()
    engines = {row["function_name"]: row["engine"] for row in catalog}
    for table, expected in duckdb_reference.items():
        model, key, score, _ = TABLES[table]
        onnx = engines[f"predict_{model}"] == "onnx"
        against, tolerance = ("duckdb_onnx", 1e-9) if onnx else ("duckdb_sql", 1e-6)
        actual = published_frame(spark_dir, table).merge(expected, on=key)
        assert len(actual) == len(expected), table
        difference = np.abs(actual[score] - actual[against])
        assert difference.max() <= tolerance, f"{table}: {difference.max():.3g}"
    runs = pq.read_table(spark_dir / "ops.db" / "sqlscore_runs").to_pylist()
    assert [r["status"] for r in runs] == ["published"] and "gate passed" in runs[0]["message"]
