"""The sqlscore plugin for dbt-duckdb: makes every registered model callable in dbt SQL.

Declared in ``profiles.yml`` (``plugins: [{module: sqlscore.pipeline.dbt_plugin, config: {...}}]``).
It stays thin on purpose: the config is parsed into a typed :class:`SqlscorePluginConfig`
(the way dbt-duckdb's own plugins parse theirs), and ``configure_connection`` delegates to
:func:`sqlscore.functions.bind.bind`, the same sequence ``sqlscore.connect`` runs. Functions
live per DuckDB database instance, so the cursors dbt opens for its threads see them too.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin, PluginConfig
from duckdb import DuckDBPyConnection

from sqlscore.errors import ConfigError
from sqlscore.functions.bind import bind
from sqlscore.registry import Registry


@dataclass
class SqlscorePluginConfig(PluginConfig):
    """The plugin's ``config:`` keys, all optional; an empty string means "not set"."""

    #: the registry folder (default: SQLSCORE_REGISTRY, else models_onnx)
    registry: str | None = None
    #: the folder of functions.yml (default: SQLSCORE_UDFS, else ./udfs or the checkout's)
    udfs: str | None = None
    #: the engine of functions whose declaration names none (``auto``, ``onnx`` or ``sql``; default:
    #: functions.yml's, ``auto``)
    engine: str | None = None
    #: where SQL-engine functions write their SQL (``sqlscore run``: its dbt target folder)
    generated: str | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any], duckdb_settings: Collection[str] = ()) -> SqlscorePluginConfig:
        """Refuse unknown keys by name (a typo must not silently fall back to a default).

        dbt-duckdb hands every plugin the profile's DuckDB ``settings`` (threads, memory_limit...)
        merged under its own ``config``: those keys are DuckDB's, not ours to refuse.
        """
        known = {f.name for f in fields(cls)}
        own = {key: value for key, value in raw.items() if key in known or key not in duckdb_settings}
        unknown = sorted(set(own) - known)
        if unknown:
            raise ConfigError(
                f"sqlscore dbt plugin: unknown config key(s) {', '.join(unknown)} "
                f"(profiles.yml; known: {', '.join(sorted(known))})"
            )
        return cls.from_dict({key: (value or None) for key, value in own.items()})


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.config = SqlscorePluginConfig.parse(plugin_config, getattr(self.creds, "settings", None) or {})
        self.registry = Registry(self.config.registry)

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        bind(
            conn,
            self.registry,
            udfs=self.config.udfs,
            engine=self.config.engine,
            generated=self.config.generated,
        )
