"""The settings module is the one place a ``SQLSCORE_*`` variable is read, and the README says so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sqlscore import settings
from sqlscore.pipeline.steps import parse_as_of

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "sqlscore"


def test_the_readme_table_is_the_one_the_settings_module_generates() -> None:
    assert settings.settings_table() in (REPO / "README.md").read_text()


def _env_names_in(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith("SQLSCORE_") and node.value[9:].isupper():
                names.add(node.value)
    return names


def test_no_module_but_settings_names_an_environment_variable() -> None:
    elsewhere = {
        str(path.relative_to(REPO)): names
        for path in PACKAGE.rglob("*.py")
        if path.name != "settings.py" and (names := _env_names_in(path))
    }
    assert elsewhere == {}
    declared = {setting.env for setting in settings.SETTINGS}
    assert _env_names_in(PACKAGE / "settings.py") == declared


def test_every_setting_reads_explicit_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SQLSCORE_AS_OF", raising=False)
    assert parse_as_of(None) == settings.DEFAULT_AS_OF == "2026-10-31"
    monkeypatch.setenv("SQLSCORE_AS_OF", "2026-09-30")
    assert parse_as_of(None) == "2026-09-30"
    assert parse_as_of("2026-08-31") == "2026-08-31"
    with pytest.raises(Exception, match="as-of date '' is not a date"):
        parse_as_of("")  # an explicit empty value is refused, never replaced by the default
    monkeypatch.setenv("SQLSCORE_SERVING", "/tmp/elsewhere.duckdb")
    assert settings.serving_path(Path("/data/w.duckdb")) == Path("/tmp/elsewhere.duckdb")
    monkeypatch.delenv("SQLSCORE_SERVING")
    assert settings.serving_path(Path("/data/w.duckdb")) == Path("/data/w_serving.duckdb")


def test_exit_codes_are_defined_once() -> None:
    defined = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name) and name.id.startswith("EXIT_"):
                        defined.append(f"{path.relative_to(REPO)}: {name.id}")
    assert defined == []
    assert [int(code) for code in settings.ExitCode] == [0, 1, 2]
