"""Every setting sqlscore reads from the environment, the defaults, and the exit codes.

One module so that a newcomer (and the README, whose settings table a test checks
against :data:`SETTINGS`) finds all of them in one place. Settings are read when
a command starts and then passed as parameters: no other module reads
``os.environ`` for a ``SQLSCORE_*`` variable.

An explicit argument (a CLI option, a function parameter) always wins over the
environment, and the environment over the default. Relative paths are taken
from the current directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """What every ``sqlscore`` command returns; schedulers branch on it."""

    #: done (for ``run``: published)
    OK = 0
    #: the command ran and said no: the gate or the drift check blocked the run, ``models
    #: verify`` found a problem
    BLOCKED = 1
    #: the command could not do its job (bad input, missing file, unexpected failure)
    ERROR = 2


#: The as-of date a run scores when none is given: the last complete month of the demo data.
DEFAULT_AS_OF = "2026-10-31"


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, its default value, and what it sets.

    ``default`` None means the value is computed where it is used (``shown`` says how).
    """

    env: str
    default: str | None
    doc: str
    shown: str = ""

    def read(self, explicit: str | os.PathLike[str] | None = None) -> str | None:
        """The explicit value, else the environment's, else the default."""
        if explicit is not None and str(explicit) != "":
            return str(explicit)
        return os.environ.get(self.env) or self.default


CHECKOUT_DEFAULT = "`./{}` if it exists, else the checkout's"

WAREHOUSE = Setting("SQLSCORE_WAREHOUSE", "warehouse.duckdb", "the DuckDB file")
REGISTRY = Setting("SQLSCORE_REGISTRY", "models_onnx", "the model registry folder")
UDFS = Setting("SQLSCORE_UDFS", None, "the folder holding `functions.yml`", CHECKOUT_DEFAULT.format("udfs"))
EXPECTATIONS = Setting(
    "SQLSCORE_EXPECTATIONS", None, "the gate's suites", CHECKOUT_DEFAULT.format("expectations")
)
DBT_PROJECT = Setting(
    "SQLSCORE_DBT_PROJECT", None, "the dbt project `run` builds", CHECKOUT_DEFAULT.format("dbt_project")
)
PROFILES_DIR = Setting(
    "SQLSCORE_PROFILES_DIR", None, "the folder of `profiles.yml`", "the dbt project's parent folder"
)
SERVING = Setting(
    "SQLSCORE_SERVING", None, "the read-only copy other processes read", "`<warehouse>_serving.duckdb`"
)
AS_OF = Setting("SQLSCORE_AS_OF", DEFAULT_AS_OF, "as-of date of `sqlscore run` when `--as-of` is not given")
MEMORY_LIMIT = Setting(
    "SQLSCORE_MEMORY_LIMIT",
    None,
    "DuckDB `memory_limit` of `sqlscore.connect()`, `sql`, `shell` and every connection of `run` "
    "(dbt's, the gate's, its own)",
    "DuckDB's default",
)
ORBITAL_PYTHON = Setting(
    "SQLSCORE_ORBITAL_PYTHON", None, "the Python that has orbital, for `sqlscore bench`", "`.venv-orbital`"
)
PAUSE_AT = Setting(
    "SQLSCORE_PAUSE_AT", None, "fault tests only: `STEP:SECONDS` pauses `run` at a step", "no pause"
)
PARITY_ROWS = Setting("SQLSCORE_PARITY_ROWS", "25000", "test suite only: rows per compiler parity case")
SERVE_MAX_ROWS = Setting(
    "SQLSCORE_SERVE_MAX_ROWS", "1000", "`sqlscore serve`: most rows in one predict request (413 past it)"
)
SERVE_MAX_BODY_BYTES = Setting(
    "SQLSCORE_SERVE_MAX_BODY_BYTES",
    "4194304",
    "`sqlscore serve`: largest request body in bytes (413 past it, before it is parsed)",
)
SERVE_MAX_AGE_DAYS = Setting(
    "SQLSCORE_SERVE_MAX_AGE_DAYS",
    None,
    "`sqlscore serve`: a batch score whose as-of date is older is scored live when features are sent",
    "no limit",
)
SERVE_TOKEN = Setting(
    "SQLSCORE_SERVE_TOKEN", None, "`sqlscore serve`: bearer token the /v1 endpoints require", "none"
)
SPARK_MASTER = Setting(
    "SQLSCORE_SPARK_MASTER",
    "local[2]",
    "`--target spark`: the Spark master (`local[N]`, or a cluster's `spark://HOST:PORT`)",
)
SPARK_WAREHOUSE = Setting(
    "SQLSCORE_SPARK_WAREHOUSE",
    None,
    "`--target spark`: the Spark warehouse folder (tables as Parquet, the metastore)",
    "`build/spark/` beside the DuckDB warehouse",
)
SPARK_KEEP_VERSIONS = Setting(
    "SQLSCORE_SPARK_KEEP_VERSIONS",
    "3",
    "`--target spark`: versions of each published table kept behind its `published` view",
)

