"""The sqlscore plugin for dbt-duckdb: makes every registered model callable in dbt SQL.

Declared in ``profiles.yml`` (``plugins: [{module: sqlscore.dbt_plugin}]``).
It stays thin on purpose: ``configure_connection`` delegates to the same
registration the CLI and ``sqlscore.connect`` use. Functions live per DuckDB
database instance, so the cursors dbt opens for its threads see them too.
"""

from __future__ import annotations

import sys
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from sqlscore.catalog import refresh_catalog, write_function_catalog
from sqlscore.functions import load_declarations, register_functions
from sqlscore.registry import Registry


class Plugin(BasePlugin):
    """Config keys (all optional): ``registry``, ``udfs``, ``engine``."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._registry = Registry(plugin_config.get("registry"))
        self._udfs = plugin_config.get("udfs")
        self._engine = plugin_config.get("engine")

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        refresh_catalog(conn, self._registry)
        declarations = load_declarations(self._registry, self._udfs, self._engine)
        report = register_functions(conn, self._registry, declarations, self._udfs)
        write_function_catalog(conn, report.bindings, report.failed)
        for reason in report.failed.values():
            print(f"sqlscore: {reason}", file=sys.stderr)
