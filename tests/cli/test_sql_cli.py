"""`sqlscore sql` and `sqlscore shell` as analysts use them, in real processes."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort

from sqlscore.registry import Registry
from tests import prewarmed
from tests.conftest import SQLSCORE

RISK_ARGUMENTS = (52000, 21.5, 4, "car", 12000, 36, 0, "rent", 0.23)
RISK_CALL = "predict_risk(52000, 21.5, 4, 'car', 12000, 36, 0, 'rent', 0.23)"


def _risk_champion_says(registry: Registry) -> float:
    """The risk champion's probability for RISK_ARGUMENTS, from onnxruntime on its artifact."""
    session = ort.InferenceSession(
        registry.load_artifact(registry.resolve("risk")), providers=["CPUExecutionProvider"]
    )
    feeds = {
        graph_input.name: np.array(
            [[value]], dtype=object if graph_input.type == "tensor(string)" else np.float64
        )
        for graph_input, value in zip(session.get_inputs(), RISK_ARGUMENTS, strict=True)
    }
    probabilities = session.run([session.get_outputs()[1].name], feeds)[0]
    return float(probabilities[0][1])


def test_sql_formats_and_errors(run_cli, demo_env: tuple[Path, Registry]) -> None:  # type: ignore[no-untyped-def]
    expected = _risk_champion_says(demo_env[1])
    table = run_cli("sql", f"select {RISK_CALL} as p")
    assert table.returncode == 0, table.stderr
    lines = [line.strip("│ ") for line in table.stdout.strip().splitlines()]
    # a box: top border, column name, type, separator, the one row, bottom border
    assert lines[1:3] == ["p", "double"] and lines[3].startswith("├"), table.stdout
    # predict_risk runs engine auto (compiled SQL or onnxruntime, whichever was measured faster):
    # onnxruntime's answer to floating-point precision, the engines' parity bound
    assert abs(float(lines[4]) - expected) <= 1e-12 and lines[5].startswith("└"), table.stdout
    rows = list(
        csv.DictReader(io.StringIO(run_cli("sql", "--format", "csv", f"select {RISK_CALL} as p").stdout))
    )
    assert [list(row) for row in rows] == [["p"]] and abs(float(rows[0]["p"]) - expected) <= 1e-12
    as_json = json.loads(
        run_cli("sql", "--format", "json", "select model_name from ml_models order by 1").stdout
    )
    assert [r["model_name"] for r in as_json] == ["churn", "risk"]
    wrong = run_cli("sql", "select predict_risk(1.0)")
    # DuckDB lists the candidates: "Candidate functions" (onnx engine) or "Candidate macros" (sql)
    assert wrong.returncode == 2 and "predict_risk" in wrong.stderr
    assert "Candidate functions" in wrong.stderr or "Candidate macros" in wrong.stderr


def test_csv_and_json_carry_list_and_struct_columns(run_cli) -> None:  # type: ignore[no-untyped-def]
    """ml_models.aliases is a list: CSV writes nested values as JSON text, JSON nests them."""
    query = (
        "select model_name, aliases, {'version': model_version, 'sha': left(sha256, 8)} as ref "
        "from ml_models order by 1"
    )
    as_csv = run_cli("sql", "--format", "csv", query)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["model_name"] for r in rows] == ["churn", "risk"]
    assert json.loads(rows[0]["aliases"]) == ["champion"] and json.loads(rows[0]["ref"])["version"] == 1
    as_json = json.loads(run_cli("sql", "--format", "json", query).stdout)
    assert as_json[0]["aliases"] == ["champion"] and as_json[0]["ref"]["version"] == 1


def test_shell_reads_statements_until_end_of_input(demo_env: tuple[Path, Registry]) -> None:
    warehouse, registry = demo_env
    env = {**os.environ, "SQLSCORE_WAREHOUSE": str(warehouse), "SQLSCORE_REGISTRY": str(registry.root)}
    script = f".functions\nselect 40 +\n  2 as answer;\nselect {RISK_CALL} > 0 as positive;\n.quit\n"
    result = prewarmed.run([SQLSCORE, "shell"], input=script, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "predict_churn -> churn:1" in result.stdout and "predict_risk -> risk:1" in result.stdout
    assert "42" in result.stdout and "true" in result.stdout
    assert "nanobind" not in result.stderr
    failing = prewarmed.run([SQLSCORE, "shell"], input="select nope;\n", env=env, timeout=120)
    assert failing.returncode == 2 and "nope" in failing.stderr


def test_shell_dot_commands_and_a_last_statement_without_semicolon(demo_env: tuple[Path, Registry]) -> None:
    warehouse, registry = demo_env
    env = {**os.environ, "SQLSCORE_WAREHOUSE": str(warehouse), "SQLSCORE_REGISTRY": str(registry.root)}
    script = ".help\n.tables\n.nonsense\nselect 6 * 7 as answer"
    result = prewarmed.run([SQLSCORE, "shell"], input=script, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert ".tables      the tables and views, by schema" in result.stdout
    raw = next(line for line in result.stdout.splitlines() if "│ raw" in line)
    assert "customers" in raw and "loan_applications" in raw and "usage_events" in raw
    assert "unknown command .nonsense" in result.stderr
    # the last statement, without ';', ran: its result is the last table printed
    assert "answer" in result.stdout and "42" in result.stdout[result.stdout.rindex("answer") :]
