"""A real DuckDB warehouse holding the monitoring tables, filled by SQL inserts of known rows.

The report reads tables another part of the project builds (dbt's models/monitoring/); these
tests do not depend on those models: they write rows with exactly the contracted columns, so
what the page must show is known in advance.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

DATES = ("2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31")
FEATURES = ("monthly_charges", "plan", "region", "tenure_months")
#: PSI of monthly_charges by month: ok, ok, warn, drift, drift (the report colours them so)
CHARGES_PSI = (0.01, 0.06, 0.14, 0.27, 0.41)
REALISED_AUC = (0.90, 0.89, 0.84, 0.76)  # the last month has no labels yet
HOLDOUT_AUC = 0.905
CHALLENGER_AUC = 0.871
SCHEMA_TABLES = ("feature_drift", "prediction_drift", "model_performance")

SCHEMA = """
create schema if not exists monitoring;
create schema if not exists scoring;
create or replace table monitoring.feature_drift (
    model_name varchar, model_version integer, as_of_date date, segment_by varchar, segment varchar,
    feature varchar, rows bigint, null_rate double, psi double, js_distance double, status varchar,
    run_id varchar);
create or replace table monitoring.prediction_drift (
    model_name varchar, model_version integer, as_of_date date, segment_by varchar, segment varchar,
    rows bigint, null_rate double, mean_score double, psi double, js_distance double,
    decile_shares double[], status varchar, run_id varchar);
create or replace table monitoring.model_performance (
    model_name varchar, model_version integer, as_of_date date, segment_by varchar, segment varchar,
    kind varchar, rows bigint, rows_labelled bigint, auc double, auc_note varchar, log_loss double,
    brier double, holdout_auc double, auc_drop double,
    calibration struct(decile integer, rows bigint, predicted double, observed double)[],
    status varchar, run_id varchar);
"""


def _status(psi: float) -> str:
    return "ok" if psi < 0.1 else "warn" if psi < 0.25 else "drift"


def build(path: Path, *, challenger: bool = True) -> Path:
    """Write the warehouse: churn monitored over five months, a challenger shadow-scored on the
    last two (``challenger=False``: its table exists but is empty)."""
    with duckdb.connect(str(path)) as con:
        con.execute(SCHEMA)
        for month, as_of in enumerate(DATES):
            run_id = f"00000000-0000-4000-8000-00000000000{month}"
            for feature in FEATURES:
                psi = CHARGES_PSI[month] if feature == "monthly_charges" else 0.01 * month
                if feature == "plan" and month >= 3:
                    psi = 0.12 * (month - 2)  # the new plan
                con.execute(
                    "insert into monitoring.feature_drift values ('churn', 1, ?, 'all', 'all', ?, 1000, 0.01, ?, ?, ?, ?)",
                    [as_of, feature, psi, psi / 3, _status(psi), run_id],
                )
            for segment in ("north", "south"):
                psi = 0.02 if segment == "north" else 0.08 * month
                con.execute(
                    "insert into monitoring.prediction_drift values ('churn', 1, ?, 'region', ?, 500, 0, ?, ?, ?, "
                    "[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], ?, ?)",
                    [as_of, segment, 0.04, psi, psi / 3, _status(psi), run_id],
                )
            shares = [0.1 + 0.012 * month * (4.5 - k) / 4.5 for k in range(10)]
            con.execute(
                "insert into monitoring.prediction_drift values ('churn', 1, ?, 'all', 'all', 1000, 0, ?, ?, ?, ?, ?, ?)",
                [
                    as_of,
                    0.045 - 0.003 * month,
                    0.03 * month,
                    0.01 * month,
                    shares,
                    _status(0.03 * month),
                    run_id,
                ],
            )
            calibration = [
                {"decile": k, "rows": 100, "predicted": 0.01 * k, "observed": 0.01 * k * (1 + 0.1 * month)}
                for k in range(1, 11)
            ]
            estimated = 0.9 - 0.01 * month
            con.execute(
                "insert into monitoring.model_performance values ('churn', 1, ?, 'all', 'all', 'estimated', 1000, 0, "
                "?, null, null, null, ?, ?, [], ?, ?)",
                [as_of, estimated, HOLDOUT_AUC, HOLDOUT_AUC - estimated, "ok", run_id],
            )
            if month < len(REALISED_AUC):
                auc = REALISED_AUC[month]
                drop = HOLDOUT_AUC - auc
                status = "ok" if drop < 0.05 else "warn" if drop < 0.10 else "drift"
                con.execute(
                    "insert into monitoring.model_performance values ('churn', 1, ?, 'all', 'all', 'realised', 1000, "
                    "1000, ?, null, 0.15, 0.04, ?, ?, ?, ?, ?)",
                    [as_of, auc, HOLDOUT_AUC, drop, calibration, status, run_id],
                )
                con.execute(
                    "insert into monitoring.model_performance values ('churn', 1, ?, 'region', 'south', 'realised', "
                    "220, 220, ?, null, 0.2, 0.05, ?, ?, [], ?, ?)",
                    [as_of, auc - 0.05, HOLDOUT_AUC, drop + 0.05, "warn", run_id],
                )
        # the challenger (v2) monitored on the month it shadow-scored whose labels have arrived
        con.execute(
            "insert into monitoring.model_performance values ('churn', 2, '2026-09-30', 'all', 'all', 'realised', "
            "300, 300, ?, null, 0.14, 0.04, 0.88, 0.0, [], 'ok', 'r')",
            [CHALLENGER_AUC],
        )
        # a single-class segment: AUC NULL with the reason, as the monitoring models write it
        con.execute(
            "insert into monitoring.model_performance values ('churn', 1, '2026-09-30', 'plan', 'unlimited_5g', "
            "'realised', 40, 40, null, 'one class only: every label is 0', null, null, ?, null, [], 'no_data', ?)",
            [HOLDOUT_AUC, "00000000-0000-4000-8000-000000000003"],
        )
        columns = (
            "customer_id bigint, as_of_date date, churn_probability double, churn_decile integer, "
            "model_name varchar, model_version integer, model_sha256 varchar, run_id varchar, "
            "scored_at timestamp with time zone, feature_hash ubigint"
        )
        con.execute(f"create or replace table scoring.churn_scores ({columns})")
        con.execute(f"create or replace table scoring.churn_shadow_scores ({columns})")
        con.execute(
            "insert into scoring.churn_scores select i, d::date, 0.02 + (i % 100) / 1000.0, 1 + (i % 100) // 10, "
            "'churn', 1, 'aa', 'r', now(), 1 from range(1, 301) t(i), unnest(?::varchar[]) u(d)",
            [list(DATES)],
        )
        if challenger:
            con.execute(
                "insert into scoring.churn_shadow_scores select i, d::date, 0.03 + (i % 97) / 1000.0, "
                "1 + (i % 97) // 10, 'churn', 2, 'bb', 'r', now(), 1 from range(1, 301) t(i), "
                "unnest(?::varchar[]) u(d)",
                [list(DATES[-2:])],
            )
    return path
