"""A version registered without an input profile: named with the backfill command wherever the
profile is needed, and ``sqlscore models profile NAME:VERSION --from SCHEMA.TABLE`` computes it in
the warehouse (checked against the export's own profile code on the same rows), once."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

import sqlscore
from sqlscore.cli.main import main as cli_main
from sqlscore.errors import IntegrityError, VersionExistsError
from sqlscore.export.profile import input_profile
from sqlscore.registry import ModelCard, Registry
from sqlscore.registry.card import PROFILE_FILE
from sqlscore.tools.demo.train import TRAINING_AS_OF, feature_sql

BACKFILL = "sqlscore models profile churn:2 --from SCHEMA.TABLE"


def _version_without_profile(warehouse: Path, registry: Registry) -> ModelCard:
    """churn:2, the champion's artifact registered again with no profile (as before profiles
    existed), made champion; and work.features, a table holding its features."""
    card = registry.resolve("churn")
    bare = registry.write_version(replace(card, version="2", card_sha256=""), registry.load_artifact(card))
    registry.promote("churn", bare.version, "champion")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema work")
        con.execute(f"create table work.features as {feature_sql('churn', TRAINING_AS_OF)}")
        con.execute("create table work.no_plan as select * exclude (plan) from work.features")
        con.execute(
            "create table work.text_tenure as select * replace ('about ' || tenure_months as tenure_months) "
            "from work.features"
        )
    assert registry.input_profile(bare) is None
    return bare


def _close(a: Any, b: Any, where: str) -> None:
    """Equal structure; numbers equal to 1e-9 relative (deciles are interpolated in two libraries)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (where, a, b)
    else:
        assert a == b, (where, a, b)


def test_missing_profile_is_named_then_backfilled_once(run_cli, demo_env, capfd) -> None:  # type: ignore[no-untyped-def]
    warehouse, registry = demo_env
    bare = _version_without_profile(warehouse, registry)

    shown = run_cli("models", "show", "churn:2")
    assert shown.returncode == 0 and "profile     none" in shown.stdout
    assert "model churn:2 has no input profile" in shown.stderr and BACKFILL in shown.stderr
    as_json = json.loads(run_cli("models", "show", "churn:2", "--json").stdout)
    assert as_json["input_profile"] == {
        "present": False,
        "backfill": "sqlscore models profile churn:2 --from SCHEMA.TABLE",
    }
    capfd.readouterr()
    sqlscore.connect(warehouse, registry=registry).close()  # registering the champion says it too
    assert f"warning: model churn:2 has no input profile ({PROFILE_FILE})" in capfd.readouterr().err

    done = run_cli("models", "profile", "churn:2", "--from", "work.features")
    assert done.returncode == 0, done.stderr
    assert (
        f"churn:2: input profile of {len(bare.features)} features from 4000 rows of work.features"
        in done.stdout
    )
    written = registry.input_profile(bare)
    assert written is not None and written["source"] == "backfill from work.features"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = pl.from_arrow(con.sql("select * from work.features").to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    expected = input_profile(frame, list(bare.features), "backfill from work.features")
    _close(written, expected, "profile")
    assert written["rows"] == frame.height > 1000
    assert registry.card("churn", 2) == bare  # the card is untouched: the version stays as sealed

    again = run_cli("models", "profile", "churn:2", "--from", "work.features")
    assert again.returncode == 2 and "model churn:2 already has an input profile" in again.stderr
    exported = run_cli("models", "profile", "churn:1", "--from", "work.features")
    assert exported.returncode == 2 and "model churn:1 already has an input profile" in exported.stderr
    shown = run_cli("models", "show", "churn:2")
    assert "no input profile" not in shown.stderr and "backfill from work.features" in shown.stdout
    with pytest.raises(VersionExistsError, match="churn:2 already has an input profile"):
        registry.backfill_input_profile(bare, expected)


REFUSED = [
    ("features", "name the table as SCHEMA.TABLE"),
    ("work.features; drop table work.features", "invalid table 'features; drop table work.features'"),
    ('work"."features', "invalid schema 'work\"'"),
    ("work.missing", "model churn:2: table work.missing is not in the warehouse"),
    ("work.no_plan", "model churn:2: table work.no_plan lacks the feature column(s) plan"),
    (
        "work.text_tenure",
        "model churn:2: column tenure_months of work.text_tenure cannot be profiled as DOUBLE",
    ),
]


def test_backfill_refuses_what_it_cannot_profile(demo_env, capsys) -> None:  # type: ignore[no-untyped-def]
    warehouse, registry = demo_env
    bare = _version_without_profile(warehouse, registry)
    where = ["--warehouse", str(warehouse), "--registry", str(registry.root)]
    for source, message in REFUSED:
        assert cli_main([*where, "models", "profile", "churn:2", "--from", source]) == 2, source
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (source, err)
    assert registry.input_profile(bare) is None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from work.features").fetchall()[0][0] > 1000


def test_a_malformed_profile_is_never_written(demo_env) -> None:  # type: ignore[no-untyped-def]
    warehouse, registry = demo_env
    bare = _version_without_profile(warehouse, registry)
    wrong = {"rows": 1, "source": "hand", "features": {"plan": {"kind": "number", "null_rate": 0.0}}}
    with pytest.raises(IntegrityError, match="churn:2 is malformed: feature 'plan' is not a number input"):
        registry.backfill_input_profile(bare, wrong)
    assert not (registry.root / "churn" / "2" / PROFILE_FILE).exists()
    assert [p.name for p in (registry.root / "churn" / "2").iterdir() if p.name.startswith(".")] == []
