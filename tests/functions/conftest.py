"""The dbt fixtures the relation path's dbt test builds on (a real dbt run on a copy of the demo)."""

from tests.dbt.conftest import dbt_project, parsed_project, run_dbt, scored_env, scored_source

__all__ = ["dbt_project", "parsed_project", "run_dbt", "scored_env", "scored_source"]
