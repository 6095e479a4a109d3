"""The compiled SQL kept beside each model version: written by the first process that compiles,
used by the next ones, and ignored (the model compiled again) whenever it is not plainly the
model's expression."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sqlscore.compiler import COMPILER_VERSION, DIALECTS
from sqlscore.functions.compile_cache import cache_path, is_plain_expression
from sqlscore.registry import Registry

AS_OF = "2026-10-31"

#: In a new process: register every function with the SQL engine, then print each churn and risk
#: score the macros give on the demo's featurized rows, and the macros' SQL.
REGISTER_AND_SCORE = textwrap.dedent(
    """
    import json, sys
    import sqlscore
    from sqlscore.tools.demo.train import feature_sql
    warehouse, registry, udfs = sys.argv[1:4]
    con = sqlscore.connect(warehouse, registry=registry, engine="sql", udfs=udfs)
    scores = {}
    for model in ("churn", "risk"):
        card = sqlscore.Registry(registry).resolve(model)
        rows = con.execute(
            f"select predict_{model}({', '.join(card.feature_names)}) "
            f"from ({feature_sql(model, '2026-10-31')}) order by all"
        ).fetchall()
        scores[model] = [r[0] for r in rows]
    macros = dict(con.execute(
        "select function_name, macro_definition from duckdb_functions() "
        "where function_type = 'macro' and function_name in ('predict_churn', 'predict_risk')"
    ).fetchall())
    print(json.dumps({"scores": scores, "macros": macros}))
    """
)


def _register(warehouse: Path, registry: Registry, udfs: Path) -> dict[str, dict[str, object]]:
    return _in_a_new_process(REGISTER_AND_SCORE, warehouse, registry, udfs)


def _in_a_new_process(script: str, warehouse: Path, registry: Registry, udfs: Path) -> dict[str, Any]:
    """The JSON last printed by ``script`` run in a fresh Python on the site's three paths."""
    result = subprocess.run(
        [sys.executable, "-c", script, str(warehouse), str(registry.root), str(udfs)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _udfs(folder: Path) -> Path:
    udfs = folder / "udfs"
    udfs.mkdir()
    (udfs / "functions.yml").write_text("defaults: {engine: sql}\nfunctions: []\n")
    return udfs


@pytest.fixture(scope="module")
def cached_source(
    demo_source: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, dict[str, object]]]:
    """A demo site whose registry holds the compile cache one registration wrote, and what that
    registration gave (the macros, every score)."""
    root = tmp_path_factory.mktemp("cached")
    shutil.copy(demo_source[0], root / "warehouse.duckdb")
    shutil.copytree(demo_source[1], root / "models_onnx")
    honest = _register(root / "warehouse.duckdb", Registry(root / "models_onnx"), _udfs(root))
    return root, honest


@pytest.fixture
def site(
    cached_source: tuple[Path, dict[str, dict[str, object]]], tmp_path: Path
) -> tuple[Path, Registry, Path]:
    """A private copy of ``cached_source``: its warehouse, its registry with the cache, the udfs."""
    shutil.copytree(cached_source[0], tmp_path / "site")
    root = tmp_path / "site"
    return root / "warehouse.duckdb", Registry(root / "models_onnx"), root / "udfs"


def _cached(registry: Registry, model: str) -> Path:
    return cache_path(registry, registry.resolve(model), "score", "DOUBLE")


def test_the_first_process_writes_the_cache_and_the_next_one_scores_the_same_from_it(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    warehouse, registry = demo_env
    udfs = _udfs(tmp_path)
    for folder in registry.root.glob("*/*/compiled"):  # a registry no process has registered from
        shutil.rmtree(folder)
    assert not _cached(registry, "churn").exists()
    compiled = _register(warehouse, registry, udfs)
    for model in ("churn", "risk"):
        document = json.loads(_cached(registry, model).read_text())
        card = registry.resolve(model)
        assert document["sha256"] == card.sha256 and document["compiler_version"] == COMPILER_VERSION
        assert set(document["expressions"]) == set(DIALECTS)
        assert is_plain_expression(document["expressions"]["duckdb"], card.feature_names)
    assert _cached(registry, "churn").name == f"score.double.c{COMPILER_VERSION}.json"
    # the version's own files are untouched: its artifact and card still check
    assert registry.verify() == []

    from_cache = _register(warehouse, registry, udfs)
    assert from_cache == compiled  # same macros, same scores, to the last bit
    assert len(compiled["scores"]["churn"]) > 3000  # type: ignore[arg-type]


def test_the_cache_is_what_the_next_process_installs(site: tuple[Path, Registry, Path]) -> None:
    """Shown by a cache file holding another (plain) expression: the macro is that expression. This
    is the trust boundary: a cached expression is checked for what it may read and call, not
    recomputed; whoever can write the registry can also replace the model."""
    warehouse, registry, udfs = site
    path = _cached(registry, "risk")
    document = json.loads(path.read_text())
    first = registry.resolve("risk").feature_names[0]
    document["expressions"]["duckdb"] = f'CASE WHEN "{first}" IS NULL THEN 0.25 ELSE CAST(0.25 AS DOUBLE) END'
    path.write_text(json.dumps(document))
    scores = _register(warehouse, registry, udfs)["scores"]
    assert set(scores["risk"]) == {0.25}  # type: ignore[call-overload]


HOSTILE = {
    "a_second_statement": "1.0); drop table raw.customers; select (1.0",
    "a_comment_swallowing_the_rest": "1.0 --",
    "a_subquery": "(select count(*) from raw.customers)",
    "another_column": '"customer_id" * 1.0',
    "a_volatile_function": "random()",
    "a_table_function_in_disguise": "(from read_text('/etc/passwd') select 1.0)",
    "a_user_macro": "predict_churn_sql(1.0)",
    "not_sql": "{{ nonsense",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_cached_expression_that_is_not_plainly_a_model_is_refused(case: str) -> None:
    assert not is_plain_expression(HOSTILE[case], ["tenure_months", "plan", "monthly_charges"])
    assert is_plain_expression(
        'CASE WHEN "plan" = \'basic\' THEN 0.5 ELSE exp(-"monthly_charges") END', ["plan", "monthly_charges"]
    )


def test_a_refused_cached_expression_is_compiled_again_and_written_over(
    site: tuple[Path, Registry, Path], cached_source: tuple[Path, dict[str, dict[str, object]]]
) -> None:
    warehouse, registry, udfs = site
    path = _cached(registry, "risk")
    document = json.loads(path.read_text())
    document["expressions"]["duckdb"] = HOSTILE["a_second_statement"]
    path.write_text(json.dumps(document))
    assert _register(warehouse, registry, udfs) == cached_source[1]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.customers").fetchall()[0][0] > 3000
    assert json.loads(path.read_text())["expressions"]["duckdb"] != HOSTILE["a_second_statement"]


@pytest.mark.parametrize(
    "field, value",
    [("sha256", "0" * 64), ("compiler_version", COMPILER_VERSION - 1), ("parameters", [["x", "DOUBLE"]])],
)
def test_a_cache_for_another_artifact_compiler_or_signature_is_ignored(
    site: tuple[Path, Registry, Path],
    cached_source: tuple[Path, dict[str, dict[str, object]]],
    field: str,
    value: object,
) -> None:
    warehouse, registry, udfs = site
    honest = cached_source[1]
    path = _cached(registry, "risk")
    document = json.loads(path.read_text())
    document[field] = value
    document["expressions"]["duckdb"] = "CAST(0.25 AS DOUBLE)"  # plain, but not this model's
    path.write_text(json.dumps(document))
    assert _register(warehouse, registry, udfs) == honest


def test_a_read_only_registry_registers_without_a_cache(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    warehouse, registry = demo_env
    udfs = _udfs(tmp_path)
    for folder in registry.root.glob("*/*/compiled"):  # a registry no process has registered from
        shutil.rmtree(folder)
    if os.geteuid() == 0:  # root writes through permissions: make the folders unwritable another way
        folders = [registry.artifact_path(registry.resolve(m)).parent for m in ("churn", "risk")]
        for folder in folders:
            (folder / "compiled").write_text("a file where the cache folder would go")
    else:
        for folder in [registry.root, *registry.root.rglob("*")]:
            if folder.is_dir():
                folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        scores = _register(warehouse, registry, udfs)["scores"]
    finally:
        for folder in [registry.root, *registry.root.rglob("*")]:
            if folder.is_dir():
                folder.chmod(stat.S_IRWXU)
    assert len(scores["churn"]) > 3000  # type: ignore[arg-type]
    assert not any(registry.root.rglob("*.c*.json"))


def test_a_macro_installed_from_the_same_cached_file_is_left_as_it_is(
    demo_env: tuple[Path, Registry],
) -> None:
    """The stored macro's comment names the cached file it was installed from: the next
    registration that finds that very file skips checking and creating it again; a changed file
    is checked and installed as ever."""
    import sqlscore

    warehouse, registry = demo_env
    udfs = _udfs(warehouse.parent)
    sqlscore.connect(warehouse, registry=registry, udfs=udfs).close()
    digest = hashlib.sha256(_cached(registry, "risk").read_bytes()).hexdigest()

    def macro() -> tuple[str, str]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            row = con.execute(
                "select comment, macro_definition from duckdb_functions() where function_name = 'predict_risk'"
            ).fetchall()[0]
        return row[0], row[1]

    comment, honest = macro()
    assert comment == f"sqlscore-cache:{digest}"
    with duckdb.connect(str(warehouse)) as con:  # stands for "already installed": same comment, other body
        args = ", ".join(registry.resolve("risk").feature_names)
        con.execute(f"create or replace macro predict_risk({args}) as 0.5")
        con.execute(f"comment on macro predict_risk is '{comment}'")
    sqlscore.connect(warehouse, registry=registry, udfs=udfs).close()
    assert macro() == (comment, "0.5")  # skipped
    path = _cached(registry, "risk")
    path.write_text(json.dumps(json.loads(path.read_text()), indent=1))  # same content, other bytes
    sqlscore.connect(warehouse, registry=registry, udfs=udfs).close()
    comment, definition = macro()
    assert (
        definition == honest and comment == f"sqlscore-cache:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    )


#: In a new process: register from the cache into the site's warehouse (macros installed from the
#: same files: left as they are) and into a new in-memory warehouse (installed from the files),
#: score one row through each, and list the modules a cached registration must not need.
REGISTER_FROM_CACHE = textwrap.dedent(
    """
    import json, sys
    import sqlscore
    warehouse, registry, udfs = sys.argv[1:4]
    card = sqlscore.Registry(registry).resolve("risk")
    args = ", ".join("NULL" for _ in card.features)
    scores = []
    for database in (warehouse, ":memory:"):
        con = sqlscore.connect(database, registry=registry, udfs=udfs)
        scores.append(con.execute(f"select predict_risk({args})").fetchall()[0][0])
        con.close()
    heavy = ("sqlscore.compiler.compiled", "sqlglot", "onnx", "skl2onnx", "sklearn")
    print(json.dumps({"scores": scores, "heavy": [m for m in heavy if m in sys.modules]}))
    """
)


def test_a_registration_from_the_cache_loads_no_compiler(site: tuple[Path, Registry, Path]) -> None:
    """What makes a cached registration fast: neither the compiler (sqlglot) nor onnx nor the
    exporter's converters are imported, whether the warehouse already holds the macros or not."""
    warehouse, registry, udfs = site
    answer = _in_a_new_process(REGISTER_FROM_CACHE, warehouse, registry, udfs)
    assert answer["heavy"] == []
    assert answer["scores"][0] == answer["scores"][1] and isinstance(answer["scores"][0], float)


def test_the_cached_statement_is_the_one_the_compiler_writes(site: tuple[Path, Registry, Path]) -> None:
    """The cache's DuckDB statement is written without the compiler: it must be the compiler's text."""
    import onnx

    from sqlscore.compiler import compile_function
    from sqlscore.functions.compile_cache import load_compiled

    _, registry, _ = site
    for model in ("churn", "risk"):
        card = registry.resolve(model)
        cached = load_compiled(registry, card, f"predict_{model}", "score", "DOUBLE")
        assert cached is not None
        compiled = compile_function(
            onnx.load_from_string(registry.load_artifact(card)), card, f"predict_{model}", "score", "DOUBLE"
        )
        for dialect in DIALECTS:
            for temporary in (False, True):
                assert cached.create_sql(dialect, temporary=temporary) == compiled.create_sql(
                    dialect, temporary=temporary
                )


def test_catalog_tables_are_rewritten_only_when_their_rows_change(demo_env: tuple[Path, Registry]) -> None:
    """A registration leaves ml_models, ml_input_profiles and ml_reference_bins as they are when
    they hold its very rows (their comment names the rows' sha256, their row counts match), and
    writes them again when they do not: rows removed, or a comment that is not theirs."""
    import sqlscore

    warehouse, registry = demo_env
    tables = ("ml_models", "ml_input_profiles", "ml_reference_bins")

    def state() -> dict[str, tuple[str, int]]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return {
                table: (
                    con.execute(
                        "select comment from duckdb_tables() where table_name = ? and schema_name = 'main'",
                        [table],
                    ).fetchall()[0][0],
                    con.execute(f"select count(*) from {table}").fetchall()[0][0],
                )
                for table in tables
            }

    def refreshed() -> object:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("select max(refreshed_at) from ml_models").fetchall()[0][0]

    sqlscore.connect(warehouse, registry=registry).close()
    written, first = state(), refreshed()
    assert all(comment.startswith("sqlscore-rows:") and rows > 0 for comment, rows in written.values())
    sqlscore.connect(warehouse, registry=registry).close()
    assert state() == written and refreshed() == first  # not written again
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from ml_reference_bins where bin = 1")
        con.execute("delete from ml_models")
        con.execute("comment on table ml_input_profiles is 'sqlscore-rows:0'")
    sqlscore.connect(warehouse, registry=registry).close()
    assert state() == written
