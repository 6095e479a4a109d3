"""The drift gate (``drift_within_thresholds`` on the monitoring tables) in real ``sqlscore run``s.

A copied published site is made to drift by SQL updates of its raw tables: a feature's
population PSI past the block threshold blocks like a failed expectation (exit 1, consumers'
tables and serving file unchanged, candidates quarantined, the record names model, version,
feature, metric, value and threshold); the same drift under a per-model override publishes with
the warning printed and recorded. A realised AUC drop past the block threshold blocks every run
of that version until another version is promoted or the model's threshold is raised (here the
override; the monthly demo promotes a retrained challenger). Both drifts in one site, on
separate models, in three real runs: one run must name both (the three monitoring models are
built one after another, and a drift test declared on an earlier one made dbt skip the later
ones when it failed, so a feature drift hid an AUC drop).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
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


#: The loans' outcomes turned around (and a few withdrawn, so the labelled count changes and
#: monitoring measures the date again): risk v1 now ranks them backwards.
AUC_DROP = (
    "update raw.loan_applications set defaulted = case when application_id % 50 = 0 then null "
    "else not defaulted end where defaulted is not null"
)
#: what the first and the next run's record must say of each model (churn: a drifted feature,
#: risk: a realised AUC drop), and the override's warning line for each
BLOCKED = (
    r"model churn version 1, as of 2026-10-31, feature region: psi 0\.\d{4} above the block threshold 0\.25"
)
WARNED = (
    r"drift: model churn version 1, as of 2026-10-31, feature region: psi 0\.\d{4} above the warn threshold 0\.1",
    r"drift: model risk version 1, as of 2026-10-31, score: auc_drop \(realised\) 0\.\d{4} above the warn threshold 0\.05",
)


def _assert_blocked_by_both(
    published: Published, result: subprocess.CompletedProcess[str], attempt: str
) -> None:
    assert result.returncode == 1, (attempt, result.stdout[-4000:] + result.stderr[-2000:])
    status, _, quarantined, message = published.last_run()
    assert status == "blocked"
    assert re.search(BLOCKED, message), (attempt, message)
    assert "drift_within_thresholds_feature_drift_features" in message
    for name in ("model risk version 1", "auc_drop (realised)", "block threshold 0.1", "promote"):
        assert name in message, (attempt, name, message)
    findings = _drift_failures(published)
    [region] = [f for f in findings if f["feature"] == "region"]
    assert region["model"] == "churn" and region["version"] == 1 and region["metric"] == "psi"
    assert region["threshold"] == 0.25 and 0.3 < float(region["value"]) < 1.0  # type: ignore[arg-type]
    assert region["segment_by"] == "all" and region["as_of"] == "2026-10-31"
    [auc] = [f for f in findings if f["model"] == "risk"]
    assert auc["metric"] == "auc_drop (realised)" and float(auc["value"]) > 0.3  # type: ignore[arg-type]
    assert json.loads(quarantined), "a blocked run keeps its candidates in quarantine"


def test_drift_and_an_auc_drop_block_every_run_until_a_per_model_override_makes_them_warnings(
    published: Published, tmp_path: Path
) -> None:
    """Churn drifts (half the customers moved to the north) and risk's realised AUC drops, two
    models on separate branches of the dbt graph: each run is blocked naming both, the AUC drop
    again on the next run (it blocks every run of that version), and consumers' tables stay as
    they were; raising each model's own block threshold publishes with both warnings printed and
    recorded, and the run summary links the monitoring report."""
    before = published.consumer_view()
    published.execute(REGION_DRIFT, AUC_DROP)
    for attempt in ("first", "next"):
        _assert_blocked_by_both(published, published.run(), attempt)
        assert published.consumer_view() == before, attempt

    report = published.root / "monitoring_report.html"
    report.unlink(missing_ok=True)
    override = "{churn: {psi: {block: 1.0}}, risk: {auc_drop: {block: 1.0}}}"
    project = _project_with_override(tmp_path, override)
    result = published.run(SQLSCORE_DBT_PROJECT=str(project), SQLSCORE_PROFILES_DIR=str(REPO))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    status, failed, _, _ = published.last_run()
    warnings = json.loads(
        published.sql("select warnings from ops.sqlscore_runs order by started_at desc")[0][0]
    )
    assert status == "published" and json.loads(failed or "[]") == []
    for warned in WARNED:
        assert re.search(warned, result.stdout), (warned, result.stdout[-4000:])
        assert any(re.fullmatch(warned, w) for w in warnings), (warned, warnings)
    assert published.consumer_view() != before and published.serving_matches_published()

    # the run summary links the monitoring report, written beside the warehouse
    lines = result.stdout.splitlines()
    docs = next(i for i, line in enumerate(lines) if "Data Docs:" in line)
    assert lines[docs + 1].endswith(f"Monitoring report: {report}"), lines[docs : docs + 2]
    page = report.read_text()
    assert "<svg" in page and "region" in page
