"""The gate in a child process, so the scheduled run exits cleanly.

With great_expectations and duckdb_engine imported in one process, DuckDB's own
modules outlive interpreter finalization and DuckDB's bindings (nanobind) print
"nanobind: leaked ..." at exit: ``python -c "import duckdb, great_expectations,
duckdb_engine"`` alone shows it, no connection involved. Every ``sqlscore run``
(and so every scheduled job's log) would end with that wall of false alarms. The
child (:mod:`sqlscore.gate.child`) validates, writes the verdicts as JSON and
ends with ``os._exit``, skipping the finalization that reports; the parent never
imports Great Expectations. The child opens the warehouse only after the parent
has closed its connections, and only while the parent waits for it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlscore.errors import ConfigError, GateError
from sqlscore.gate.gx_run import Failure, TableVerdict

#: The request and verdict files live in a scratch folder beside the warehouse under this prefix,
#: so the next run (holding the run lock) can remove the folders that killed runs left.
SCRATCH_PREFIX = ".sqlscore-gate-"

#: The errors the worker may report, re-raised as the same class in the parent.
_ERRORS: dict[str, type[Exception]] = {"ConfigError": ConfigError, "GateError": GateError}


def validate_tables(
    warehouse: Path, tables: list[str], folder: Path, docs_dir: Path | None = None
) -> list[TableVerdict]:
    """Validate ``candidate.<table>`` for each table with ``<folder>/<table>.json`` (in a child)."""
    if not warehouse.parent.is_dir():
        raise GateError(
            f"the gate could not validate {', '.join(tables)}: the folder of the warehouse "
            f"{warehouse} does not exist"
        )
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=warehouse.parent) as scratch:
        request = Path(scratch) / "request.json"
        answer = Path(scratch) / "verdicts.json"
        request.write_text(
            json.dumps(
                {
                    "warehouse": str(warehouse),
                    "tables": tables,
                    "folder": str(folder),
                    "docs_dir": None if docs_dir is None else str(docs_dir),
                    "answer": str(answer),
                    # progress bars only for a person at a terminal, not in a scheduler's log
                    "progress_bars": sys.stderr.isatty(),
                }
            )
        )
        child = subprocess.run(
            [sys.executable, "-m", "sqlscore.gate.child", str(request)],
            stdout=None,  # inherited: whatever the gate prints shows as it did in-process
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if child.stderr:
            sys.stderr.write(child.stderr)
        if not answer.is_file():
            raise GateError(
                f"the gate could not validate {', '.join(tables)}: its process ended with code "
                f"{child.returncode} and no verdicts: {child.stderr.strip()[-2000:]}"
            )
        return verdicts_from_json(json.loads(answer.read_text()))


def remove_scratch(warehouse: Path) -> None:
    """Remove the scratch folders killed runs left beside ``warehouse`` (hold the run lock)."""
    for folder in warehouse.parent.glob(f"{SCRATCH_PREFIX}*"):
        shutil.rmtree(folder, ignore_errors=True)


def verdicts_as_json(verdicts: list[TableVerdict]) -> dict[str, Any]:
    return {"verdicts": [asdict(v) for v in verdicts]}


def error_as_json(error: Exception) -> dict[str, Any]:
    kind = type(error).__name__ if type(error).__name__ in _ERRORS else "GateError"
    return {"error": {"type": kind, "message": str(error)}}


def verdicts_from_json(document: dict[str, Any]) -> list[TableVerdict]:
    if "error" in document:
        raise _ERRORS[document["error"]["type"]](document["error"]["message"])
    return [
        TableVerdict(**{**v, "failures": [Failure(**f) for f in v["failures"]]}) for v in document["verdicts"]
    ]
