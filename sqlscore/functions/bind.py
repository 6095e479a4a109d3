"""``bind()``: make every declared model function callable on a DuckDB connection, and say so.

The one sequence behind ``sqlscore.connect`` and the dbt plugin: refresh the
registry mirror (``ml_models``), read the declarations, register each function
(and ``sqlscore_score_relation``, the relation path dbt's ``predict()`` calls), then
record what is bound to what (``ml_functions``, and the bound versions' training profiles
in ``ml_input_profiles``, which dbt's input checks read).
A function that cannot be registered is left out with its reason printed and
recorded; the others work. A bound version without an input profile is registered, with a
warning naming it and the command that backfills one.
"""

from __future__ import annotations

import os
import sys

import duckdb

from sqlscore.functions import RegistrationReport, load_declarations, register_functions
from sqlscore.functions.registration import database_key
from sqlscore.functions.relation_function import register_relation_function
from sqlscore.registry import Registry
from sqlscore.registry.store import missing_profile_message
from sqlscore.warehouse.ml_functions import write_function_catalog
from sqlscore.warehouse.ml_models import refresh_catalog


def bind(
    con: duckdb.DuckDBPyConnection,
    registry: Registry,
    *,
    udfs: str | os.PathLike[str] | None = None,
    engine: str | None = None,
    read_only: bool = False,
    generated: str | os.PathLike[str] | None = None,
) -> RegistrationReport:
    """Register every declared function on ``con``; write the catalog tables unless ``read_only``."""
    if not read_only:
        refresh_catalog(con, registry)
    report = register_functions(con, registry, load_declarations(registry, udfs, engine), generated)
    register_relation_function(con, registry, database_key(con))
    if not read_only:
        write_function_catalog(con, report.bindings, report.failed, report.profiles, report.engines)
    for reason in report.failed.values():
        print(f"sqlscore: {reason}", file=sys.stderr)
    cards = {card.ref: card for _, card in report.bindings}
    for ref, profile in report.profiles.items():
        if profile is None and ref in cards:
            print(f"sqlscore: warning: {missing_profile_message(cards[ref])}", file=sys.stderr)
    return report
