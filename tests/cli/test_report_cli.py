"""``sqlscore report`` as a real process, its page opened in real headless Chromium with every host
unresolvable: no console error, every chart drawn, a screenshot kept as the test's artifact."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import duckdb

from tests.conftest import SQLSCORE
from tests.monitoring import warehouse
from tests.monitoring.browser import visit

CHARTS = ("heatmap", "score-distribution", "auc", "calibration", "champion-challenger")
#: per chart: how many marks (cells, bars, points, lines) it holds, read from the live DOM
MARKS = """
Object.fromEntries(Array.from(document.querySelectorAll('svg[data-chart]')).map(svg => [
  svg.dataset.chart,
  {marks: svg.querySelectorAll('rect, circle, polyline, line').length,
   width: svg.getBoundingClientRect().width, height: svg.getBoundingClientRect().height}]))
"""


def _report(tmp_path: Path, path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path / "report" / "monitoring.html"
    result = subprocess.run(
        [SQLSCORE, "report", "--warehouse", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result, out


def test_report_opens_offline_with_every_chart_drawn(tmp_path: Path) -> None:
    result, out = _report(tmp_path, warehouse.build(tmp_path / "w.duckdb"))
    assert result.returncode == 0, result.stderr
    assert f"monitoring report written to {out} (models: churn)" in result.stdout
    html = out.read_text()
    # self-contained: nothing to fetch, nothing to run
    assert re.findall(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//', html) == []
    assert "<script" not in html and "<link" not in html and "@import" not in html and "url(" not in html

    page = visit(out, tmp_path / "chromium-profile", expression=MARKS, screenshot=tmp_path / "report.png")
    print(f"\nscreenshot of the report: {page.screenshot}")
    assert page.errors == []
    drawn = page.evaluated
    assert set(drawn) == set(CHARTS), drawn
    for chart in CHARTS:
        assert drawn[chart]["marks"] > 0 and drawn[chart]["width"] > 100 and drawn[chart]["height"] > 100, (
            chart
        )
    assert page.screenshot is not None and page.screenshot.stat().st_size > 20_000


def test_missing_and_empty_tables_are_said_in_the_page(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    with duckdb.connect(str(empty)) as con:
        con.execute("create table t as select 1 as x")
    result, out = _report(tmp_path, empty)
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    for table in warehouse.SCHEMA_TABLES:
        assert f"monitoring.{table} does not exist in this warehouse" in html
    assert "nothing monitored yet" in html

    with duckdb.connect(str(empty)) as con:
        con.execute(warehouse.SCHEMA)  # the tables, no rows
    result, out = _report(tmp_path, empty)
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    for table in warehouse.SCHEMA_TABLES:
        assert f"monitoring.{table} is empty" in html
    assert "note: monitoring.feature_drift is empty" in result.stdout


def test_no_warehouse_is_an_error(tmp_path: Path) -> None:
    result, out = _report(tmp_path, tmp_path / "nowhere.duckdb")
    assert result.returncode == 2
    assert "no warehouse at" in result.stderr and not out.exists()
