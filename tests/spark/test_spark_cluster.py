"""A real standalone cluster: a master and two workers (1 core each) on 127.0.0.1 from pyspark's
bundled ``spark-class``, the Spark run driven against it (its own process: a Spark session's
master is fixed per process), parity with DuckDB, and tasks on both workers read from the event
log; the cluster stopped after."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sqlscore.spark.cluster import LocalCluster
from tests.spark.conftest import TABLES, SparkSite

REPO = Path(__file__).resolve().parents[2]


def executors_that_ran_tasks(events: Path) -> dict[str, str]:
    """Executor id -> its worker's web UI (from its log URLs), for executors that finished a task."""
    folders = list(events.iterdir())
    assert len(folders) == 1, folders  # Spark 4's rolling log: eventlog_v2_<app id>/events_<n>_<app id>
    lines = [line for part in sorted(folders[0].glob("events_*")) for line in part.read_text().splitlines()]
    added: dict[str, str] = {}
    ran: set[str] = set()
    for line in lines:
        event = json.loads(line)
        if event["Event"] == "SparkListenerExecutorAdded":
            stdout_url = event["Executor Info"]["Log Urls"]["stdout"]
            added[event["Executor ID"]] = stdout_url.split("/logPage")[0]
        elif event["Event"] == "SparkListenerTaskEnd" and event["Task End Reason"]["Reason"] == "Success":
            ran.add(event["Task Info"]["Executor ID"])
    return {executor: added[executor] for executor in ran if executor in added}


def test_run_on_a_two_worker_standalone_cluster(
    spark_site: SparkSite, duckdb_reference: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    request = {
        "spark_dir": str(tmp_path / "spark"),
        "events": str(tmp_path / "events"),
        "out": str(tmp_path / "out"),
        "cores": 2,
        "warehouse": str(spark_site.warehouse),
        "registry": str(spark_site.registry.root),
    }
    with LocalCluster(tmp_path / "cluster", workers=2, cores=1) as cluster:
        workers = {str(w["webuiaddress"]).rstrip("/") for w in cluster.alive_workers()}
        assert len(workers) == 2
        (tmp_path / "request.json").write_text(json.dumps({**request, "master": cluster.url}))
        child = subprocess.run(
            [sys.executable, "-m", "tests.spark.cluster_child", str(tmp_path / "request.json")],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert child.returncode == 0, child.stdout[-3000:] + child.stderr[-3000:]
        outcome = json.loads(child.stdout.strip().splitlines()[-1])
        assert outcome["exit_code"] == 0, outcome["message"]
        state = cluster.state()
        apps = [a["id"] for a in [*state.get("completedapps", []), *state.get("activeapps", [])]]  # type: ignore[misc]
        assert outcome["app_id"] in apps, "the master never ran the run's application"
    assert all(p.poll() is not None for p in cluster.processes) or not cluster.processes
    ran_on = executors_that_ran_tasks(tmp_path / "events")
    assert set(ran_on.values()) == workers, f"tasks ran on {ran_on}, workers {workers}"
    for table, expected in duckdb_reference.items():
        key = TABLES[table][1]
        actual = pd.read_parquet(tmp_path / "out" / table).merge(expected, on=key)
        assert len(actual) == len(expected) == outcome["rows"][table]
        difference = np.abs(actual[TABLES[table][2]] - actual["duckdb_onnx"])
        assert difference.max() <= 1e-9, f"{table}: {difference.max():.3g}"
