"""The report draws what the monitoring tables hold: known rows in, the same figures on the page."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from sqlscore.errors import WarehouseError
from sqlscore.monitoring import charts
from sqlscore.monitoring.report import build_report, render_html, write_report
from tests.monitoring import warehouse


@pytest.fixture
def page(tmp_path: Path) -> str:
    return render_html(build_report(warehouse.build(tmp_path / "w.duckdb")))


def _chart(html: str, kind: str) -> str:
    found = re.findall(rf'<svg data-chart="{kind}".*?</svg>', html, flags=re.S)
    assert len(found) == 1, kind
    return found[0]


def test_heatmap_has_a_cell_per_feature_and_date_coloured_by_status(page: str) -> None:
    svg = _chart(page, "heatmap")
    cells = re.findall(r"<title>([a-z_]+) on (\d{4}-\d\d-\d\d): PSI ([0-9.]+) \((\w+)\)</title>", svg)
    assert len(cells) == len(warehouse.FEATURES) * len(warehouse.DATES)
    charges = [(d, float(p), s) for f, d, p, s in cells if f == "monthly_charges"]
    assert charges == [
        (d, p, "ok" if p < 0.1 else "warn" if p < 0.25 else "drift")
        for d, p in zip(warehouse.DATES, warehouse.CHARGES_PSI, strict=True)
    ]
    # the most drifted feature of the latest date is the first row
    assert svg.index(">monthly_charges<") < svg.index(">tenure_months<")
    assert charts.psi_colour(0.41, "drift") in svg and charts.psi_colour(0.01, "ok") in svg


def test_auc_chart_holds_estimated_realised_and_the_holdout_line(page: str) -> None:
    svg = _chart(page, "auc")
    realised = re.findall(r"<title>v1 realised on [\d-]+: ([0-9.]+)</title>", svg)
    estimated = re.findall(r"<title>v1 estimated on [\d-]+: ([0-9.]+)</title>", svg)
    assert [float(a) for a in realised] == list(warehouse.REALISED_AUC)
    assert len(estimated) == len(warehouse.DATES)  # the last month only estimated: no labels yet
    assert f"v1 hold-out AUC: {warehouse.HOLDOUT_AUC:.3f}" in svg and "v2 hold-out AUC: 0.880" in svg


def test_score_distribution_calibration_challenger_and_segments(page: str) -> None:
    bars = re.findall(r"<title>decile (\d+): ([0-9.]+) of rows</title>", _chart(page, "score-distribution"))
    assert [int(d) for d, _ in bars] == list(range(1, 11))
    assert sum(float(s) for _, s in bars) == pytest.approx(1.0, abs=0.01)
    points = re.findall(
        r"<title>decile \d+: 100 rows, predicted ([0-9.]+), observed ([0-9.]+)</title>",
        _chart(page, "calibration"),
    )
    assert len(points) == 10 and points[-1] == (
        "0.100",
        "0.130",
    )  # the last labelled month (2026-09-30): 0.1 × 1.3
    challenger = _chart(page, "champion-challenger")
    assert challenger.count("<circle") == 4  # two dates, champion and challenger
    # side by side on 2026-09-30: the champion's realised AUC and the challenger's
    row = re.search(
        r"<tr><td class=\"l\">2026-09-30</td><td class=\"\">1</td><td class=\"\">2</td>.*?</tr>", page
    )
    assert row is not None
    assert f">{warehouse.REALISED_AUC[3]:.3f}<" in row.group(
        0
    ) and f">{warehouse.CHALLENGER_AUC:.3f}<" in row.group(0)
    assert "one class only: every label is 0" in page  # a segment's NULL AUC keeps its reason
    assert re.search(r"<td class=\"l\">region</td><td class=\"l\">south</td>", page)


def test_no_challenger_is_said(tmp_path: Path) -> None:
    html = render_html(build_report(warehouse.build(tmp_path / "w.duckdb", challenger=False)))
    assert "no challenger: scoring.churn_shadow_scores has no rows" in html
    assert 'data-chart="champion-challenger"' not in html


def test_names_from_the_warehouse_are_escaped(tmp_path: Path) -> None:
    path = warehouse.build(tmp_path / "w.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute(
            "insert into monitoring.feature_drift values ('churn', 1, '2026-10-31', 'all', 'all', "
            "'<img src=x onerror=alert(1)>', 10, 0, 0.5, 0.1, 'drift', 'r')"
        )
    html = render_html(build_report(path))
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_write_report_replaces_the_page_whole(tmp_path: Path) -> None:
    path = warehouse.build(tmp_path / "w.duckdb")
    out = tmp_path / "out" / "r.html"
    out.parent.mkdir()
    out.write_text("old")
    write_report(path, out)
    assert out.read_text().startswith("<!DOCTYPE html>") and not list(out.parent.glob("*.partial"))


def test_a_warehouse_held_by_a_writer_is_a_clear_error(tmp_path: Path) -> None:
    path = warehouse.build(tmp_path / "w.duckdb")
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('ok', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(WarehouseError, match="a `sqlscore run` may be writing it"):
            build_report(path)
    finally:
        holder.communicate("", timeout=30)


def test_a_table_without_the_contracted_columns_is_named(tmp_path: Path) -> None:
    path = warehouse.build(tmp_path / "w.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("alter table monitoring.feature_drift rename column psi to population_stability")
    report = build_report(path)
    assert report.missing == {
        "feature_drift": "monitoring.feature_drift has no column psi: it is not the monitoring table this "
        "report reads (rebuild it with `sqlscore run`)."
    }
    assert 'data-chart="heatmap"' not in render_html(report) and 'data-chart="auc"' in render_html(report)


def test_the_cell_colour_follows_the_tables_status_not_a_fixed_threshold() -> None:
    # a model whose own warn threshold is 0.15 (dbt var overrides): PSI 0.12 is ok there
    ok, warn, drift = (charts.psi_colour(0.12, status) for status in ("ok", "warn", "drift"))
    assert len({ok, warn, drift}) == 3
    assert (
        charts.psi_colour(0.12, "no_reference")
        == charts.psi_colour(None, "ok")
        == charts.STATUS_COLOURS["no_data"]
    )
