"""The sqlscore plugin for dbt-duckdb: makes every registered model callable in dbt SQL.

Declared in ``profiles.yml`` (``plugins: [{module: sqlscore.pipeline.dbt_plugin}]``).
It stays thin on purpose: ``configure_connection`` delegates to :func:`sqlscore.functions.bind.bind`,
the same sequence ``sqlscore.connect`` runs. Functions live per DuckDB
database instance, so the cursors dbt opens for its threads see them too.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from sqlscore.functions.bind import bind
from sqlscore.registry import Registry


class Plugin(BasePlugin):
    """Config keys (all optional): ``registry``, ``udfs``, ``engine``."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._registry = Registry(plugin_config.get("registry"))
        self._udfs = plugin_config.get("udfs")
        self._engine = plugin_config.get("engine")

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        bind(conn, self._registry, udfs=self._udfs, engine=self._engine)
