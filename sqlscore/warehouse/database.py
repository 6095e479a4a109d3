"""Opening the warehouse file, with the real cause in one line when it cannot be opened.

DuckDB reports a missing folder, a lock held by another process and a
read-only location all as an ``IOException`` with a long message; a scheduler
log needs which of them it is, and which process holds the lock.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from sqlscore.errors import ConfigError, WarehouseError

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>\S+) \(PID (?P<pid>\d+)\)")


def open_warehouse(
    path: Path | str, *, read_only: bool = False, config: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` on a file, raising :class:`WarehouseError` with the cause on failure."""
    path = Path(path)
    if not path.parent.is_dir():
        raise WarehouseError(f"the folder of the warehouse {path} does not exist ({path.parent})")
    if read_only and not path.exists():
        raise WarehouseError(f"the warehouse {path} does not exist (nothing has been built there yet)")
    try:
        return duckdb.connect(str(path), read_only=read_only, config=config or {})
    except duckdb.Error as exc:
        raise WarehouseError(explain_open_error(path, exc, read_only)) from exc


def check_memory_limit(value: str | None, source: str) -> str | None:
    """``value`` if DuckDB takes it as a ``memory_limit`` (``2GB``, ``512MB``, ``50%``) or it is
    unset (None, ""; then None), else a :class:`ConfigError` naming ``source`` (the setting it came
    from) before any work starts: dbt would meet it only when it opens its connection, as an error
    about its profile."""
    if not value:
        return None
    try:
        duckdb.connect(":memory:", config={"memory_limit": value}).close()
    except duckdb.Error as exc:
        raise ConfigError(
            f"{source} {value!r} is not a DuckDB memory_limit (for example 2GB, 512MB or 50%): {exc}"
        ) from exc
    return value


def memory_config(memory_limit: str | None) -> dict[str, str]:
    """DuckDB's connection configuration for a ``memory_limit`` (nothing when it is unset), so
    that every connection of a run is opened with the same one."""
    return {"memory_limit": memory_limit} if memory_limit else {}


def explain_open_error(path: Path, exc: BaseException, read_only: bool) -> str:
    text = str(exc)
    holder = _LOCK_HOLDER.search(text)
    if holder:
        return (
            f"the warehouse {path} is in use by another process ({holder['program']}, pid {holder['pid']}); "
            "DuckDB lets one process open a file for writing, and no reader beside it. Readers belong on "
            "the serving file."
        )
    if "Permission denied" in text or "Read-only file system" in text:
        mode = "read" if read_only else "write"
        return f"cannot {mode} the warehouse {path}: {text.splitlines()[0]}"
    return f"cannot open the warehouse {path}: {text.splitlines()[0]}"
