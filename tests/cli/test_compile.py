"""``sqlscore compile``: the statement for another warehouse, from the real console script."""

from __future__ import annotations

from pathlib import Path

import sqlglot


def test_compile_prints_each_dialect_and_writes_files(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for dialect, marker in (
        ("duckdb", "CREATE OR REPLACE MACRO"),
        ("postgres", "LANGUAGE sql"),
        ("spark", "RETURNS DOUBLE"),
    ):
        result = run_cli("compile", "risk", "--dialect", dialect)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("-- predict_risk: model risk:") and marker in result.stdout
    out = tmp_path / "churn.sql"
    result = run_cli(
        "compile", "churn@champion", "--dialect", "postgres", "--function", "churn_score", "--out", str(out)
    )
    assert result.returncode == 0 and "wrote" in result.stderr
    body = out.read_text().split("RETURN ", 1)[1].rstrip(";\n")
    assert sqlglot.parse_one(body, read="postgres") is not None


def test_compile_errors_name_what_is_wrong(run_cli) -> None:  # type: ignore[no-untyped-def]
    missing = run_cli("compile", "nope")
    assert missing.returncode == 2 and "no model named nope" in missing.stderr
    bad_name = run_cli("compile", "risk", "--function", "drop table x")
    assert bad_name.returncode == 2 and "function name" in bad_name.stderr
