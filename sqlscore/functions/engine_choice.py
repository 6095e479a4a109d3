"""``engine: auto``: per model version, the faster exact engine on this warehouse, measured once.

Which engine is faster depends on the model and the machine, not on a rule of thumb: DuckDB calls
a Python function once per 2,048 rows, so a cheap model (a logistic regression) is bound by that
call and its compiled SQL runs several times faster, while a deep or wide ensemble evaluates
faster in onnxruntime than as nested CASE expressions. Both engines give the same answer (the
parity tests hold every engine to onnxruntime), so the choice is only about speed, and it is
settled by a short probe: the same synthetic rows (drawn from the version's input profile, so
trees take realistic paths) scored by the compiled macro and by the onnxruntime function in a
private in-memory DuckDB, alternated, best of each (of the first round alone when it is
``DECISIVE``), once on one row (the statement's fixed cost: binding a 100-tree macro is a
sizeable part of a second) and once on ``PROBE_ROWS`` rows; the
engine with the lower cost projected to ``REFERENCE_ROWS`` rows wins, provided the two engines
gave the same answers on the probe rows to ``AGREEMENT``: the compiled SQL of a float32 tree
ensemble can differ from onnxruntime by a few float32 ulps (about 1e-8), and ``sqlscore serve``
scores live rows with onnxruntime, so a batch score from such SQL would not be the number the
service computes for the same features. Where they differ, auto keeps onnxruntime and says so.

The result is kept beside the compile cache (``<version>/compiled/engine.<output>.<type>.c<N>.json``),
keyed by the artifact's sha256, the compiler version, the DuckDB and onnxruntime versions and the
core count, so a new process reads the choice instead of probing again. A model the compiler
refuses gets onnxruntime, with the compiler's reason, and the refusal is cached the same way. A
cached file is registry content: it is believed only when every key matches and its engine is one
of the two; anything else is probed again. Being wrong costs speed, never correctness.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from sqlscore.compiler.version import COMPILER_VERSION
from sqlscore.errors import CompileError
from sqlscore.registry import ModelCard, Registry

if TYPE_CHECKING:  # the probe's libraries: a cached choice is read without them
    import numpy as np
    import pyarrow as pa

#: Rows the probe scores through each engine, and how many alternated rounds it times.
PROBE_ROWS = 32_768
PROBE_ROUNDS = 3
#: After the first round, an engine projected to cost this many times the other's has lost: more
#: rounds (best of ``PROBE_ROUNDS``, against a noisy machine) would not change the choice, and each
#: round of a large ensemble's SQL costs its first registration seconds.
DECISIVE = 3.0
#: The relation size the choice is made for: scoring runs score tables, not single rows.
REFERENCE_ROWS = 1_000_000
#: Largest difference from onnxruntime on the probe rows with which the compiled SQL may be chosen
#: (the batch and the live service must give the same number: issue 17's 1e-9).
AGREEMENT = 1e-9
CACHE_FOLDER = "compiled"
#: Tree nodes beyond which auto keeps onnxruntime without compiling or probing. The compiled SQL
#: evaluates every node of every tree for every row, onnxruntime only one path per tree: issue
#: 19's benchmark measured the 100-tree churn model (about 1,500 nodes) at 2.3x raw onnxruntime
#: as SQL and the 300-tree one (about 4,500 nodes) at only 1.1x, so past four times that the SQL
#: cannot win, while compiling and probing such a forest (a 40-tree unpruned random forest is
#: about 32,000 nodes) costs every first registration a minute or more.
SQL_TREE_NODE_LIMIT = 20_000


@dataclass(frozen=True)
class EngineChoice:
    """The engine ``auto`` resolved to for one model version and output, and why."""

    engine: str  # "sql" or "onnx"
    reason: str


_CHOICES: dict[tuple[str, str, str], EngineChoice] = {}
_LOCK = threading.Lock()


_ENVIRONMENT: dict[str, Any] | None = None


def _environment() -> dict[str, Any]:
    """What a choice was measured on. onnxruntime's version is read from its installed metadata:
    importing onnxruntime to ask it would cost a cached registration of SQL functions 0.2 s."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        from importlib.metadata import version

        _ENVIRONMENT = {
            "compiler_version": COMPILER_VERSION,
            "agreement": AGREEMENT,  # choices made before the agreement check are probed again
            "duckdb": duckdb.__version__,
            "onnxruntime": version("onnxruntime"),
            "cpus": os.cpu_count(),
        }
    return _ENVIRONMENT


def choice_path(registry: Registry, card: ModelCard, output: str, return_type: str) -> Path:
    type_slug = re.sub(r"[^A-Za-z0-9]+", "_", return_type).strip("_").lower()
    name = f"engine.{output}.{type_slug}.c{COMPILER_VERSION}.json"
    return registry.artifact_path(card).parent / CACHE_FOLDER / name


