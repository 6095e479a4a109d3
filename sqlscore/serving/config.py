"""What one ``sqlscore serve`` process needs, read once from :mod:`sqlscore.settings`.

uvicorn starts each worker by importing an application factory, so the CLI cannot hand the
workers Python objects: it exports its resolved options as ``SQLSCORE_*`` variables and every
worker builds the same :class:`ServeConfig` from them here (the settings module stays the one
place that reads the environment).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlscore.errors import ConfigError
from sqlscore.settings import (
    SERVE_MAX_AGE_DAYS,
    SERVE_MAX_BODY_BYTES,
    SERVE_MAX_ROWS,
    SERVE_TOKEN,
    registry_path,
    serving_path,
    warehouse_path,
)


@dataclass(frozen=True)
class ServeConfig:
    """The registry and serving file a service reads, and its request limits."""

    registry: Path
    serving: Path
    udfs: Path | None = None
    max_rows: int = 1000
    #: a request body over this many bytes is refused (413) before it is parsed
    max_body_bytes: int = 4 * 1024 * 1024
    #: a batch score whose as-of date is more days old than this is replaced by a live score when
    #: the request carries the entity's features; None: batch scores never expire
    max_age_days: int | None = None
    token: str | None = None

    @classmethod
    def from_settings(cls) -> ServeConfig:
        """The configuration every worker process rebuilds from the environment the CLI set."""
        warehouse = warehouse_path()
        return cls(
            registry=registry_path(),
            serving=serving_path(warehouse),
            max_rows=_positive_int(SERVE_MAX_ROWS.env, SERVE_MAX_ROWS.read()) or 1000,
            max_body_bytes=_positive_int(SERVE_MAX_BODY_BYTES.env, SERVE_MAX_BODY_BYTES.read())
            or 4 * 1024 * 1024,
            max_age_days=_positive_int(SERVE_MAX_AGE_DAYS.env, SERVE_MAX_AGE_DAYS.read(), allow_zero=True),
            token=SERVE_TOKEN.read(),
        )


def _positive_int(name: str, text: str | None, allow_zero: bool = False) -> int | None:
    if text is None or text == "":
        return None
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not a whole number") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{name}={text!r} must be {'0 or more' if allow_zero else 'at least 1'}")
    return value
