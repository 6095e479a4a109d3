"""Hostile names through every entry point: nothing outside the registry is written, no SQL but
sqlscore's own runs.

Each property builds strings from the pieces attacks are made of (newlines that end a ``--``
comment, quotes, semicolons, comment markers, path separators, NUL, unicode look-alikes and
direction marks, very long runs) and feeds them to ``export_model``, the CLI, a card edited on
disk (re-sealed with a correct checksum, as an attacker who read the code would), an aliases file,
and ``udfs/functions.yml``. After each: a canary table in the warehouse still holds its row, the
warehouse holds no table sqlscore did not create, and no file outside the registry changed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

import sqlscore
from sqlscore.cli.main import main as cli_main
from sqlscore.errors import SqlscoreError
from sqlscore.names import is_model_name
from sqlscore.registry import Registry
from sqlscore.registry.card import CARD_FILE, card_checksum

PIECES = [
    "\n",
    "\r",
    "\r\n",
    "\x00",
    "\u2028",
    "'",
    '"',
    "`",
    ";",
    "--",
    "/*",
    "*/",
    "#",
    "$",
    "../",
    "/",
    "\\",
    "..",
    ".",
    " ",
    "drop table canary",
    "select 1",
    "churn",
    "champion",
    "1",
    "0",
    "-1",
    "\u0430",  # Cyrillic a, looks like a Latin a
    "\uff44rop",  # fullwidth d
    "\u202e",  # right-to-left override
    "é",
    "Ω",
    "{{",
    "}}",
    "%s",
    "?",
    "x" * 70,
    "9" * 12,
]
#: Strings made of attack pieces and a little random text; the valid ones are kept too (the
#: properties hold for them just the same).
HOSTILE = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), min_size=1, max_size=5).map("".join)
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every machine: a CI failure reproduces
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found, in seconds
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SQLSCORE_TABLES = {"canary", "ml_models", "ml_functions", "ml_input_profiles", "ml_reference_bins"}


class Sandbox:
    """A warehouse with a canary table, a registry copy and a udfs folder, three folders deep."""

    def __init__(self, root: Path, registry_source: Path) -> None:
        self.root = root
        base = root / "a" / "b" / "c"
        base.mkdir(parents=True)
        self.warehouse = base / "warehouse.duckdb"
        self.udfs = base / "udfs"
        self.udfs.mkdir()
        self.registry = Registry(base / "models_onnx")
        shutil.copytree(registry_source, self.registry.root)
        with duckdb.connect(str(self.warehouse)) as con:
            con.execute("create table canary as select 42 as alive")
        self.before = self.files_outside_registry()

    def files_outside_registry(self) -> dict[str, tuple[int, int] | None]:
        """Every path under the sandbox but the registry and the warehouse.

        Files with their size and modification time; folders by name only (their times
        change whenever an allowed entry appears in them).
        """
        skipped = (self.registry.root,)
        found = {}
        for path in self.root.rglob("*"):
            if any(path == s or s in path.parents for s in skipped) or path.name.startswith(
                "warehouse.duckdb"
            ):
                continue
            stat = path.lstat()
            key = str(path.relative_to(self.root))
            found[key] = None if path.is_dir() else (stat.st_size, stat.st_mtime_ns)
        return found

    def assert_unharmed(self) -> None:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            assert con.execute("select alive from canary").fetchall() == [(42,)]
            tables = {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}
            macros = con.execute(
                "select function_name from duckdb_functions() where function_type = 'macro' and not internal"
            ).fetchall()
        assert tables <= SQLSCORE_TABLES, tables
        assert all(name.startswith("predict_") for (name,) in macros), macros
        assert self.files_outside_registry() == self.before

    def connect_and_close(self, engine: str) -> None:
        try:
            con = sqlscore.connect(self.warehouse, registry=self.registry, udfs=self.udfs, engine=engine)
        except SqlscoreError:
            return
        con.close()


@pytest.fixture
def sandbox_factory(demo_source: tuple[Path, Path], tmp_path: Path) -> Iterator[object]:
    count = iter(range(10**6))

    def make() -> Sandbox:
        return Sandbox(tmp_path / f"s{next(count)}", demo_source[1])

    yield make


@pytest.fixture(scope="module")
def tiny_model() -> tuple[LogisticRegression, pd.DataFrame]:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=200), "y": rng.normal(size=200)})
    model = LogisticRegression().fit(frame, (frame.x + frame.y > 0).astype(int))
    return model, frame


@EXAMPLES
@given(name=HOSTILE, alias=HOSTILE, version=HOSTILE)
def test_export_model_refuses_before_writing(
    sandbox_factory,
    tiny_model,
    name: str,
    alias: str,
    version: str,  # type: ignore[no-untyped-def]
) -> None:
    sandbox = sandbox_factory()
    model, frame = tiny_model
    for kwargs in ({"name": name}, {"name": "tiny", "alias": alias}, {"name": "tiny", "version": version}):
        written = sorted(p.relative_to(sandbox.registry.root) for p in sandbox.registry.root.rglob("*"))
        try:
            card = sqlscore.export_model(model, frame, registry=sandbox.registry, **kwargs)
        except SqlscoreError:
            # refused before anything was written (an alias used to be checked after version 1 was)
            assert (
                sorted(p.relative_to(sandbox.registry.root) for p in sandbox.registry.root.rglob("*"))
                == written
            )
            continue
        assert (sandbox.registry.root / card.name / card.version / CARD_FILE).is_file()
    sandbox.connect_and_close("sql")
    sandbox.assert_unharmed()


@EXAMPLES
@given(text=HOSTILE)
def test_cli_refuses_hostile_arguments(sandbox_factory, text: str, capsys) -> None:  # type: ignore[no-untyped-def]
    sandbox = sandbox_factory()
    where = ["--warehouse", str(sandbox.warehouse), "--registry", str(sandbox.registry.root)]
    for args in (
        ["models", "show", text],
        ["models", "promote", text, "1", "--alias", "champion"],
        ["models", "promote", "churn", text, "--alias", "champion"],
        ["models", "promote", "churn", "1", "--alias", text],
        ["models", "rollback", "churn", "--alias", text],
        ["compile", text],
    ):
        try:
            code = cli_main([*where, *args])
        except SystemExit as exc:  # argparse refuses an argument starting with '-' as an unknown option
            code = exc.code
        out, err = capsys.readouterr()
        assert code in (0, 2), (args, code)
        assert "Traceback" not in err, err
    sandbox.assert_unharmed()


CARD_FIELDS = ["name", "version", "feature", "output", "sha256", "task", "class"]


@EXAMPLES
@given(field=st.sampled_from(CARD_FIELDS), text=HOSTILE, engine=st.sampled_from(["onnx", "sql"]))
def test_a_resealed_hostile_card_is_skipped(sandbox_factory, field: str, text: str, engine: str) -> None:  # type: ignore[no-untyped-def]
    sandbox = sandbox_factory()
    path = sandbox.registry.root / "churn" / "1" / CARD_FILE
    card = json.loads(path.read_text())
    if field in ("name", "version", "sha256", "task"):
        card[field] = text
    elif field == "feature":
        card["features"][0]["name"] = text
    elif field == "output":
        card["outputs"][0]["name"] = text
    else:
        card["classes"][0] = text
    card["card_sha256"] = card_checksum(card)
    path.write_text(json.dumps(card))
    sandbox.connect_and_close(engine)
    # the other model is unaffected whatever happened to churn's card
    with sqlscore.connect(sandbox.warehouse, registry=sandbox.registry, udfs=sandbox.udfs) as con:
        assert "predict_risk" in sqlscore.registration_report(con).registered
    sandbox.registry.verify()  # never raises
    sandbox.assert_unharmed()


@EXAMPLES
@given(text=HOSTILE)
def test_a_hostile_model_folder_is_ignored(sandbox_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    sandbox = sandbox_factory()
    folder_name = text.replace("/", "_").replace("\x00", "_")
    if folder_name in ("", ".", "..", "churn", "risk") or len(folder_name.encode()) > 200:
        folder_name = f"x{folder_name[:50]}\n;drop table canary;--"
    folder = sandbox.registry.root / folder_name
    shutil.copytree(sandbox.registry.root / "churn", folder)
    card_path = folder / "1" / CARD_FILE
    card = json.loads(card_path.read_text())
    card["name"] = folder_name
    card["card_sha256"] = card_checksum(card)
    card_path.write_text(json.dumps(card))
    for engine in ("onnx", "sql"):
        sandbox.connect_and_close(engine)
    problems = sandbox.registry.verify()
    if not is_model_name(folder_name):
        assert any(folder_name in p.path or repr(folder_name) in p.reason for p in problems)
    sandbox.assert_unharmed()


@EXAMPLES
@given(alias=HOSTILE, version=HOSTILE)
def test_a_hostile_aliases_file_breaks_only_its_model(sandbox_factory, alias: str, version: str) -> None:  # type: ignore[no-untyped-def]
    sandbox = sandbox_factory()
    path = sandbox.registry.root / "churn" / "aliases.json"
    path.write_text(json.dumps({alias: {"version": version, "history": [version]}}))
    for engine in ("onnx", "sql"):
        sandbox.connect_and_close(engine)
    with sqlscore.connect(sandbox.warehouse, registry=sandbox.registry, udfs=sandbox.udfs) as con:
        assert "predict_risk" in sqlscore.registration_report(con).registered
    sandbox.registry.verify()
    sandbox.assert_unharmed()


@EXAMPLES
@given(name=HOSTILE, model=HOSTILE, engine=st.sampled_from(["onnx", "sql"]))
def test_hostile_function_declarations(sandbox_factory, name: str, model: str, engine: str) -> None:  # type: ignore[no-untyped-def]
    sandbox = sandbox_factory()
    for entry in ({"name": name, "model": "churn"}, {"name": "predict_x", "model": model}):
        (sandbox.udfs / "functions.yml").write_text(
            json.dumps({"functions": [{**entry, "engine": engine}]})  # JSON is YAML
        )
        sandbox.before = sandbox.files_outside_registry()  # the declarations file is the test's own
        sandbox.connect_and_close(engine)
        sandbox.assert_unharmed()
    sandbox.assert_unharmed()


def test_the_reported_exploit_runs_no_sql(sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    """The attack found in review: a card named ``../evil\\ndrop table ...;\\n--`` beside a matching
    folder outside the registry put a SQL statement after the generated macro's ``--`` comment."""
    sandbox = sandbox_factory()
    hostile = "../evil\ndrop table canary;\n--"
    inside = sandbox.registry.root / "evil"
    shutil.copytree(sandbox.registry.root / "churn", inside)
    (inside / "aliases.json").unlink()
    outside = sandbox.registry.root / hostile / "1"  # models_onnx/../evil<newline>...: beside the registry
    shutil.copytree(inside / "1", outside)
    for folder in (inside / "1", outside):
        card = json.loads((folder / CARD_FILE).read_text())
        card["name"] = hostile
        card["card_sha256"] = card_checksum(card)
        (folder / CARD_FILE).write_text(json.dumps(card))
    sandbox.before = sandbox.files_outside_registry()
    for engine in ("sql", "onnx"):
        with sqlscore.connect(
            sandbox.warehouse, registry=sandbox.registry, udfs=sandbox.udfs, engine=engine
        ) as con:
            report = sqlscore.registration_report(con)
            assert (
                "predict_evil" in report.failed
                and "lies in the folder of evil:1" in report.failed["predict_evil"]
            )
            assert "predict_churn" in report.registered
    reasons = " ".join(p.reason for p in sandbox.registry.verify())
    assert "lies in the folder of evil:1" in reasons
    sandbox.assert_unharmed()
