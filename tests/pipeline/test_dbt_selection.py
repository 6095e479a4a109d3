"""``sqlscore run --select``: the tests that go with a selection (sqlscore.pipeline.dbt.selection_args)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import duckdb

from sqlscore.registry import Registry

#: the relationships test of the support tickets staging model, whose parent is the customers one
TICKETS_RELATIONSHIP = (
    "relationships_stg_telecom__support_tickets_customer_id__customer_id__ref_stg_telecom__customers_"
)


def _ran(warehouse: Path) -> dict[str, str]:
    """Node name -> status of the last dbt build of the site (its run_results.json)."""
    results = json.loads((warehouse.parent / "dbt_target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2]: r["status"] for r in results}


def _staging_views(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select view_name from duckdb_views() where schema_name = 'staging' order by 1"
        ).fetchall()
    return [name for (name,) in rows]


def test_a_selected_model_runs_with_its_own_tests_on_a_warehouse_of_raw_data(
    run_cli: Callable[..., subprocess.CompletedProcess[str]], demo_env: tuple[Path, Registry]
) -> None:
    """On a warehouse holding raw data only (dbt never ran there), ``--select`` of one staging
    model builds it and runs its own tests, not the relationships tests of the other staging
    models pointing at it: their views do not exist yet (dbt's default, eager, selected those
    tests too and the run failed on the missing views). Selecting both ends of a relationship
    runs the test between them."""
    warehouse, _ = demo_env
    result = run_cli("run", "--select", "stg_telecom__customers")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "no table (none selected)" in result.stdout
    assert _staging_views(warehouse) == ["stg_telecom__customers"]
    ran = _ran(warehouse)
    assert ran == {
        "stg_telecom__customers": "success",
        "not_null_stg_telecom__customers_customer_id": "pass",
        "not_null_stg_telecom__customers_signup_date": "pass",
        "unique_stg_telecom__customers_customer_id": "pass",
    }, ran

    result = run_cli("run", "--select", "stg_telecom__customers", "stg_telecom__support_tickets")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert _staging_views(warehouse) == ["stg_telecom__customers", "stg_telecom__support_tickets"]
    assert _ran(warehouse)[TICKETS_RELATIONSHIP] == "pass"
