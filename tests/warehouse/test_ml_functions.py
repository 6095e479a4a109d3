"""ml_reference_bins: the bound versions' reference bins, written with ml_functions."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import sqlscore
from sqlscore.registry import Registry
from sqlscore.warehouse.ml_functions import SCORE_FEATURE


@pytest.fixture
def catalog(demo_env: tuple[Path, Registry]) -> tuple[duckdb.DuckDBPyConnection, Registry]:
    warehouse, registry = demo_env
    con = sqlscore.connect(warehouse, registry=registry)
    yield con, registry
    con.close()


def test_every_bound_version_has_its_profile_and_score_as_bins(catalog) -> None:  # type: ignore[no-untyped-def]
    con, registry = catalog
    for name in ("churn", "risk"):
        card = registry.resolve(name)
        profile = registry.input_profile(card)
        assert profile is not None
        rows = con.execute(
            "select feature, kind, bin, lower_edge, upper_edge, category, reference_share"
            " from ml_reference_bins where model_name = ? and model_version = ? order by feature, bin",
            [name, int(card.version)],
        ).fetchall()
        by_feature: dict[str, list[tuple]] = {}  # type: ignore[type-arg]
        for feature, *rest in rows:
            by_feature.setdefault(feature, []).append(tuple(rest))
        assert set(by_feature) == {*card.feature_names, SCORE_FEATURE}
        for feature, facts in profile["features"].items():
            bins = by_feature[feature]
            if facts["kind"] == "number":
                edges = facts["decile_edges"]
                assert [b[1] for b in bins] == list(range(1, len(edges) + 2))
                assert [b[2] for b in bins] == [None, *edges]  # lower edges, the first open
                assert [b[3] for b in bins] == [*edges, None]
                assert [b[5] for b in bins] == facts["bin_shares"]
            else:
                present = 1 - facts["null_rate"]
                shares = {b[4]: b[5] for b in bins}
                assert shares == pytest.approx(
                    {c: s / present for c, s in facts["categories"].items()}, abs=1e-15
                )
                assert abs(sum(shares.values()) - 1) < 1e-12
                assert [b[5] for b in bins] == sorted(shares.values(), reverse=True)
        score = by_feature[SCORE_FEATURE]
        assert {b[0] for b in score} == {"score"}
        assert [b[2] for b in score][1:] == card.score_reference["decile_edges"]
        assert [b[5] for b in score] == card.score_reference["decile_shares"]


def test_a_profile_that_kept_only_its_top_categories_gets_an_other_bin(catalog) -> None:  # type: ignore[no-untyped-def]
    from sqlscore.warehouse.ml_functions import reference_bin_rows

    con, registry = catalog
    card = registry.resolve("risk")
    profile = registry.input_profile(card)
    assert profile is not None
    purpose = profile["features"]["purpose"]
    top = dict(sorted(purpose["categories"].items(), key=lambda item: -item[1])[:2])
    profile["features"]["purpose"] = {**purpose, "categories": top, "complete": False}

    class Declaration:  # reference_bin_rows reads the card only
        pass

    rows = [r for r in reference_bin_rows([(Declaration(), card)], {card.ref: profile}) if r[2] == "purpose"]  # type: ignore[list-item]
    present = 1 - purpose["null_rate"]
    assert [(r[7], r[8]) for r in rows] == [
        *((c, s / present) for c, s in top.items()),
        (None, pytest.approx(1 - sum(top.values()) / present, abs=1e-15)),
    ]


def test_a_version_without_decile_shares_has_no_score_bins(catalog) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from sqlscore.warehouse.ml_functions import reference_bin_rows

    _, registry = catalog
    card = registry.resolve("churn")
    old = replace(
        card, score_reference={k: v for k, v in card.score_reference.items() if k != "decile_shares"}
    )
    rows = reference_bin_rows([(object(), old)], {})  # type: ignore[list-item]
    assert rows == []