def load_choice(registry: Registry, card: ModelCard, output: str, return_type: str) -> EngineChoice | None:
    """The cached choice, when it was made for this very artifact, compiler, DuckDB, onnxruntime
    and core count; None otherwise (probe again)."""
    try:
        document = json.loads(choice_path(registry, card, output, return_type).read_text())
    except (OSError, ValueError):
        return None
    if (
        not isinstance(document, dict)
        or document.get("sha256") != card.sha256
        or document.get("environment") != _environment()
        or document.get("engine") not in ("sql", "onnx")
        or not isinstance(document.get("reason"), str)
    ):
        return None
    return EngineChoice(document["engine"], document["reason"][:500])


def store_choice(
    registry: Registry, card: ModelCard, output: str, return_type: str, choice: EngineChoice
) -> None:
    """Write the choice beside the version (best effort: a read-only registry probes every time)."""
    path = choice_path(registry, card, output, return_type)
    document = {
        "sha256": card.sha256,
        "environment": _environment(),
        "engine": choice.engine,
        "reason": choice.reason,
    }
    try:
        path.parent.mkdir(exist_ok=True)
        staging = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        staging.write_text(json.dumps(document))
        staging.replace(path)
    except OSError:
        return


def choose_engine(
    registry: Registry, card: ModelCard, function: str, output: str, returns: str
) -> EngineChoice:
    """The engine ``auto`` means for this version and output: cached in this process, then in the
    registry, else measured (and cached in both)."""
    key = (card.sha256, output, returns)
    with _LOCK:
        choice = _CHOICES.get(key) or load_choice(registry, card, output, returns)
        if choice is None:
            choice = _decide(registry, card, function, output, returns)
            store_choice(registry, card, output, returns, choice)
        _CHOICES[key] = choice
    return choice


def _decide(registry: Registry, card: ModelCard, function: str, output: str, returns: str) -> EngineChoice:
    from sqlscore.functions.sql_engine import compiled_function

    nodes = tree_nodes(registry.load_artifact(card))
    if nodes > SQL_TREE_NODE_LIMIT:
        return EngineChoice(
            "onnx",
            f"{nodes:,} tree nodes, beyond the {SQL_TREE_NODE_LIMIT:,} past which compiled SQL "
            "(every node of every tree, for every row) cannot beat onnxruntime: neither compiled "
            "nor probed",
        )
    try:
        compiled = compiled_function(registry, card, function, output, returns)
    except CompileError as exc:
        return EngineChoice("onnx", f"the SQL compiler refuses this model: {exc}")
    seconds, difference = probe(
        registry, card, compiled.create_sql("duckdb", temporary=True), compiled.name, output
    )
    cost = {engine: projected(one, many) for engine, (one, many) in seconds.items()}
    sql_s, onnx_s = cost["sql"], cost["onnx"]
    basis = (
        f"projected to {REFERENCE_ROWS:,} rows from probes of 1 and {PROBE_ROWS:,} rows: "
        f"{sql_s:.3f} s compiled SQL, {onnx_s:.3f} s onnxruntime"
    )
    if difference > AGREEMENT:
        return EngineChoice(
            "onnx",
            f"the compiled SQL differs from onnxruntime by up to {difference:.1e} on the probe rows "
            f"(more than {AGREEMENT:.0e}; the service scores with onnxruntime) ({basis})",
        )
    if sql_s <= onnx_s:
        return EngineChoice("sql", f"compiled SQL {onnx_s / sql_s:.2f}x the onnxruntime function ({basis})")
    return EngineChoice("onnx", f"onnxruntime function {sql_s / onnx_s:.2f}x the compiled SQL ({basis})")


def tree_nodes(artifact: bytes) -> int:
    """Nodes of every tree ensemble in the graph (branches and leaves), read from the ONNX
    attributes that list one entry per node (``nodes_modes`` of ai.onnx.ml's TreeEnsemble
    classifier and regressor, ``nodes_featureids`` of opset 5's TreeEnsemble with its leaves)."""
    import onnx

    total = 0
    for node in onnx.load_model_from_string(artifact).graph.node:
        if node.domain != "ai.onnx.ml" or not node.op_type.startswith("TreeEnsemble"):
            continue
        lengths = {a.name: len(a.ints) or len(a.strings) or len(a.floats) for a in node.attribute}
        total += lengths.get("nodes_modes") or (
            lengths.get("nodes_featureids", 0) + lengths.get("leaf_targetids", 0)
        )
    return total


def projected(one: float, many: float) -> float:
    """Seconds for ``REFERENCE_ROWS`` rows: the fixed cost of a statement (binding a large macro
    takes a good part of a second) plus the per-row cost measured past it."""
    return one + max(many - one, 0.0) * REFERENCE_ROWS / PROBE_ROWS


