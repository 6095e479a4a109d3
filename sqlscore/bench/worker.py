"""One measurement in a fresh process, so that peak RSS belongs to one path only.

Usage (internal): ``python -m sqlscore.bench.worker FOLDER MODEL PATH ROWS``;
prints ``{"seconds": ..., "peak_rss_mb": ...}`` on the last line of stdout.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from sqlscore.bench.paths import RUNNERS
from sqlscore.bench.workload import Workload


def peak_rss_mb() -> float:
    """VmHWM of this process: unlike getrusage of a child, it is not inherited from the parent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError("VmHWM not found in /proc/self/status")


def main() -> None:
    folder, model, path, rows = sys.argv[1:5]
    timings: dict[str, float] = {}
    if path == "scheduled_run":
        from sqlscore.bench.dbt_build import run_scheduled_job

        with contextlib.redirect_stdout(sys.stderr):  # dbt's log stays off the result line
            seconds, timings = run_scheduled_job(
                Path(folder), int(rows), Workload(Path(folder)).registry.root
            )
    else:
        seconds = RUNNERS[path](Workload(Path(folder)), model, int(rows))
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "timings": timings}))


if __name__ == "__main__":
    main()
