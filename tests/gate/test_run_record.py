"""What one `sqlscore run` leaves, read from the session's published warehouse (no run of its own):
its row in ``ops.sqlscore_runs`` (README: "run id, pid, start, end, status, the last step it
passed, rows scored per table, model versions, rows published, failed expectations, warnings,
quarantined tables, timings") and the published scores' deciles and risk bands (README: "a decile
against the model's held-out score deciles (from its card) and, for risk, a risk_band
(thresholds in var('risk_bands'))")."""

from __future__ import annotations

import bisect
import json
import os
from pathlib import Path

import yaml  # type: ignore[import-untyped]

from tests.gate.conftest import REPO, TABLES, Published

#: published table -> (scoring table, the features it scores, score column, decile column)
SCORED = {
    "customer_churn_scores": (
        "scoring.churn_scores",
        "intermediate.int_customers_featurized",
        "churn_probability",
        "churn_decile",
    ),
    "loan_application_risk_scores": (
        "scoring.risk_scores",
        "intermediate.int_loan_applications_featurized",
        "default_probability",
        "risk_decile",
    ),
}


def test_the_run_record_counts_and_times_what_the_run_did(published_source: Path) -> None:
    site = Published(published_source)
    runs = site.sql(
        "select run_id, pid, as_of_date::varchar, started_at, ended_at, status, step, rows_scored, "
        "rows_published, model_versions, failed_expectations, warnings, quarantined, timings "
        "from ops.sqlscore_runs"
    )
    assert len(runs) == 1  # the fixture's one run, from a warehouse that had none
    (
        run_id,
        pid,
        as_of,
        started,
        ended,
        status,
        step,
        scored,
        rows,
        versions,
        failed,
        warnings,
        kept,
        timings,
    ) = runs[0]
    assert (status, step, as_of) == ("published", "serving_swapped", "2026-10-31")
    assert isinstance(pid, int) and pid > 0 and pid != os.getpid()
    assert started < ended

    # rows scored: exactly the rows of each scoring table carrying this run's id, which (a first
    # run) is every row of the features it scores
    scored = json.loads(scored)
    shadows = {"scoring.churn_shadow_scores", "scoring.risk_shadow_scores"}  # built: no challenger
    assert set(scored) == {relation for relation, *_ in SCORED.values()} | shadows
    for shadow in shadows:
        (carrying,) = site.sql(f"select count(*) from {shadow}")[0]
        assert scored[shadow] == carrying == 0, shadow
    for relation, features, *_ in SCORED.values():
        (carrying,) = site.sql(f"select count(*) from {relation} where run_id = ?", run_id)[0]
        (inputs,) = site.sql(f"select count(*) from {features}")[0]
        assert scored[relation] == carrying == inputs > 1000, relation
    assert json.loads(rows) == {t: site.sql(f"select count(*) from published.{t}")[0][0] for t in TABLES}

    # model versions: every bound function, as ml_functions has it, and as the published rows say
    versions = json.loads(versions)
    bound = dict(site.sql("select function_name, model_name || ':' || model_version from main.ml_functions"))
    assert (
        versions == bound and versions["predict_churn"] == "churn:1" and versions["predict_risk"] == "risk:1"
    )
    for table, function in (
        ("customer_churn_scores", "predict_churn"),
        ("loan_application_risk_scores", "predict_risk"),
    ):
        provenance = site.sql(f"select distinct model_name || ':' || model_version from published.{table}")
        assert provenance == [(versions[function],)], table
    assert failed is None and kept is None
    assert isinstance(json.loads(warnings), list)

    # timings, in seconds: dbt's build (the scoring models within it), the gate, the monitoring
    # report and the publish
    timings = json.loads(timings)
    assert set(timings) == {"dbt_build", "scoring", "gate", "report", "publish"}, timings
    assert all(seconds > 0 for seconds in timings.values()), timings
    assert timings["scoring"] < timings["dbt_build"]
    elapsed = (ended - started).total_seconds()
    assert timings["dbt_build"] + timings["gate"] < elapsed, (timings, elapsed)
    assert timings["publish"] < elapsed


def _card(root: Path, model: str, version: int) -> dict:  # type: ignore[type-arg]
    return json.loads((root / "models_onnx" / model / str(version) / "model_card.json").read_text())


def test_deciles_are_against_the_cards_held_out_deciles_and_bands_from_the_declared_thresholds(
    published_source: Path,
) -> None:
    site = Published(published_source)
    for table, (_, _, score, decile) in SCORED.items():
        rows = site.sql(f"select model_name, model_version, {score}, {decile} from published.{table}")
        assert len(rows) > 1000
        edges = {
            (m, v): _card(published_source, m, v)["score_reference"]["decile_edges"] for m, v, _, _ in rows
        }
        for name, version, probability, got in rows:
            held_out = edges[(name, version)]
            assert len(held_out) == 9
            # 1 + the number of held-out decile edges below the score (a score on an edge may go
            # either way)
            below, at_most = (
                bisect.bisect_left(held_out, probability),
                bisect.bisect_right(held_out, probability),
            )
            assert got in range(1 + below, 2 + at_most), (table, probability, got, held_out)
        assert {got for *_, got in rows} == set(range(1, 11)), table  # every decile is used

    bands = yaml.safe_load((REPO / "dbt_project" / "dbt_project.yml").read_text())["vars"]["risk_bands"]
    bounds = sorted((float(b["min"]), b["band"]) for b in bands)
    rows = site.sql("select default_probability, risk_band from published.loan_application_risk_scores")
    for probability, band in rows:
        expected = [name for low, name in bounds if probability >= low][-1]  # lower bounds inclusive
        assert band == expected, (probability, band, bounds)
    assert len({band for _, band in rows}) >= 3
