"""Garbage in the raw tables never reaches consumers: each poisoned input is blocked with a message
naming the column at fault (or, when the data is valid but unusual, published with a recorded
warning naming it), and what consumers read is unchanged by a blocked run.

The input checks come from each model's training profile (``inputs_match_training_profile``, no
hand-written suite); the rest from the dbt tests and Great Expectations suites that were already
there. One real ``sqlscore run`` per group of cases (:data:`RUNS`): poisons share a run only when
the check that catches one can never hide another (different columns of the same check, or checks
on separate branches of the dbt graph: a failed test makes dbt skip everything downstream of the
node it tests), and the run must name every one of them, so each case is still shown caught.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.gate.conftest import Published


@dataclass(frozen=True)
class Poison:
    statements: tuple[str, ...]
    outcome: str  # blocked, failed (exit 2) or warned (published with a recorded warning)
    names: tuple[str, ...]  # what the run's message must name


CASES = {
    "charges_minus_1e6": Poison(
        ("update raw.customers set monthly_charges = -1e6",),
        "blocked",
        ("column monthly_charges", "out_of_range"),
    ),
    "charges_1e12": Poison(
        ("update raw.customers set monthly_charges = 1e12",),
        "blocked",
        ("column monthly_charges", "out_of_range"),
    ),
    "half_the_minutes_1e15": Poison(
        ("update raw.usage_events set minutes_used = 1e15 where customer_id % 2 = 0",),
        "blocked",
        ("column avg_minutes_3m", "out_of_range"),
    ),
    "every_charge_negative": Poison(
        ("update raw.customers set monthly_charges = -abs(monthly_charges)",),
        "blocked",
        ("column monthly_charges", "out_of_range"),
    ),
    "charges_nan": Poison(
        ("update raw.customers set monthly_charges = 'NaN'::double",),
        "blocked",
        ("column monthly_charges", "nonfinite"),
    ),
    "charges_infinity": Poison(
        (
            "update raw.customers set monthly_charges = case when customer_id % 2 = 0 then 'inf' else '-inf' end::double",
        ),
        "blocked",
        ("column monthly_charges", "nonfinite"),
    ),
    "unseen_plans_and_regions": Poison(
        (
            "update raw.customers set plan = 'platinum_xyz' where customer_id % 2 = 0",
            "update raw.customers set region = 'mars' where customer_id % 2 = 1",
        ),
        "blocked",
        ("column plan", "column region", "unseen_category"),
    ),
    "unseen_loan_purposes": Poison(
        ("update raw.loan_applications set purpose = 'moon_base' where application_id % 2 = 0",),
        "blocked",
        ("model risk, column purpose", "unseen_category"),
    ),
    "null_storm": Poison(
        ("update raw.customers set monthly_charges = null where customer_id % 3 = 0",),
        "blocked",
        ("null_share_at_most", "monthly_charges"),
    ),
    "duplicated_keys": Poison(
        ("insert into raw.customers select * from raw.customers where customer_id <= 20",),
        "blocked",
        ("unique", "customers_customer_id"),
    ),
    "duplicated_label_keys": Poison(
        ("insert into raw.churn_labels select * from raw.churn_labels where customer_id <= 20",),
        "blocked",
        ("unique_combination_stg_telecom__churn_labels_customer_id__label_month",),
    ),
    "text_in_a_number_column": Poison(
        (
            "alter table raw.customers alter monthly_charges type varchar "
            "using coalesce(monthly_charges::varchar || ' EUR', 'n/a')",
        ),
        "failed",
        ("Could not convert", "column monthly_charges"),
    ),
    "the_as_of_month_of_usage_missing": Poison(
        ("delete from raw.usage_events where usage_month = date '2026-10-01'",),
        "blocked",
        ("assert_usage_of_the_as_of_month_loaded",),
    ),
    "inputs_stopped_arriving": Poison(
        ("update raw.usage_events set _loaded_at = current_timestamp - interval 10 day",),
        "blocked",
        ("raw.usage_events: last loaded 240.", "error after 7 days"),
    ),
    "a_load_two_days_late": Poison(
        ("update raw.support_tickets set _loaded_at = current_timestamp - interval 2 day",),
        "warned",
        ("raw.support_tickets: last loaded 48.",),
    ),
    "a_few_charges_beyond_the_range": Poison(
        ("update raw.customers set monthly_charges = 50000 where customer_id % 400 = 0",),
        "warned",
        ("column monthly_charges", "out_of_range"),
    ),
}


#: The cases that share a run. Each column of int_customers_featurized's checks (the training
#: profile, null shares) takes one poison per run; a duplicated customer key, a late or missing
#: month of usage fail tests upstream of those checks (dbt then skips them), so they go with
#: poisons on other branches: the risk model's inputs, the churn labels, another source.
RUNS: tuple[tuple[str, ...], ...] = (
    ("charges_minus_1e6", "half_the_minutes_1e15"),
    ("charges_1e12", "unseen_plans_and_regions"),
    ("every_charge_negative", "unseen_loan_purposes"),
    ("charges_nan", "duplicated_label_keys"),
    ("charges_infinity",),
    ("null_storm",),
    ("duplicated_keys", "inputs_stopped_arriving"),
    ("the_as_of_month_of_usage_missing",),
    ("text_in_a_number_column",),
    ("a_load_two_days_late", "a_few_charges_beyond_the_range"),
)


def test_every_case_has_one_run_with_cases_of_one_outcome() -> None:
    grouped = [case for run in RUNS for case in run]
    assert sorted(grouped) == sorted(CASES)
    assert all(len({CASES[case].outcome for case in run}) == 1 for run in RUNS)


@pytest.mark.parametrize("cases", RUNS, ids=["+".join(run) for run in RUNS])
def test_poisoned_input(published: Published, cases: tuple[str, ...]) -> None:
    outcome = CASES[cases[0]].outcome
    names = [name for case in cases for name in CASES[case].names]
    published.execute("update raw.customers set monthly_charges = monthly_charges")  # same data, a real run
    before = published.consumer_view()
    published.execute(*(statement for case in cases for statement in CASES[case].statements))
    result = published.run()
    output = result.stdout + result.stderr
    status, _, _, message = published.last_run()
    expected_code = {"blocked": 1, "failed": 2, "warned": 0}[outcome]
    assert result.returncode == expected_code, output[-3000:]
    if outcome == "warned":
        assert status == "published"
        warnings = json.dumps(
            published.sql("select warnings from ops.sqlscore_runs order by started_at desc")[0]
        )
        for name in names:
            assert name in warnings and name in result.stdout, (name, warnings)
        assert published.consumer_view() != before
        return
    assert status == outcome
    for name in names:
        assert name in message, (name, message)
    assert published.consumer_view() == before
