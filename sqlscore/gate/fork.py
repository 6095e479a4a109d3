"""The gate's child as a fork of the run, started before the run opens anything.

A new interpreter (``python -m sqlscore.gate.child``) starts Python, imports sqlscore and duckdb
again, then Great Expectations. A fork of ``sqlscore run`` at its start skips the first two and
inherits whatever the run has imported already; when the run's interpreter has Great
Expectations imported (a warm interpreter forking the run, as the test suite's does), it skips
the third too, the largest part of the gate's cost. The child still behaves as the
``--wait`` child does (:func:`sqlscore.gate.child.main`): it dies with the run, waits for one
request, and ends with ``os._exit``.

A fork is only safe from a process with one thread (a fork copies only the calling thread, so
a lock another thread held stays locked forever in the child) and no warehouse open (the child
would inherit DuckDB's open database instead of opening the file itself). :func:`can_fork`
checks the first; the caller promises the second by forking before it opens anything.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import IO, NoReturn


def can_fork() -> bool:
    """Whether this process may fork its gate: Linux (its /proc tells the thread count), one thread."""
    tasks = Path("/proc/self/task")
    return hasattr(os, "fork") and tasks.is_dir() and len(os.listdir(tasks)) == 1


class ForkedChild:
    """The part of :class:`subprocess.Popen` the gate uses, for a child made by ``os.fork``."""

    def __init__(self, stderr: IO[str]) -> None:
        read_end, write_end = os.pipe()
        sys.stdout.flush()  # what is buffered now would be printed twice, by both processes
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:  # out of processes or memory: the caller starts an interpreter instead
            os.close(read_end)
            os.close(write_end)
            raise
        if pid == 0:
            os.close(write_end)
            _serve(read_end, stderr.fileno())
        os.close(read_end)
        self.pid = pid
        self.stdin: IO[str] | None = os.fdopen(write_end, "w")
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:  # not reaped yet, so the pid is still this child's
            os.kill(self.pid, signal.SIGKILL)


def _serve(request_fd: int, stderr_fd: int) -> NoReturn:
    """The child's whole life: never returns into the run's code, whatever happens."""
    code = 1
    try:
        # the run's handlers (SIGTERM raising KeyboardInterrupt) are the run's: a signal meant
        # for the run ends this child at once, as the run then kills it anyway
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.dup2(stderr_fd, 2)
        # logging as a new interpreter has it: the run's imports may have configured the root
        # logger (snowplow_tracker, which dbt imports, calls logging.basicConfig()), and Great
        # Expectations logs at INFO level ("Created temporary directory ...") into whatever is there
        for handler in logging.root.handlers[:]:
            logging.root.removeHandler(handler)
        from sqlscore.gate.child import main

        with os.fdopen(request_fd, "r") as requests:
            code = main(["--wait"], requests)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