#: Every setting, in the order the README's table lists them.
SETTINGS: tuple[Setting, ...] = (
    WAREHOUSE,
    REGISTRY,
    UDFS,
    EXPECTATIONS,
    DBT_PROJECT,
    PROFILES_DIR,
    SERVING,
    AS_OF,
    MEMORY_LIMIT,
    ORBITAL_PYTHON,
    PAUSE_AT,
    PARITY_ROWS,
    SERVE_MAX_ROWS,
    SERVE_MAX_BODY_BYTES,
    SERVE_MAX_AGE_DAYS,
    SERVE_TOKEN,
    SPARK_MASTER,
    SPARK_WAREHOUSE,
    SPARK_KEEP_VERSIONS,
)

#: The checkout sqlscore is installed from (``pip install -e .``): its udfs/, expectations/
#: and dbt_project/ are the defaults when the current directory has none.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def warehouse_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The DuckDB warehouse file."""
    return Path(str(WAREHOUSE.read(explicit)))


def registry_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The registry folder."""
    return Path(str(REGISTRY.read(explicit)))


def project_folder(name: str, setting: Setting, explicit: str | os.PathLike[str] | None = None) -> Path:
    """A project folder: explicit, else the setting, else ./name if it exists, else the checkout's."""
    chosen = setting.read(explicit)
    if chosen:
        return Path(chosen)
    local = Path(name)
    return local if local.is_dir() else PROJECT_ROOT / name


def serving_path(warehouse: Path, explicit: str | os.PathLike[str] | None = None) -> Path:
    """The serving file: explicit, else ``SQLSCORE_SERVING``, else ``<warehouse>_serving.duckdb``."""
    chosen = SERVING.read(explicit)
    return Path(chosen) if chosen else warehouse.with_name(f"{warehouse.stem}_serving.duckdb")


def spark_warehouse_path(warehouse: Path, explicit: str | os.PathLike[str] | None = None) -> Path:
    """The Spark warehouse folder: explicit, else ``SQLSCORE_SPARK_WAREHOUSE``, else ``build/spark``
    beside the DuckDB warehouse (the demo data and the DuckDB scores it is compared with live there)."""
    chosen = SPARK_WAREHOUSE.read(explicit)
    return Path(chosen) if chosen else warehouse.parent / "build" / "spark"


def as_of_date(explicit: str | None = None) -> str:
    """The as-of date text (unchecked; :func:`sqlscore.pipeline.steps.parse_as_of` validates it).

    An explicit empty string is kept, so that ``--as-of ""`` is refused rather than defaulted.
    """
    return explicit if explicit is not None else str(AS_OF.read())


def settings_table() -> str:
    """The README's settings table (markdown), generated from :data:`SETTINGS`."""
    lines = ["| variable | default | what it sets |", "|---|---|---|"]
    for setting in SETTINGS:
        default = setting.shown or f"`{setting.default}`"
        lines.append(f"| `{setting.env}` | {default} | {setting.doc} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m sqlscore.settings: print the README's table
    print(settings_table())
