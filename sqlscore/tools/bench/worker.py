"""One measurement in a fresh process, so that peak RSS belongs to one path only.

Usage (internal): ``python -m sqlscore.tools.bench.worker FOLDER MODEL PATH ROWS [REPEAT [paired]]``;
prints ``{"seconds": ..., "peak_rss_mb": ...}`` on the last line of stdout. With
REPEAT > 1 the path is timed that many times in this process and ``seconds`` is
the median (``each`` lists them): one shot on a shared machine can be off by 30%.

``paired``: after the path (and after its peak RSS is read), raw onnxruntime is timed REPEAT
times in this same process (``onnxruntime_seconds``, ``onnxruntime_each``), so that a path's
ratio to onnxruntime compares two timings seconds apart. Timed in processes a minute apart, the
same statement was once 37% slower in one than in the other on this shared machine, more than
the gaps the targets are about.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
from pathlib import Path

# DuckDB imports pandas on a Python function's first call (and the relation path pyarrow): imported
# here, before timing starts, they are not counted as scoring time, as in any long-lived process
# that scores. (This process no longer imports scikit-learn, which used to load them.)
import pandas  # noqa: F401
import pyarrow  # noqa: F401

from sqlscore.settings import MEMORY_LIMIT
from sqlscore.tools.bench.scoring_paths import RUNNERS
from sqlscore.tools.bench.workload import Workload


def peak_rss_mb() -> float:
    """VmHWM of this process: unlike getrusage of a child, it is not inherited from the parent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError("VmHWM not found in /proc/self/status")


def main() -> None:
    folder, model, path, rows = sys.argv[1:5]
    repeat = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    timings: dict[str, float] = {}
    each: list[float] = []
    # the dbt runs take SQLSCORE_MEMORY_LIMIT as `sqlscore run` does (this process is a command of
    # its own, started by `sqlscore bench` with its environment)
    memory_limit = MEMORY_LIMIT.read()
    if path == "scheduled_run":
        from sqlscore.tools.bench.dbt_build import run_scheduled_job

        with contextlib.redirect_stdout(sys.stderr):  # dbt's log stays off the result line
            seconds, timings = run_scheduled_job(
                Path(folder), int(rows), Workload(Path(folder)).registry.root, memory_limit
            )
        each = [seconds]
    elif path in ("dbt_models", "dbt_models_monitoring"):
        from sqlscore.tools.bench.dbt_build import build_models

        with contextlib.redirect_stdout(sys.stderr):
            timings = build_models(
                Path(folder),
                int(rows),
                Workload(Path(folder)).registry.root,
                path == "dbt_models_monitoring",
                memory_limit,
            )
        each = [timings["wall"]]
    else:
        each = [RUNNERS[path](Workload(Path(folder)), model, int(rows)) for _ in range(repeat)]
    record: dict[str, object] = {
        "seconds": statistics.median(each),
        "each": each,
        "peak_rss_mb": peak_rss_mb(),
    }
    if sys.argv[6:7] == ["paired"]:
        baseline = [RUNNERS["onnxruntime"](Workload(Path(folder)), model, int(rows)) for _ in range(repeat)]
        record.update(onnxruntime_seconds=statistics.median(baseline), onnxruntime_each=baseline)
    print(json.dumps({**record, "timings": timings}))


if __name__ == "__main__":
    main()
