"""Runs every (model, path) in its own process, side by side, and reports ratios.

Timing covers the scoring only (data already in the warehouse, or already in
memory for the onnxruntime limit), the median of ``repeat`` runs in the same
worker; peak RSS is the worker process's own high water mark (VmHWM), so each
path is charged only for itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlscore.errors import SqlscoreError
from sqlscore.tools.bench.orbital_path import ORBITAL_MODELS, orbital_python
from sqlscore.tools.bench.scoring_paths import PATHS
from sqlscore.tools.bench.workload import BENCH_CUSTOMERS, MODELS, prepare


@dataclass
class Measurement:
    model: str
    path: str
    rows: int
    seconds: float
    rows_per_s: float
    #: raw onnxruntime's median seconds over the seconds of this path, both timed in one process
    ratio_to_onnxruntime: float
    peak_rss_mb: float
    repeats: int
    seconds_each: list[float]
    #: raw onnxruntime's median seconds the ratio divides: timed in this path's process, right
    #: after it (the ``onnxruntime`` row's own seconds for that row)
    onnxruntime_seconds: float


def measure(folder: Path, model: str, path: str, rows: int) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one timed run of one path in a child process."""
    record = measure_record(folder, model, path, rows)
    return float(record["seconds"]), float(record["peak_rss_mb"])


def measure_record(
    folder: Path, model: str, path: str, rows: int, repeat: int = 1, paired: bool = False
) -> dict[str, Any]:
    """The worker's whole result line: seconds, each run's seconds, peak_rss_mb and any step
    timings; ``paired``: raw onnxruntime's too, timed in the same process after the path."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sqlscore.tools.bench.worker",
            str(folder),
            model,
            path,
            str(rows),
            str(repeat),
            *(["paired"] if paired else []),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SqlscoreError(f"benchmark of {model}/{path} failed: {result.stderr.strip()[-2000:]}")
    record: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return record


def run_benchmark(
    folder: Path,
    rows: int,
    models: tuple[str, ...] = MODELS,
    paths: tuple[str, ...] = PATHS,
    progress: bool = True,
    repeat: int = 1,
    customers: int = BENCH_CUSTOMERS,
) -> list[Measurement]:
    """Every (model, path) in its own process, ``repeat`` timed runs each. A path's ratio divides
    raw onnxruntime's median timed in the path's own process, just after it (the worker's
    ``paired``): two timings seconds apart, not minutes."""
    prepare(folder, [rows], customers)
    results: list[Measurement] = []
    for model in models:
        for path in paths:
            if path == "python_batch" and model not in MODELS:
                continue  # the extra models have no sklearn twin to time
            if path == "orbital" and (model not in ORBITAL_MODELS or orbital_python() is None):
                continue  # orbital is an optional extra (make bench-orbital)
            if progress:
                print(f"  {model:<12} {path:<20} {rows:>12,} rows ...", file=sys.stderr, flush=True)
            record = measure_record(folder, model, path, rows, repeat, paired=path != "onnxruntime")
            seconds, rss = float(record["seconds"]), float(record["peak_rss_mb"])
            baseline = float(record.get("onnxruntime_seconds", seconds))
            results.append(
                Measurement(
                    model=model,
                    path=path,
                    rows=rows,
                    seconds=round(seconds, 6),
                    rows_per_s=round(rows / seconds),
                    ratio_to_onnxruntime=round(baseline / seconds, 3),
                    peak_rss_mb=round(rss, 1),
                    repeats=repeat,
                    seconds_each=[round(t, 6) for t in record["each"]],
                    onnxruntime_seconds=round(baseline, 6),
                )
            )
    return results


def memory_scaling(
    folder: Path,
    rows: int,
    factor: int,
    models: tuple[str, ...] = MODELS,
    paths: tuple[str, ...] = ("duckdb_udf", "duckdb_sql", "relation", "auto"),
) -> list[dict[str, object]]:
    """Peak RSS of the DuckDB paths at ``rows`` and ``factor * rows``: flat means ratio near 1."""
    prepare(folder, [rows, rows * factor])
    report = []
    for model in models:
        for path in paths:
            print(
                f"  {model:<9} {path} memory at {rows:,} and {rows * factor:,} rows ...",
                file=sys.stderr,
                flush=True,
            )
            _, small = measure(folder, model, path, rows)
            seconds, large = measure(folder, model, path, rows * factor)
            report.append(
                {
                    "model": model,
                    "path": f"{path}_memory",
                    "rows": rows * factor,
                    "seconds": round(seconds, 3),
                    "rows_per_s": round(rows * factor / seconds),
                    "peak_rss_mb": round(large, 1),
                    "peak_rss_mb_at_base_rows": round(small, 1),
                    "rss_ratio": round(large / small, 3),
                }
            )
    return report


def as_records(results: list[Measurement]) -> list[dict[str, object]]:
    return [asdict(r) for r in results]
