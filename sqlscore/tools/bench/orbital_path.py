"""The orbital comparison: the same model as SQL written by orbital, run by the same DuckDB.

orbital is a benchmark extra in its own virtualenv (``make bench-orbital``;
or ``SQLSCORE_ORBITAL_PYTHON`` pointing at a Python that has it). Its SQL is
generated before timing starts; the timed statement is the same
``CREATE TABLE ... AS SELECT`` as for the other DuckDB paths.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb

from sqlscore.errors import SqlscoreError
from sqlscore.settings import ORBITAL_PYTHON
from sqlscore.tools.bench.workload import PLAIN_CLASSIFIER, PLAIN_FEATURES, PLAIN_PARAMS, Workload
from sqlscore.tools.demo.train import CHURN, RISK, load_training_frame

DEFAULT_VENV = Path(__file__).resolve().parents[3] / ".venv-orbital"
JOB = Path(__file__).with_name("orbital_job.py")
#: The demo pipelines orbital is compared on (the plain linear model and the 100-tree churn model).
ORBITAL_MODELS = ("plain_lr", "risk", "churn")


def orbital_python() -> Path | None:
    explicit = ORBITAL_PYTHON.read()
    if explicit:
        return Path(explicit)
    candidate = DEFAULT_VENV / "bin" / "python"
    return candidate if candidate.exists() else None


def _spec(workload: Workload, model: str, rows: int) -> dict[str, object]:
    training = workload.folder / f"orbital_training_{model}.parquet"
    with duckdb.connect(str(workload.source), read_only=True) as con:
        if model == "plain_lr":  # the rows and order fit_model uses, so the fit is the same
            frame = con.sql("select * from plain_training").pl()
            numeric: list[str] = list(PLAIN_FEATURES)
            categorical: list[str] = []
            estimator, params = PLAIN_CLASSIFIER, dict(PLAIN_PARAMS)
        else:
            demo = CHURN if model == "churn" else RISK
            frame = load_training_frame(con, demo)
            categorical = list(demo.categoricals)
            numeric = [c for c in frame.columns if c not in (demo.key, "label", *categorical)]
            estimator, params = demo.classifier, dict(demo.params)
    frame.write_parquet(training)
    return {
        "training": str(training),
        "numeric": numeric,
        "categorical": categorical,
        "estimator": estimator,
        "params": params,
        "table": workload.input_table(model, rows),
        "out": str(workload.folder / f"orbital_{model}_{rows}.sql"),
    }


def generate_orbital_sql(workload: Workload, model: str, rows: int) -> Path:
    python = orbital_python()
    if python is None:
        raise SqlscoreError(f"orbital is not installed: run `make bench-orbital` or set {ORBITAL_PYTHON.env}")
    spec = _spec(workload, model, rows)
    spec_path = workload.folder / f"orbital_{model}.json"
    spec_path.write_text(json.dumps(spec))
    result = subprocess.run(
        [str(python), str(JOB), str(spec_path)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SqlscoreError(f"orbital could not translate {model}: {result.stderr.strip()[-1500:]}")
    return Path(str(spec["out"]))
