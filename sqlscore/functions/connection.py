"""``sqlscore.connect``: a DuckDB connection on which every registered model is callable.

It is a plain ``duckdb.DuckDBPyConnection`` (so ``.sql(...).pl()`` gives polars
through Arrow, and every DuckDB client habit works), opened on the warehouse,
with ``ml_models`` refreshed and the declared functions registered. Connections
opened here are closed at interpreter exit if the caller did not, because
DuckDB 2.0 prints "nanobind: leaked ..." for a connection holding Python
functions that is never closed.
"""

from __future__ import annotations

import atexit
import os
import weakref
from typing import Any

import duckdb

from sqlscore.functions.bind import bind
from sqlscore.functions.registration import RegistrationReport
from sqlscore.registry import Registry
from sqlscore.settings import MEMORY_LIMIT, warehouse_path
from sqlscore.warehouse.database import open_warehouse

_OPEN: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()
_REPORTS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, RegistrationReport] = (
    weakref.WeakKeyDictionary()
)


@atexit.register
def _close_all() -> None:
    for con in list(_OPEN):
        try:
            con.close()
        except duckdb.Error:
            pass


def connect(
    database: str | os.PathLike[str] | None = None,
    *,
    registry: str | os.PathLike[str] | Registry | None = None,
    engine: str | None = None,
    udfs: str | os.PathLike[str] | None = None,
    read_only: bool = False,
    config: dict[str, Any] | None = None,
    generated: str | os.PathLike[str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (``SQLSCORE_WAREHOUSE`` by default) with every model callable.

    ``engine`` is the engine of every function whose declaration does not
    name one (``onnx``: onnxruntime inside this process; ``sql``: the model
    compiled to a DuckDB macro stored in the warehouse; ``auto``: the faster of
    the two for each model version, measured once). None keeps ``udfs/functions.yml``'s
    default (``auto``). ``SQLSCORE_MEMORY_LIMIT``
    (for example ``128MB``) sets DuckDB's ``memory_limit`` unless ``config`` does.
    A function whose model is missing or fails its checks is not registered; the
    reason is printed to stderr and kept in :func:`registration_report`, and the
    other functions work. ``generated``: a folder where SQL-engine functions also write
    their SQL for every dialect (for review; nothing is written without it).
    """
    store = registry if isinstance(registry, Registry) else Registry(registry)
    config = dict(config or {})
    # DuckDB's buffer pool keeps the pages of a table being written in memory up to memory_limit
    # (80% of RAM by default), so peak RSS grows with the rows scored. Scoring streams; a small
    # budget keeps memory flat with no loss of speed (measured: 128MB-256MB, same throughput).
    memory_limit = MEMORY_LIMIT.read()
    if memory_limit and "memory_limit" not in config:
        config["memory_limit"] = memory_limit
    if database == ":memory:":
        con = duckdb.connect(":memory:", config=config)
    else:
        con = open_warehouse(warehouse_path(database), read_only=read_only, config=config)
    _OPEN.add(con)
    try:
        report = bind(con, store, udfs=udfs, engine=engine, read_only=read_only, generated=generated)
    except BaseException:
        con.close()
        raise
    _REPORTS[con] = report
    return con


def registration_report(con: duckdb.DuckDBPyConnection) -> RegistrationReport:
    """Which functions :func:`connect` registered on ``con`` and why others were left out."""
    return _REPORTS.get(con, RegistrationReport())
