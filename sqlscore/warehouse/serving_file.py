"""Reading the serving file from a process that stays up (a BI server, ``sqlscore serve``).

Each publish renames a new serving file over the old one. A process that keeps
a connection open keeps reading the old file (the one it opened, now unlinked),
and DuckDB keeps one database instance per path per process: while *any*
connection to that path is open here, even a new ``duckdb.connect(path,
read_only=True)`` is handed the old instance. So a long-lived reader must notice
the rename and close everything it holds on the path before it reopens.

:class:`ServingReader` does that with one ``os.stat`` per use (inode, size and
modification time; a rename gives a new inode), so the check costs microseconds
and a reader sees a publish at its next query.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import duckdb

from sqlscore.warehouse.database import open_warehouse


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


class ServingReader:
    """A read-only connection to the serving file that follows every publish.

    Use :meth:`connection` for each query (or batch of queries) instead of keeping a
    connection: it returns the open one while the file is unchanged and a fresh one
    after a publish replaced it. Thread-safe; cursors for threads come from
    ``reader.connection().cursor()``.
    """

    def __init__(self, path: Path | str, config: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self._config = config
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened: tuple[int, int, int, int] | None = None
        self.reopened = 0  # how many times a publish made this reader reopen the file

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The connection to the current serving file, reopened when a publish replaced it."""
        with self._lock:
            current = _identity(self.path)
            if self._con is not None and current == self._opened:
                return self._con
            if self._con is not None:
                self._con.close()  # the last connection to the path: DuckDB drops the old instance
                self._con = None
                self.reopened += 1
            self._con = open_warehouse(self.path, read_only=True, config=self._config)
            self._opened = current
            return self._con

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def __enter__(self) -> ServingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
