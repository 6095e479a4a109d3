"""Registration time in a new process: cold (nothing cached beside the versions) and cached.

Every ``sqlscore sql``, dbt invocation and serving worker registers the functions in a process of
its own, so that is what is timed: a fresh interpreter first imports the libraries the functions
run on (DuckDB, and onnxruntime, numpy and pyarrow, which the demo's onnxruntime functions need
to score at all: timed apart as ``import_seconds``), then ``import sqlscore`` and
``sqlscore.connect`` on a copy of the benchmark's registry holding the demo models and the plain
model, timed together as ``register_seconds`` (sqlscore's own imports count: the compiler's
sqlglot and onnx are what a cached registration must not load). ``cold`` starts from a copy
without any ``compiled/`` folder (so every function is compiled and engine auto probes every
model); ``cached`` is the next process on the same copy. The processes may write Python's
bytecode cache (as any installed package has one), whatever ``PYTHONDONTWRITEBYTECODE`` says.

Usage (internal): ``python -m sqlscore.tools.bench.registration FOLDER cold|cached`` prints
``{"import_seconds": ..., "register_seconds": ..., "functions": N, "heavy_modules": [...]}`` on
its last line (``heavy_modules``: the compiler, sqlglot, onnx, skl2onnx or sklearn if imported).
"""

from __future__ import annotations

import json
import os
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
                env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
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
            "engines": each[0]["engines"],
            "heavy_modules": sorted({m for r in each for m in r["heavy_modules"]}),
        }
        for mode, each in runs.items()
    }


#: Modules a registration from the compile cache has no use for (the compiler and what it loads,
#: the exporter's converters).
HEAVY_MODULES = ("sqlscore.compiler.compiled", "sqlglot", "onnx", "skl2onnx", "sklearn")


def main() -> None:
    folder, mode = Path(sys.argv[1]), sys.argv[2]
    start = time.perf_counter()
    import duckdb  # noqa: F401 - the runtimes, timed apart
    import numpy  # noqa: F401
    import onnxruntime  # noqa: F401
    import pyarrow  # noqa: F401

    runtimes = time.perf_counter() - start
    root = folder / "registration"
    start = time.perf_counter()
    import sqlscore

    con = sqlscore.connect(root / "registration.duckdb", registry=root / "models_onnx", udfs=root / "udfs")
    registered = time.perf_counter() - start
    report = sqlscore.registration_report(con)
    con.close()
    if report.failed:
        raise SqlscoreError(f"registration ({mode}) left functions out: {report.failed}")
    engines = {declaration.name: declaration.engine for declaration, _ in report.bindings}
    print(
        json.dumps(
            {
                "import_seconds": runtimes,
                "register_seconds": registered,
                "functions": len(report.registered),
                "engines": engines,
                "heavy_modules": [m for m in HEAVY_MODULES if m in sys.modules],
            }
        )
    )


if __name__ == "__main__":
    main()