def probe(
    registry: Registry, card: ModelCard, macro_sql: str, macro: str, output: str
) -> tuple[dict[str, tuple[float, float]], float]:
    """Per engine, best-of-``PROBE_ROUNDS`` seconds to score 1 row and ``PROBE_ROWS`` rows into a
    temp table, the engines alternated (one round when the first is :data:`DECISIVE`); and the
    engines' largest difference on those rows, read from the tables the last round wrote."""
    from sqlscore.functions.onnx_engine import OnnxScorer, get_session
    from sqlscore.functions.registration import holder_for, signature_of, udf_types

    params, returns = udf_types(card, output)
    con = duckdb.connect(":memory:")
    try:
        con.register("probe_source", probe_rows(registry, card))
        con.execute("create temp table probe_rows as select * from probe_source")
        con.execute("create temp table probe_row as select * from probe_rows limit 1")
        con.execute(macro_sql)
        scorer = OnnxScorer("probe_onnx", card, get_session(registry, card), output)
        con.create_function(  # type: ignore[call-overload]
            "probe_onnx",
            holder_for(scorer, card, signature_of(card, output)),
            params,
            returns,
            type="arrow",
            null_handling="special",
            side_effects=False,
        )
        args = ", ".join(f'"{name}"' for name in card.feature_names)
        best = {engine: [float("inf"), float("inf")] for engine in ("sql", "onnx")}
        for _ in range(PROBE_ROUNDS):
            for engine, name in (("sql", macro), ("onnx", "probe_onnx")):
                for k, table in enumerate(("probe_row", "probe_rows")):
                    start = time.perf_counter()
                    con.execute(
                        f'create or replace temp table scores_{engine}_{table} as select "{name}"({args}) '
                        f"as score from {table}"
                    )
                    best[engine][k] = min(best[engine][k], time.perf_counter() - start)
            if decisive(*(projected(*best[engine]) for engine in ("sql", "onnx"))):
                break
        # both tables hold the probe rows' scores in the rows' order (DuckDB preserves insertion order)
        pairs = con.execute(
            "select s.score, o.score from scores_sql_probe_rows s positional join scores_onnx_probe_rows o"
        ).fetchall()
        return {engine: (one, many) for engine, (one, many) in best.items()}, largest_difference(pairs)
    finally:
        con.close()


def decisive(sql_seconds: float, onnx_seconds: float) -> bool:
    """Whether one engine's projected cost is :data:`DECISIVE` times the other's or more."""
    return max(sql_seconds, onnx_seconds) >= DECISIVE * min(sql_seconds, onnx_seconds)


def largest_difference(pairs: list[tuple[Any, Any]]) -> float:
    """The largest absolute difference between two engines' answers, row by row: numbers and
    lists of numbers compared value by value, anything else (labels) equal or not (infinite);
    a NULL on one side only is infinite."""
    worst = 0.0
    for ours, theirs in pairs:
        left = ours if isinstance(ours, list) else [ours]
        right = theirs if isinstance(theirs, list) else [theirs]
        if len(left) != len(right):
            return float("inf")
        for a, b in zip(left, right, strict=True):
            if not isinstance(a, float) or not isinstance(b, float):
                if a != b:  # labels, or a NULL on one side
                    return float("inf")
            elif math.isnan(a) or math.isnan(b):
                if not (math.isnan(a) and math.isnan(b)):
                    return float("inf")
            else:
                worst = max(worst, abs(a - b))
    return worst


def probe_rows(registry: Registry, card: ModelCard) -> pa.Table:
    """Deterministic rows over the training ranges and categories of the version's input profile
    (unknown ranges: -5..5, unknown categories: the empty string), with NULLs: one feature NULL in
    about one row in 17, every feature in about one in 85, so the engines' NULL conventions are
    compared too."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(20261126)
    features = ((registry.input_profile(card) or {}).get("features")) or {}
    columns: dict[str, pa.Array] = {}
    for feature in card.features:
        facts = features.get(feature.name) or {}
        if feature.sql_type == "DOUBLE":
            low, high = facts.get("min"), facts.get("max")
            if not isinstance(low, (int, float)) or not isinstance(high, (int, float)) or not high >= low:
                low, high = -5.0, 5.0
            columns[feature.name] = pa.array(rng.uniform(float(low), float(high), PROBE_ROWS))
        else:
            categories = [c for c in (facts.get("categories") or {}) if isinstance(c, str)] or [""]
            picks = rng.integers(0, len(categories), PROBE_ROWS)
            columns[feature.name] = pa.array(np.asarray(categories, dtype=object)[picks], type=pa.string())
    row = np.arange(PROBE_ROWS)
    for j, name in enumerate(columns):
        missing = (row % 17 == j % 16 + 1) | ((row % 17 == 0) & (row % 5 == 0))
        columns[name] = pc_if_else(missing, columns[name])
    return pa.table(columns)


def pc_if_else(missing: np.ndarray, values: pa.Array) -> pa.Array:
    """``values`` with NULL where ``missing``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(pa.array(missing), pa.scalar(None, values.type), values)
