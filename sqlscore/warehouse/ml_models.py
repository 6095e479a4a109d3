"""The registry as a warehouse table, ``ml_models``, so analysts can see in SQL
which model version scored what (join on ``model_name``/``model_version``).

It is rebuilt from the registry files, in one transaction, whenever the
registry changes through sqlscore and whenever sqlscore opens the warehouse
for writing; the files stay the source of truth.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from sqlscore.registry import CHAMPION, Registry
from sqlscore.warehouse.database import open_warehouse
from sqlscore.warehouse.row_marker import holds_rows, mark_rows, rows_marker

CATALOG_TABLE = "ml_models"

_DDL = f"""
create or replace table {CATALOG_TABLE} (
    model_name varchar not null,
    model_version integer not null,
    aliases varchar[] not null,
    is_champion boolean not null,
    created_at timestamptz not null,
    task varchar not null,
    estimator varchar,
    description varchar,
    feature_names varchar[] not null,
    feature_sql_types varchar[] not null,
    sha256 varchar not null,
    parity_max_abs_diff double,
    parity_label_agreement double,
    training_rows bigint,
    training_metrics json,
    sklearn_version varchar,
    skl2onnx_version varchar,
    onnx_opset json,
    card json not null,
    refreshed_at timestamptz not null default now(),
    primary key (model_name, model_version)
)
"""


def refresh_catalog(con: duckdb.DuckDBPyConnection, registry: Registry) -> int:
    """Rebuild ``ml_models`` from the registry in one transaction; return its row count."""
    rows = []
    scanned = registry.scan()  # broken models are left out; `sqlscore models verify` names them
    for name, cards in scanned.cards.items():
        aliases = scanned.aliases[name]
        for card in cards:
            held = sorted(a for a, v in aliases.items() if v == card.version)
            rows.append(
                (
                    card.name,
                    int(card.version),
                    held,
                    CHAMPION in held,
                    card.created_at,
                    card.task,
                    card.estimator,
                    card.description,
                    card.feature_names,
                    [f.sql_type for f in card.features],
                    card.sha256,
                    card.parity.get("max_abs_diff"),
                    card.parity.get("label_agreement"),
                    card.training_data.get("rows"),
                    json.dumps(card.training_metrics),
                    card.versions.get("scikit-learn"),
                    card.versions.get("skl2onnx"),
                    json.dumps(card.versions.get("opset")),
                    card.to_json(),
                )
            )
    marker = rows_marker(rows)
    if holds_rows(con, marker, {CATALOG_TABLE: len(rows)}):
        return len(rows)
    con.execute("begin transaction")
    try:
        con.execute(_DDL)
        if rows:
            con.executemany(
                f"insert into {CATALOG_TABLE} values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                rows,
            )
        mark_rows(con, marker, [CATALOG_TABLE])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(rows)


def refresh_catalog_file(warehouse: Path, registry: Registry) -> int:
    """Open the warehouse file, refresh ``ml_models`` and close it again."""
    with open_warehouse(warehouse) as con:
        return refresh_catalog(con, registry)
