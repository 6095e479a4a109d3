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
``sqlscore run`` starts the child when the run starts (:class:`GateProcess`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from sqlscore.errors import ConfigError, GateError
from sqlscore.gate.fork import ForkedChild, can_fork
from sqlscore.gate.gx_run import Failure, TableVerdict

#: The request and verdict files live in a scratch folder beside the warehouse under this prefix,
#: so the next run (holding the run lock) can remove the folders that killed runs left.
SCRATCH_PREFIX = ".sqlscore-gate-"

#: The errors the worker may report, re-raised as the same class in the parent.
_ERRORS: dict[str, type[Exception]] = {"ConfigError": ConfigError, "GateError": GateError}


class GateProcess:
    """The gate's child, started ahead of the gate so that Great Expectations imports meanwhile.

    Importing Great Expectations takes 3.5 to 4 s of CPU here (``python -c "import
    great_expectations"``: 3.8 s), a third of a small ``sqlscore run``'s; started
    when the run starts (``--wait``), the child spends it while dbt builds, then waits for the
    request on its standard input. Leaving the ``with`` block without validating kills it (see
    :meth:`close`), and a killed run takes it along (:func:`sqlscore.gate.child.die_with_parent`).
    """

    def __init__(self, fork: bool = False) -> None:
        """``fork`` True: the child is a fork of this process (:mod:`sqlscore.gate.fork`) when
        this process has one thread; the caller promises it has no warehouse open."""
        self._stderr = tempfile.TemporaryFile("w+")
        self._process = _start_child(fork, self._stderr)

    @property
    def returncode(self) -> int | None:
        return self._process.poll()

    @property
    def pid(self) -> int:
        return self._process.pid

    def __enter__(self) -> GateProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the child if it was never asked: killed at once, since it holds nothing yet.

        A run blocked before its gate (a failed dbt test, nothing selected) should neither wait
        for Great Expectations to finish importing nor leave it burning a core; the child opens
        the warehouse and writes files only once a request arrives, and after a request
        :meth:`validate` has waited for it to end.
        """
        if self._process.returncode is None:
            self._process.kill()
            self._process.wait()
            if self._process.stdin is not None:
                self._process.stdin.close()
        self._stderr.close()

    def _send(self, line: str) -> None:
        if self._process.stdin is None or self._process.stdin.closed:
            return
        try:
            self._process.stdin.write(line)
            self._process.stdin.close()
        except BrokenPipeError:  # it has ended already: its exit code and stderr say why
            pass

    def validate(
        self,
        warehouse: Path,
        tables: list[str],
        folder: Path,
        docs_dir: Path | None = None,
        memory_limit: str | None = None,
    ) -> list[TableVerdict]:
        """Validate ``candidate.<table>`` for each table with ``<folder>/<table>.json``; once.
        ``memory_limit``: DuckDB's in the child (the run's, as on every connection of the run)."""
        if not warehouse.parent.is_dir():
            raise GateError(
                f"the gate could not validate {', '.join(tables)}: the folder of the warehouse "
                f"{warehouse} does not exist"
            )
        with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=warehouse.parent) as scratch:
            request, answer = Path(scratch) / "request.json", Path(scratch) / "verdicts.json"
            asked = _request(warehouse, tables, folder, docs_dir, answer, memory_limit)
            request.write_text(json.dumps(asked))
            self._send(f"{request}\n")
            code = self._process.wait()
            self._stderr.seek(0)
            stderr = self._stderr.read()
            if stderr:
                sys.stderr.write(stderr)
            if not answer.is_file():
                raise GateError(
                    f"the gate could not validate {', '.join(tables)}: its process ended with code "
                    f"{code} and no verdicts: {stderr.strip()[-2000:]}"
                )
            return verdicts_from_json(json.loads(answer.read_text()))


def _start_child(fork: bool, stderr: IO[str]) -> subprocess.Popen[str] | ForkedChild:
    """A fork when asked and safe (one thread, the fork succeeds), else a new interpreter."""
    if fork and can_fork():
        try:
            return ForkedChild(stderr)
        except OSError:  # out of processes or memory: a new interpreter may still start
            pass
    return subprocess.Popen(
        [sys.executable, "-m", "sqlscore.gate.child", "--wait"],
        stdin=subprocess.PIPE,
        stdout=None,  # inherited: whatever the gate prints shows as it did in-process
        stderr=stderr,
        text=True,
    )


def _request(
    warehouse: Path,
    tables: list[str],
    folder: Path,
    docs_dir: Path | None,
    answer: Path,
    memory_limit: str | None = None,
) -> dict[str, Any]:
    return {
        "warehouse": str(warehouse),
        "memory_limit": memory_limit,
        "tables": tables,
        "folder": str(folder),
        "docs_dir": None if docs_dir is None else str(docs_dir),
        "answer": str(answer),
        # progress bars only for a person at a terminal, not in a scheduler's log
        "progress_bars": sys.stderr.isatty(),
    }


def validate_tables(
    warehouse: Path, tables: list[str], folder: Path, docs_dir: Path | None = None
) -> list[TableVerdict]:
    """Validate ``candidate.<table>`` for each table with ``<folder>/<table>.json`` (in a child)."""
    with GateProcess() as gate:
        return gate.validate(warehouse, tables, folder, docs_dir)


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
