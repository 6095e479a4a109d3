"""The ``sqlscore models`` commands as a user runs them, in a real process."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from sqlscore.cli.main import main as cli_main
from sqlscore.registry import Registry
from sqlscore.warehouse.ml_models import refresh_catalog_file


def test_help_everywhere(run_cli) -> None:  # type: ignore[no-untyped-def]
    for args in (
        ["--help"],
        ["models", "--help"],
        ["models", "verify", "--help"],
        ["demo-data", "--help"],
        ["models", "promote", "--help"],
        ["models", "compare", "--help"],
        ["models", "profile", "--help"],
    ):
        result = run_cli(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "usage:" in result.stdout


def test_list_json_shows_champions(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("models", "list", "--json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert {(r["name"], r["version"], tuple(r["aliases"])) for r in records} == {
        ("churn", "1", ("champion",)),
        ("risk", "1", ("champion",)),
    }


def test_show(run_cli) -> None:  # type: ignore[no-untyped-def]
    human = run_cli("models", "show", "churn@champion")
    assert human.returncode == 0 and "predict_churn(tenure_months, plan" in human.stdout
    machine = json.loads(run_cli("models", "show", "risk:1", "--json").stdout)
    assert machine["name"] == "risk" and machine["aliases"] == ["champion"]


def test_errors_exit_2_with_message(run_cli) -> None:  # type: ignore[no-untyped-def]
    missing = run_cli("models", "show", "fraud")
    assert missing.returncode == 2 and "no model named fraud" in missing.stderr
    bad = run_cli("models", "promote", "../churn", "1", "--alias", "champion")
    assert bad.returncode == 2 and "invalid model name" in bad.stderr
    usage = run_cli("models", "promote", "churn")
    assert usage.returncode == 2


def test_compare_and_profile_refuse_bad_arguments_before_any_work(demo_env, capsys) -> None:  # type: ignore[no-untyped-def]
    """Named at once (no dbt parse, no warehouse opened): the model, the version, the table."""
    warehouse, registry = demo_env
    where = ["--warehouse", str(warehouse), "--registry", str(registry.root)]
    for args, message in (
        (["models", "compare", "../churn"], "invalid model name '../churn'"),
        (["models", "compare", "fraud"], "no model named fraud"),
        (
            ["models", "profile", "churn", "--from", "raw.customers"],
            "name the version to profile as NAME:VERSION",
        ),
        (["models", "profile", "churn:7", "--from", "raw.customers"], "model churn has no version 7"),
        (
            ["models", "profile", "churn:1", "--from", "raw.customers"],
            "model churn:1 already has an input profile",
        ),
    ):
        assert cli_main([*where, *args]) == 2, args
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (args, err)
    with pytest.raises(SystemExit):  # --from is required
        cli_main([*where, "models", "profile", "churn:1"])
    assert "--from" in capsys.readouterr().err


def test_verify_names_corrupted_file(run_cli, demo_env: tuple[Path, Registry]) -> None:  # type: ignore[no-untyped-def]
    _, registry = demo_env
    assert run_cli("models", "verify").returncode == 0
    artifact = registry.artifact_path(registry.card("churn", 1))
    data = bytearray(artifact.read_bytes())
    data[100] = (data[100] + 1) % 256
    artifact.write_bytes(bytes(data))
    result = run_cli("models", "verify")
    assert result.returncode == 1
    assert str(artifact) in result.stdout
    as_json = json.loads(run_cli("models", "verify", "--json").stdout)
    assert [p["path"] for p in as_json["problems"]] == [str(artifact)]


def test_promote_rollback_refresh_ml_models(run_cli, demo_env: tuple[Path, Registry]) -> None:  # type: ignore[no-untyped-def]
    warehouse, registry = demo_env
    from dataclasses import replace

    card = registry.card("risk", 1)
    registry.write_version(replace(card, version="2"), registry.load_artifact(card))
    refresh_catalog_file(warehouse, registry)

    def champion() -> list[tuple[str, int]]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                "select model_name, model_version from ml_models where is_champion order by 1"
            ).fetchall()

    assert champion() == [("churn", 1), ("risk", 1)]
    promoted = run_cli("models", "promote", "risk", "2", "--alias", "champion")
    assert promoted.returncode == 0, promoted.stderr
    assert champion() == [("churn", 1), ("risk", 2)]
    rolled = run_cli("models", "rollback", "risk", "--alias", "champion")
    assert rolled.returncode == 0 and "2 -> 1" in rolled.stdout
    assert champion() == [("churn", 1), ("risk", 1)]
    again = run_cli("models", "rollback", "risk", "--alias", "champion")
    assert again.returncode == 2 and "no previous holder" in again.stderr


def test_seal_a_card_written_before_checksums(run_cli, demo_env: tuple[Path, Registry]) -> None:  # type: ignore[no-untyped-def]
    _, registry = demo_env
    path = registry.root / "churn" / "1" / "model_card.json"
    card = json.loads(path.read_text())
    del card["card_sha256"]  # as sqlscore wrote cards before this release
    path.write_text(json.dumps(card))
    listed = run_cli("models", "list")
    assert "churn" not in listed.stdout and "sqlscore models seal churn:1" in listed.stderr
    sealed = run_cli("models", "seal", "churn:1")
    assert sealed.returncode == 0, sealed.stderr
    assert run_cli("models", "verify").returncode == 0
    again = run_cli("models", "seal", "churn:1")
    assert again.returncode == 2 and "already has a checksum" in again.stderr
    # an unsealed card that points elsewhere is refused, not sealed
    risk = registry.root / "risk" / "1" / "model_card.json"
    hostile = json.loads(risk.read_text())
    del hostile["card_sha256"]
    hostile["name"] = "../churn"
    risk.write_text(json.dumps(hostile))
    refused = run_cli("models", "seal", "risk:1")
    assert refused.returncode == 2 and "lies in the folder of risk:1" in refused.stderr
    assert "card_sha256" not in json.loads(risk.read_text())
