"""One ``sqlscore run`` per warehouse at a time: an OS file lock beside the warehouse.

DuckDB's own file lock is not enough: a run opens and closes the warehouse
several times (dbt, the gate's child process, the publish), and between two of
those opens another run could slip in, mark the first one ``interrupted`` and
build over its candidates. The run lock is taken before anything else and held
to the end. It is an ``flock`` on ``<warehouse>.run.lock``, so the kernel drops
it the moment its process dies (``kill -9`` included): a lock can never be left
behind, and a run that finds ``running`` rows while holding it knows their
processes are gone. The file holds the holder's PID, to name it to the next one.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlscore.errors import RunLockedError

LOCK_SUFFIX = ".run.lock"


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + LOCK_SUFFIX)


@contextmanager
def run_lock(warehouse: Path) -> Iterator[Path]:
    """Hold the run lock of ``warehouse`` for the block; raise at once if another run holds it."""
    path = lock_path(warehouse)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 64, 0).decode(errors="replace").strip() or "unknown"
            raise RunLockedError(
                f"another sqlscore run (pid {holder}) is running on {warehouse} (it holds {path}); "
                "this run did nothing. Wait for it to end, or stop that process."
            ) from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(handle)  # closing the descriptor releases the lock
