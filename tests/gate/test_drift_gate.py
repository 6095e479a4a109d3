"""The drift gate (``drift_within_thresholds`` on the monitoring tables) in real ``sqlscore run``s.

A copied published site is made to drift by SQL updates of its raw tables: a feature's
population PSI past the block threshold blocks like a failed expectation (exit 1, consumers'
tables and serving file unchanged, candidates quarantined, the record names model, version,
feature, metric, value and threshold); the same drift under a per-model override publishes with
the warning printed and recorded. A realised AUC drop past the block threshold blocks every run
of that version until another version is promoted or the model's threshold is raised (here the
override; the monthly demo promotes a retrained challenger). Five real runs in all.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.gate.conftest import REPO, Published

#: tens of seconds each: scheduled first, so that both test workers finish together
pytestmark = pytest.mark.heavy

#: Half the customers moved to the north: region's PSI 0.3 to 1 against the training profile
#: (every value a training category, so the input checks pass it).
REGION_DRIFT = "update raw.customers set region = 'north' where customer_id % 2 = 0"


def _drift_failures(published: Published) -> list[dict[str, object]]:
    failed = published.sql("select failed_expectations from ops.sqlscore_runs order by started_at desc")[0][0]
    return [f for f in json.loads(failed) if f["table"] == "drift"]


def _project_with_override(folder: Path, override: str) -> Path:
    """A copy of dbt_project/ whose var sqlscore_drift_thresholds has ``models: <override>``."""
    project = folder / "dbt_project"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    config = project / "dbt_project.yml"
    text = config.read_text()
    assert text.count("    models: {}\n") == 1
    config.write_text(text.replace("    models: {}\n", f"    models: {override}\n"))
    return project


def test_a_drifted_batch_is_blocked_and_an_override_makes_it_a_recorded_warning(
    published: Published, tmp_path: Path
) -> None:
    before = published.consumer_view()
    published.execute(REGION_DRIFT)

    result = published.run()
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr[-2000:]
    status, _, quarantined, message = published.last_run()
    assert status == "blocked"
    blocked = r"model churn version 1, as of 2026-10-31, feature region: psi 0\.\d{4} above the block threshold 0\.25"
    assert re.search(blocked, message), message
    assert "drift_within_thresholds_feature_drift_features" in message
    [finding] = [f for f in _drift_failures(published) if f["feature"] == "region"]
    assert finding["model"] == "churn" and finding["version"] == 1 and finding["metric"] == "psi"
    assert finding["threshold"] == 0.25 and 0.3 < float(finding["value"]) < 1.0  # type: ignore[arg-type]
    assert finding["segment_by"] == "all" and finding["as_of"] == "2026-10-31"
    assert json.loads(quarantined), "a blocked run keeps its candidates in quarantine"
    assert published.consumer_view() == before

    # the same drift, churn's PSI block threshold raised for churn only: published, warned, recorded
    report = published.root / "monitoring_report.html"
    report.unlink(missing_ok=True)
    project = _project_with_override(tmp_path, "{churn: {psi: {block: 1.0}}}")
    result = published.run(SQLSCORE_DBT_PROJECT=str(project), SQLSCORE_PROFILES_DIR=str(REPO))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    warned = r"drift: model churn version 1, as of 2026-10-31, feature region: psi 0\.\d{4} above the warn threshold 0\.1"
    assert re.search(warned, result.stdout), result.stdout[-4000:]
    status, failed, _, _ = published.last_run()
    warnings = published.sql("select warnings from ops.sqlscore_runs order by started_at desc")[0][0]
    assert status == "published" and json.loads(failed or "[]") == []
    assert any(re.fullmatch(warned, w) for w in json.loads(warnings)), warnings
    assert published.consumer_view() != before and published.serving_matches_published()

    # the run summary links the monitoring report, written beside the warehouse
    lines = result.stdout.splitlines()
    docs = next(i for i, line in enumerate(lines) if "Data Docs:" in line)
    assert lines[docs + 1].endswith(f"Monitoring report: {report}"), lines[docs : docs + 2]
    page = report.read_text()
    assert "<svg" in page and "region" in page


def test_an_auc_drop_blocks_every_run_until_lifted(published: Published, tmp_path: Path) -> None:
    before = published.consumer_view()
    # the outcomes of the loans turned around (and a few withdrawn, so the labelled count changes
    # and monitoring measures the date again): risk v1 now ranks them backwards
    published.execute(
        "update raw.loan_applications set defaulted = case when application_id % 50 = 0 then null "
        "else not defaulted end where defaulted is not null"
    )
    for attempt in ("first", "next"):
        result = published.run()
        assert result.returncode == 1, (attempt, result.stdout[-4000:] + result.stderr[-2000:])
        status, _, _, message = published.last_run()
        assert status == "blocked"
        for name in ("model risk version 1", "auc_drop (realised)", "block threshold 0.1", "promote"):
            assert name in message, (attempt, name, message)
        [finding] = [f for f in _drift_failures(published) if f["model"] == "risk"]
        assert finding["metric"] == "auc_drop (realised)" and float(finding["value"]) > 0.3  # type: ignore[arg-type]
        assert published.consumer_view() == before, attempt

    # the block is lifted by a better version promoted (the monthly demo does it) or, here, by
    # raising risk's own threshold: the same figure is then a warning, and the run publishes
    project = _project_with_override(tmp_path, "{risk: {auc_drop: {block: 1.0}}}")
    result = published.run(SQLSCORE_DBT_PROJECT=str(project), SQLSCORE_PROFILES_DIR=str(REPO))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    warned = r"drift: model risk version 1, as of 2026-10-31, score: auc_drop \(realised\) 0\.\d{4} above the warn threshold 0\.05"
    assert re.search(warned, result.stdout), result.stdout[-4000:]
    warnings = published.sql("select warnings from ops.sqlscore_runs order by started_at desc")[0][0]
    assert any(re.fullmatch(warned, w) for w in json.loads(warnings)), warnings
    assert published.last_run()[0] == "published" and published.serving_matches_published()
