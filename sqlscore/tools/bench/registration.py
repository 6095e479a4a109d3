"""Registration time in a new process: cold (nothing cached beside the versions) and cached.

Every ``sqlscore sql``, dbt invocation and serving worker registers the functions in a process of
its own, so that is what is timed: a fresh interpreter imports sqlscore (timed apart) and calls
``sqlscore.connect`` on a copy of the benchmark's registry holding the demo models and the plain
model. ``cold`` starts from a copy without any ``compiled/`` folder (so every function is compiled
and engine auto probes every model); ``cached`` is the next process on the same copy.

Usage (internal): ``python -m sqlscore.tools.bench.registration FOLDER cold|cached`` prints
``{"import_seconds": ..., "register_seconds": ..., "functions": N}`` on its last line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

from sqlscore.errors import SqlscoreError

MODES = ("cold", "cached")


def _prepare_copy(folder: Path, models: tuple[str, ...]) -> Path:
    """A fresh copy of ``models`` from the benchmark registry, without their compiled folders."""
    root = folder / "registration"
    shutil.rmtree(root, ignore_errors=True)
    (root / "models_onnx").mkdir(parents=True)
    for model in models:
        shutil.copytree(
            folder / "models_onnx" / model,
            root / "models_onnx" / model,
            ignore=shutil.ignore_patterns("compiled"),
        )
    return root


def measure_registration(folder: Path, models: tuple[str, ...], repeat: int) -> dict[str, dict[str, Any]]:
    """Per mode, the median of ``repeat`` processes (each cold one on a fresh copy)."""
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    for _ in range(repeat):
        _prepare_copy(folder, models)
        for mode in MODES:
            result = subprocess.run(
                [sys.executable, "-m", "sqlscore.tools.bench.registration", str(folder), mode],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise SqlscoreError(f"registration ({mode}) failed: {result.stderr.strip()[-2000:]}")
            runs[mode].append(json.loads(result.stdout.strip().splitlines()[-1]))
    return {
        mode: {
            "import_seconds": round(median(r["import_seconds"] for r in each), 3),
            "register_seconds": round(median(r["register_seconds"] for r in each), 3),
            "register_seconds_each": [round(r["register_seconds"], 3) for r in each],
            "functions": each[0]["functions"],
        }
        for mode, each in runs.items()
    }


def main() -> None:
    folder, mode = Path(sys.argv[1]), sys.argv[2]
    start = time.perf_counter()
    import sqlscore
    from sqlscore.functions.connection import registration_report

    imported = time.perf_counter() - start
    root = folder / "registration"
    start = time.perf_counter()
    con = sqlscore.connect(root / "registration.duckdb", registry=root / "models_onnx", udfs=root / "udfs")
    registered = time.perf_counter() - start
    report = registration_report(con)
    con.close()
    if report.failed:
        raise SqlscoreError(f"registration ({mode}) left functions out: {report.failed}")
    print(
        json.dumps(
            {"import_seconds": imported, "register_seconds": registered, "functions": len(report.registered)}
        )
    )


if __name__ == "__main__":
    main()
