"""Child process of the gate: ``python -m sqlscore.gate.child REQUEST.json``, or ``--wait``,
or a fork of the run (:mod:`sqlscore.gate.fork`) that calls :func:`main` as ``--wait``.

Runs Great Expectations, writes the verdicts (or the error) where the request
says, then leaves with ``os._exit`` so the interpreter's finalization, where
DuckDB's bindings would report false leaks, never runs (see
:mod:`sqlscore.gate.validate`).

With ``--wait`` it imports Great Expectations first (3.5 to 4 s of CPU here) and then reads
the request's path from its standard input: ``sqlscore run`` starts it so while
dbt builds. An empty input ends it; a run that ends before its gate kills it instead
(:meth:`sqlscore.gate.validate.GateProcess.close`), without waiting for the import.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import TextIO

from sqlscore.errors import GateError, SqlscoreError
from sqlscore.gate.gx_run import validate_in_this_process
from sqlscore.gate.validate import error_as_json, verdicts_as_json

#: the gate's process name (``ps -o comm``, /proc/PID/comm): a forked gate's command line is
#: the run's, so the name is what tells it apart
PROCESS_NAME = b"sqlscore-gate"


def die_with_parent() -> None:
    """Ask Linux to kill this process when the run that started it dies (``kill -9`` included),
    and name it :data:`PROCESS_NAME`.

    Otherwise a killed run's gate would go on holding the warehouse open for a while, and the
    next run would find it "in use by another process". Elsewhere this is a no-op.
    """
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig, pr_set_name = 1, 15
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        libc.prctl(pr_set_name, ctypes.c_char_p(PROCESS_NAME))


def hide_pyspark() -> None:
    """Keep Great Expectations from importing pyspark, which this gate never uses.

    Where the Spark target's dependencies are installed, GX's compatibility layer imports
    pyspark (and pyspark.ml, scipy.sparse) on ``import great_expectations``: a FutureWarning
    about pandas in every run's output and time spent at every gate. A ``None`` entry in
    ``sys.modules`` makes that import fail the way GX expects when pyspark is absent. This
    child validates DuckDB tables only; a gate that validates on Spark must not call this.
    """
    sys.modules.setdefault("pyspark", None)  # type: ignore[arg-type]


def request_path(args: list[str], requests: TextIO) -> Path | None:
    """The request's path: the argument, or with ``--wait`` the first line of ``requests``
    once Great Expectations is imported; None when that input ends empty."""
    if args != ["--wait"]:
        return Path(args[0])
    import great_expectations  # noqa: F401 - the import is the point: done while dbt builds

    line = requests.readline().strip()
    return Path(line) if line else None


def main(args: list[str], requests: TextIO) -> int:
    """Validate one request: ``args`` is ``[REQUEST.json]``, or ``["--wait"]`` to read the
    request's path from ``requests``."""
    die_with_parent()
    hide_pyspark()
    path = request_path(args, requests)
    if path is None:
        return 0
    request = json.loads(path.read_text())
    try:
        verdicts = validate_in_this_process(
            Path(request["warehouse"]),
            list(request["tables"]),
            Path(request["folder"]),
            None if request["docs_dir"] is None else Path(request["docs_dir"]),
            progress_bars=bool(request.get("progress_bars", False)),
            memory_limit=request.get("memory_limit"),
        )
        document = verdicts_as_json(verdicts)
        code = 0
    except SqlscoreError as exc:
        document = error_as_json(exc)
        code = 1
    except Exception as exc:  # anything else (GX cannot even connect, ...) is a gate that could not run
        traceback.print_exc()
        tables = ", ".join(request["tables"])
        document = error_as_json(GateError(f"the gate could not validate {tables}: {exc}"))
        code = 1
    Path(request["answer"]).write_text(json.dumps(document, default=str))
    return code


if __name__ == "__main__":
    exit_code = main(sys.argv[1:], sys.stdin)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
