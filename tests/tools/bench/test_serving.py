"""``sqlscore bench --serve`` with tiny durations: the table's structure and positive figures.

Speed is never asserted (shared machine): the test checks that every figure was measured by wrk
against a real server (requests answered, no errors), that the printed table and the JSON hold
the same rows, and that the limits and targets are printed beside them.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SQLSCORE
from tests.gate.conftest import published_source  # noqa: F401  (the session fixture, shared)

SHAPES = [
    "no-op /healthz",
    "predict_churn 1 row",
    "predict_risk 1 row",
    "lookup customer_churn_scores (cached)",
    "predict_churn 1000 rows",
]


def test_bench_serve_prints_figures_beside_the_limits(published_source: Path, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "serve.json"
    result = subprocess.run(
        [
            SQLSCORE,
            "bench",
            "--serve",
            "--serve-seconds",
            "1",
            "--serve-workers",
            "1",
            "--serve-concurrency",
            "2",
            "--json",
            str(out),
        ],
        env={
            **os.environ,
            "SQLSCORE_WAREHOUSE": str(published_source / "warehouse.duckdb"),
            "SQLSCORE_REGISTRY": str(published_source / "models_onnx"),
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("workers  endpoint"))
    assert lines[header].split() == [
        "workers",
        "endpoint",
        "concurrency",
        "req/s",
        "p50",
        "ms",
        "p99",
        "ms",
        "x",
        "no-op",
        "rows/s",
        "errors",
    ]
    printed = [line for line in lines[header + 2 : header + 2 + len(SHAPES)]]
    for line, shape in zip(printed, SHAPES, strict=True):
        assert line.startswith("1") and shape in line, printed

    records = json.loads(out.read_text())
    served = [r for r in records if r["path"] == "serve"]
    assert [r["endpoint"] for r in served] == SHAPES
    assert [r["concurrency"] for r in served] == [2, 2, 2, 2, 1]  # the 1,000-row request at c=1
    for record in served:
        assert record["requests"] > 0 and record["requests_per_s"] > 0 and record["errors"] == 0, record
        assert 0 < record["p50_ms"] <= record["p99_ms"], record
    assert served[0]["ratio_to_noop"] == 1.0 and all(r["ratio_to_noop"] > 0 for r in served[1:4])
    # rows/s is requests/s x rows per request (before requests/s was rounded to 0.1)
    assert served[1]["rows_per_s"] == pytest.approx(served[1]["requests_per_s"], abs=0.1)
    assert served[4]["rows_per_s"] == pytest.approx(served[4]["requests_per_s"] * 1000, abs=100)

    limits = {r["model"]: r for r in records if r["path"] == "serve_in_process"}
    assert set(limits) == {"churn", "risk"} and {r["workers"] for r in limits.values()} == {1}
    assert all(r["p50_ms"] > 0 and r["rows_per_s"] > 0 and r["batch_rows"] == 1000 for r in limits.values())
    assert "in-process limit" in result.stdout and "targets (issue 17):" in result.stdout
    assert "not measured (they need 2 workers and concurrency 8)" in result.stdout
    assert (
        "1000-row requests, 1 worker(s), c=1:" in result.stdout
        and "x in-process onnxruntime" in result.stdout
    )


def test_rounds_combine_into_one_figure() -> None:
    """Interleaved rounds: counts and seconds add up, percentiles are the rounds' median."""
    from sqlscore.tools.bench.serving import Figure, Shape, combine

    shape = Shape("predict_churn 1000 rows", "/v1/predict/predict_churn", rows=1000)
    parts = [
        Figure(2, shape.name, 8, requests, 1.0, float(requests), p50, p99, errors)
        for requests, p50, p99, errors in ((100, 1.0, 9.0, 0), (300, 2.0, 3.0, 1), (200, 5.0, 4.0, 0))
    ]
    figure = combine(shape, parts)
    assert (figure.requests, figure.seconds, figure.requests_per_s, figure.errors) == (600, 3.0, 200.0, 1)
    assert (figure.p50_ms, figure.p99_ms, figure.rows_per_s) == (2.0, 4.0, 200_000.0)
    assert (figure.workers, figure.endpoint, figure.concurrency) == (2, shape.name, 8)
