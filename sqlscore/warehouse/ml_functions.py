"""What each SQL function is bound to, as warehouse tables: ``ml_functions`` (function →
model, version, sha256, engine, what engine was asked for and why ``auto`` chose the one it runs,
or the reason it is not registered), ``ml_input_profiles``
(the bound versions' training profiles, which dbt's input checks read) and
``ml_reference_bins`` (the same profiles and the hold-out scores as bins with their reference
shares, which dbt's drift monitoring compares each as-of date with).

Written by :func:`sqlscore.functions.bind.bind` after every registration, so SQL can see which
version a function call runs before it runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from sqlscore.functions.declarations import FunctionDeclaration
from sqlscore.registry import ModelCard
from sqlscore.warehouse.row_marker import holds_rows, mark_rows, rows_marker

FUNCTIONS_TABLE = "ml_functions"

_FUNCTIONS_DDL = f"""
create or replace table {FUNCTIONS_TABLE} (
    function_name varchar primary key,
    model_name varchar,
    model_version integer,
    model_sha256 varchar,
    engine varchar,
    output varchar,
    feature_names varchar[],
    score_decile_edges double[],
    error varchar,                    -- why the function is not registered (NULL when it is)
    registered_at timestamptz not null default now(),
    engine_requested varchar,         -- what the declaration asked for: auto, onnx or sql
    engine_reason varchar             -- why auto runs `engine` (NULL when the engine was named)
)
"""


PROFILES_TABLE = "ml_input_profiles"

_PROFILES_DDL = f"""
create or replace table {PROFILES_TABLE} (
    model_name varchar not null,
    model_version integer not null,
    feature varchar not null,
    kind varchar not null,            -- number or category
    null_rate double not null,        -- share of NULL (numbers: or NaN; categories: or '') in training
    min_value double,                 -- numbers: the training range
    max_value double,
    categories varchar[],             -- categories: every category seen in training
    categories_complete boolean,      -- false when training had too many categories to keep them all
    primary key (model_name, model_version, feature)
)
"""


REFERENCE_BINS_TABLE = "ml_reference_bins"

#: The ``feature`` of the rows that hold the score's bins (its deciles on the hold-out). Input
#: names are identifiers too, so one could in principle be spelt like this; ``kind = 'score'``
#: is what tells the score's rows apart.
SCORE_FEATURE = "__score__"

_REFERENCE_BINS_DDL = f"""
create or replace table {REFERENCE_BINS_TABLE} (
    model_name varchar not null,
    model_version integer not null,
    feature varchar not null,         -- an input column, or '{SCORE_FEATURE}' for the score
    kind varchar not null,            -- number, category or score
    bin integer not null,             -- 1..n in edge order (numbers, score), most frequent first
    lower_edge double,                -- numbers: lower_edge <= v < upper_edge; score: lower_edge < v
    upper_edge double,                --   <= upper_edge; NULL is an open end (-inf, +inf)
    category varchar,                 -- categories: the category; NULL = every category the
                                      --   profile did not keep (only when it kept the top ones)
    reference_share double not null,  -- share of the non-null reference rows in the bin
    primary key (model_name, model_version, feature, bin)
)
"""


def write_function_catalog(
    con: duckdb.DuckDBPyConnection,
    bindings: list[tuple[FunctionDeclaration, ModelCard]],
    failed: dict[str, str] | None = None,
    profiles: dict[str, dict[str, Any] | None] | None = None,
    engines: dict[str, tuple[str, str | None]] | None = None,
) -> None:
    """Record which function calls which model version, for dbt macros and provenance.

    dbt's ``predict()`` macro reads the argument list and the provenance columns
    from here, so SQL never hard-codes a feature order, a version or a sha256. The profiles and
    reference bins are written in the same transaction, so a reader never sees the functions of
    one registration beside the references of another.
    """
    rows: list[tuple[object, ...]] = [
        (
            declaration.name,
            card.name,
            int(card.version),
            card.sha256,
            declaration.engine,
            declaration.output,
            card.feature_names,
            card.score_reference.get("decile_edges"),
            None,
            *(engines or {}).get(declaration.name, (declaration.engine, None)),
        )
        for declaration, card in bindings
    ]
    rows += [
        (name, None, None, None, None, None, None, None, reason, None, None)
        for name, reason in (failed or {}).items()
    ]
    profile_rows = _profile_rows(bindings, profiles or {})
    bin_rows = reference_bin_rows(bindings, profiles or {})
    con.execute("begin transaction")
    try:
        con.execute(_FUNCTIONS_DDL)
        if rows:
            con.executemany(
                f"insert into {FUNCTIONS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?)", rows
            )
        _write_references(con, profile_rows, bin_rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _write_references(
    con: duckdb.DuckDBPyConnection, profile_rows: list[tuple[object, ...]], bin_rows: list[tuple[object, ...]]
) -> None:
    """Rewrite ``ml_input_profiles`` and ``ml_reference_bins`` unless they hold these very rows.

    Inserting a few hundred reference bins row by row took 0.3 s, most of a registration from the
    compile cache, and every process registers the same versions again: so both tables carry a
    comment naming the sha256 of the rows written, and a registration whose rows hash the same
    (and whose tables hold as many rows) leaves them as they are.
    """
    marker = rows_marker([profile_rows, bin_rows])
    if holds_rows(con, marker, {PROFILES_TABLE: len(profile_rows), REFERENCE_BINS_TABLE: len(bin_rows)}):
        return
    con.execute(_PROFILES_DDL)
    if profile_rows:
        con.executemany(f"insert into {PROFILES_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)", profile_rows)
    con.execute(_REFERENCE_BINS_DDL)
    if bin_rows:
        con.executemany(f"insert into {REFERENCE_BINS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)", bin_rows)
    mark_rows(con, marker, [PROFILES_TABLE, REFERENCE_BINS_TABLE])


def _profile_rows(
    bindings: list[tuple[FunctionDeclaration, ModelCard]], profiles: dict[str, dict[str, Any] | None]
) -> list[tuple[object, ...]]:
    """One row per feature of every bound model version that has an input profile."""
    rows: list[tuple[object, ...]] = []
    for card in {card.ref: card for _, card in bindings}.values():
        profile = profiles.get(card.ref)
        for feature, facts in ((profile or {}).get("features") or {}).items():
            numeric = facts["kind"] == "number"
            rows.append(
                (
                    card.name,
                    int(card.version),
                    feature,
                    facts["kind"],
                    facts["null_rate"],
                    facts.get("min") if numeric else None,
                    facts.get("max") if numeric else None,
                    None if numeric else list(facts["categories"]),
                    None if numeric else bool(facts.get("complete", True)),
                )
            )
    return rows


def reference_bin_rows(
    bindings: list[tuple[FunctionDeclaration, ModelCard]], profiles: dict[str, dict[str, Any] | None]
) -> list[tuple[object, ...]]:
    """The reference bins of every bound version: its inputs' bins from the profile and its
    score's deciles from the card.

    One convention per kind, each the one its shares were counted with, so a run's shares are
    compared with shares of the same bins:

    - number: bin k holds ``edge[k-1] <= v < edge[k]`` over the profile's (distinct) decile
      edges, the first and last bins open-ended, as the profile counted them at export; NULL
      and NaN are the feature's null rate, never in a bin.
    - category: one bin per category the profile kept, its share taken among the non-null rows
      (the profile's shares are of all rows); a profile that kept only the top categories adds
      one bin with category NULL for the rest. Monitoring counts a category absent from a
      complete profile in a bin of its own, with reference share 0.
    - score: decile k holds ``edge[k-1] < v <= edge[k]`` over the card's nine hold-out decile
      edges, the rule the scoring tables' decile column follows; the shares are the card's
      measured ``decile_shares`` (a version exported before they were kept has no score bins).
    """
    rows: list[tuple[object, ...]] = []
    for card in {card.ref: card for _, card in bindings}.values():
        name, version = card.name, int(card.version)
        features = ((profiles.get(card.ref) or {}).get("features")) or {}
        for feature, facts in features.items():
            if facts["kind"] == "number":
                rows += _edge_bins(
                    name, version, feature, "number", facts["decile_edges"], facts["bin_shares"]
                )
            else:
                rows += _category_bins(name, version, feature, facts)
        edges, shares = card.score_reference.get("decile_edges"), card.score_reference.get("decile_shares")
        if edges and shares:
            rows += _edge_bins(name, version, SCORE_FEATURE, "score", edges, shares)
    return rows


def _edge_bins(
    name: str, version: int, feature: str, kind: str, edges: list[float], shares: list[float]
) -> list[tuple[object, ...]]:
    if len(shares) != len(edges) + 1:  # a profile with no finite value has no bins at all
        return []
    bounds = [None, *(float(edge) for edge in edges), None]  # a profile's JSON may hold an int
    return [
        (name, version, feature, kind, k + 1, bounds[k], bounds[k + 1], None, float(share))
        for k, share in enumerate(shares)
    ]


def _category_bins(name: str, version: int, feature: str, facts: dict[str, Any]) -> list[tuple[object, ...]]:
    present = 1.0 - float(facts["null_rate"])
    if present <= 0:
        return []
    kept = sorted(facts["categories"].items(), key=lambda item: (-float(item[1]), item[0]))
    shares: list[tuple[str | None, float]] = [(category, float(share) / present) for category, share in kept]
    if not facts.get("complete", True):
        shares.append((None, max(0.0, 1.0 - sum(share for _, share in shares))))
    return [
        (name, version, feature, "category", k + 1, None, None, category, share)
        for k, (category, share) in enumerate(shares)
    ]


def bound_functions(warehouse: Path, card: ModelCard) -> list[dict[str, Any]]:
    """The functions the warehouse's last registration bound to this version: name, output, the
    engine it runs, the engine asked for and why ``auto`` chose (for ``sqlscore models show``).

    Empty when the warehouse does not exist yet or predates these columns; read-only, so a running
    job holding the file is not disturbed (a locked file reads as empty too).
    """
    if not warehouse.is_file():
        return []
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(
                "select function_name, output, engine, engine_requested, engine_reason "
                f"from {FUNCTIONS_TABLE} "
                "where model_name = ? and model_version = ? and error is null order by function_name",
                [card.name, int(card.version)],
            ).fetchall()
    except duckdb.Error:
        return []
    keys = ("function", "output", "engine", "engine_requested", "engine_reason")
    return [dict(zip(keys, row, strict=True)) for row in rows]
