"""The run's side of the drift gate, without a build: how the gate's stored rows read, and the
report step that must never fail a run. Real DuckDB files; the full runs are in
tests/gate/test_drift_gate.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from sqlscore.pipeline.dbt import DRIFT_FIELDS, levelled_findings
from sqlscore.pipeline.steps import _write_monitoring_report

#: Rows shaped as drift_within_thresholds stores them (its final select's columns).
ROWS = [
    (
        "churn",
        1,
        dt.date(2026, 10, 31),
        "all",
        "all",
        "monthly_charges",
        "psi",
        0.2528,
        0.25,
        "block",
        "error",
    ),
    (
        "churn",
        1,
        dt.date(2026, 9, 30),
        "region",
        "south",
        "score",
        "auc_drop (realised)",
        0.31,
        0.1,
        "block",
        "warn",
    ),
    (
        "risk",
        2,
        dt.date(2026, 10, 31),
        "all",
        "all",
        "score",
        "auc_drop (estimated)",
        0.07,
        0.05,
        "warn",
        "warn",
    ),
]


def test_drift_rows_read_as_findings_naming_model_version_feature_metric_value_threshold() -> None:
    con = duckdb.connect()
    con.execute(
        "create table gate (model_name varchar, model_version integer, as_of_date date, segment_by varchar, "
        "segment varchar, feature varchar, metric varchar, value double, threshold double, "
        "threshold_crossed varchar, level varchar)"
    )
    con.executemany("insert into gate values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ROWS)
    findings = {f["metric"]: f for f in levelled_findings(con, ["gate"])}
    block = findings["psi"]
    assert block["level"] == "error" and block["table"] == "drift"
    assert block["description"] == (
        "drift: model churn version 1, as of 2026-10-31, feature monthly_charges: psi 0.2528 above the block "
        "threshold 0.25 (blocked: promote a better version, or override the model's threshold in var "
        "sqlscore_drift_thresholds)"
    )
    assert {k: block[k] for k in DRIFT_FIELDS} == {
        "model": "churn",
        "version": 1,
        "as_of": "2026-10-31",
        "segment_by": "all",
        "segment": "all",
        "feature": "monthly_charges",
        "metric": "psi",
        "value": 0.2528,
        "threshold": 0.25,
    }
    assert findings["auc_drop (realised)"]["description"].endswith(
        "segment region = south, score: auc_drop (realised) 0.3100 above the block threshold 0.1 "
        "(warns only: a segment)"
    )
    assert findings["auc_drop (estimated)"]["description"] == (
        "drift: model risk version 2, as of 2026-10-31, score: auc_drop (estimated) 0.0700 above the warn "
        "threshold 0.05"
    )


def test_the_report_step_writes_beside_the_warehouse_and_prints_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()  # no monitoring table yet: the page says so
    timings: dict[str, float] = {}
    assert _write_monitoring_report(warehouse, timings) is None
    page = tmp_path / "monitoring_report.html"
    assert "<html" in page.read_text().lower()
    assert f"Monitoring report: {page}" in capsys.readouterr().out
    assert "report" in timings


def test_a_report_that_cannot_be_written_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(b"not a database")
    timings: dict[str, float] = {}
    warning = _write_monitoring_report(warehouse, timings)
    assert warning is not None
    assert warning.startswith(
        f"the monitoring report {tmp_path / 'monitoring_report.html'} could not be written"
    )
    assert not (tmp_path / "monitoring_report.html").exists()
