"""README: ``udfs/functions.yml`` binds a function to ``model`` (its champion), ``model@alias`` or
a pinned ``model:version``; an alias follows promotions, a pinned version never moves."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import sqlscore
from sqlscore.functions import load_declarations
from sqlscore.registry import Registry
from sqlscore.tools.demo.train import RISK
from tests.functions.test_functions import RISK_ROW, _fit

DECLARATIONS = """\
functions:
  - {name: risk_pinned_1, model: 'risk:1'}
  - {name: risk_pinned_2, model: 'risk:2'}
  - {name: risk_of_champion, model: risk@champion}
  - {name: risk_of_challenger, model: risk@challenger}
  - {name: risk_plain, model: risk}
"""
CALL = "(1e5, 10, 2, 'car', 1e4, 36, 0, 'own', 0.1)"


def _bound_and_scores(
    warehouse: Path, registry: Registry, udfs: Path
) -> tuple[dict[str, str], dict[str, float]]:
    con = sqlscore.connect(warehouse, registry=registry, udfs=udfs)
    try:
        bound = dict(
            con.sql(
                "select function_name, model_name || ':' || model_version from main.ml_functions "
                "where model_name = 'risk'"
            ).fetchall()
        )
        scores = {name: con.sql(f"select {name}{CALL}").fetchall()[0][0] for name in bound}
    finally:
        con.close()
    return bound, scores


def test_pinned_versions_stay_and_aliases_follow_promotions(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    warehouse, registry = demo_env
    udfs = tmp_path / "udfs"
    udfs.mkdir()
    (udfs / "functions.yml").write_text(DECLARATIONS)
    # version 2: another fit of the same features, so each score says which version computed it
    pipeline, frame = _fit(warehouse, RISK, registry, classifier__C=0.001)
    row = pd.DataFrame([dict(zip(frame.columns[1:], RISK_ROW, strict=True))])
    second = pipeline.predict_proba(row)[0, 1]
    registry.promote("risk", 1, "champion")  # _fit made version 2 champion: hand it back
    registry.promote("risk", 2, "challenger")

    bound, scores = _bound_and_scores(warehouse, registry, udfs)
    assert bound == {
        "risk_pinned_1": "risk:1",
        "risk_pinned_2": "risk:2",
        "risk_of_champion": "risk:1",
        "risk_of_challenger": "risk:2",
        "risk_plain": "risk:1",
        "predict_risk": "risk:1",  # undeclared default: the champion
        "predict_risk_challenger": "risk:2",  # default of a model with a challenger: what shadow scores
    }
    first = scores["risk_pinned_1"]
    assert abs(scores["risk_pinned_2"] - second) <= 1e-6 and abs(first - second) > 1e-3
    assert scores["risk_of_champion"] == scores["risk_plain"] == scores["predict_risk"] == first
    assert scores["risk_of_challenger"] == scores["risk_pinned_2"]

    registry.promote("risk", 2, "champion")  # the aliases move; the pinned versions do not
    registry.promote("risk", 1, "challenger")
    bound, scores = _bound_and_scores(warehouse, registry, udfs)
    assert bound == {
        "risk_pinned_1": "risk:1",
        "risk_pinned_2": "risk:2",
        "risk_of_champion": "risk:2",
        "risk_of_challenger": "risk:1",
        "risk_plain": "risk:2",
        "predict_risk": "risk:2",
        "predict_risk_challenger": "risk:1",
    }
    assert (
        scores["risk_pinned_1"] == scores["risk_of_challenger"] == scores["predict_risk_challenger"] == first
    )
    assert scores["risk_of_champion"] == scores["risk_plain"] == scores["predict_risk"]
    assert scores["predict_risk"] == scores["risk_pinned_2"]


def test_a_challenger_alias_adds_its_function_beside_the_champion(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    """predict_<model>_challenger exists exactly while the model has a challenger, follows the
    default engine, and a declaration of that very name replaces it (as for predict_<model>)."""
    _, registry = demo_env
    udfs = tmp_path / "udfs"
    udfs.mkdir()

    def declared(engine: str | None = None) -> dict[str, tuple[str, str]]:
        return {d.name: (d.model, d.engine) for d in load_declarations(registry, udfs, engine)}

    assert not [name for name in declared() if name.endswith("_challenger")]
    registry.promote("churn", 1, "challenger")
    assert declared()["predict_churn_challenger"] == ("churn@challenger", "auto")
    assert declared("sql")["predict_churn_challenger"] == ("churn@challenger", "sql")
    assert "predict_risk_challenger" not in declared()
    (udfs / "functions.yml").write_text(
        "functions:\n  - {name: predict_churn_challenger, model: 'churn:1'}\n"
    )
    assert declared()["predict_churn_challenger"] == ("churn:1", "auto")
