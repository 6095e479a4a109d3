"""The monitoring benchmark's busy time: overlapping nodes count once, gaps between them not at all."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlscore.tools.bench.dbt_build import busy_seconds

START = datetime(2026, 10, 31, 3, 0, 0)


def _span(start: float, end: float) -> tuple[datetime, datetime]:
    return START + timedelta(seconds=start), START + timedelta(seconds=end)


def test_a_view_started_early_does_not_count_the_scoring_it_waited_for() -> None:
    # the risk view at 19.6-20.2 s, the three models at once from 44.5 s while churn scoring ran before
    spans = [_span(19.6, 20.2), _span(44.5, 77.8), _span(44.6, 66.4), _span(44.6, 60.7)]
    assert abs(busy_seconds(spans) - (0.6 + 33.3)) < 1e-9


def test_nested_touching_and_unordered_spans() -> None:
    assert busy_seconds([_span(5, 12), _span(0, 1), _span(7, 8), _span(12, 13), _span(1, 2)]) == 10.0
    assert busy_seconds([]) == 0.0
