"""Where the warehouse and the registry live.

Both come from the environment so that dbt, the CLI, tests and schedulers all
agree without passing paths around: ``SQLSCORE_WAREHOUSE`` (default
``warehouse.duckdb``) and ``SQLSCORE_REGISTRY`` (default ``models_onnx``),
relative paths being taken from the current directory.
"""

from __future__ import annotations

import os
from pathlib import Path

WAREHOUSE_ENV = "SQLSCORE_WAREHOUSE"
REGISTRY_ENV = "SQLSCORE_REGISTRY"
DEFAULT_WAREHOUSE = "warehouse.duckdb"
DEFAULT_REGISTRY = "models_onnx"


def warehouse_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The DuckDB warehouse file: the explicit argument, else the environment, else the default."""
    return Path(explicit or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)


#: The checkout sqlscore is installed from (``pip install -e .``): its udfs/, expectations/
#: and dbt_project/ are the defaults when the current directory has none.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def project_folder(name: str, env: str, explicit: str | os.PathLike[str] | None = None) -> Path:
    """A project folder: explicit, else $env, else ./name if it exists, else the checkout's."""
    chosen = explicit or os.environ.get(env)
    if chosen:
        return Path(chosen)
    local = Path(name)
    return local if local.is_dir() else PROJECT_ROOT / name


def registry_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The registry folder: the explicit argument, else the environment, else the default."""
    return Path(explicit or os.environ.get(REGISTRY_ENV) or DEFAULT_REGISTRY)
