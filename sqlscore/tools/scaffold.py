"""``sqlscore scaffold MODEL --source SCHEMA.TABLE --key COLUMN``: the dbt models a new model needs.

Writes, into the dbt project, the four layers the demo models have, for a registered model whose
features are columns of one source table (the usual case for a model trained on a table; derived
features are then written in the intermediate model, which is the user's to edit):

- ``models/staging/<model>/``, a folder per source as the project's staging is laid out:
  ``_<model>__sources.yml`` (the source, named after the model: the scaffold does not know the
  system that loads the table), ``stg_<model>__<table>.sql`` (the table, typed) and
  ``_<model>__models.yml``;
- ``models/intermediate/int_<table>_featurized.sql``: key, as-of date and the card's features in
  the card's types;
- ``models/scoring/<model>_scores.sql``: ``score_incrementally()``, nothing else;
- ``models/marts/<table>_<model>_scores.sql``: the current as-of date's scores, declared published
  (``meta.sqlscore.publish``, enforced contract, ``access: public``);

each folder with a yml describing every model and column. The suite comes next, from the
contract: ``sqlscore expectations init <table>_<model>_scores``. Nothing is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from sqlscore.errors import ConfigError
from sqlscore.names import check_identifier, check_model_name
from sqlscore.registry.card import ModelCard

PROVENANCE = (
    ("model_name", "varchar", "Model that produced the score."),
    ("model_version", "integer", "Model version that produced the score."),
    ("model_sha256", "varchar", "sha256 of the artifact that produced the score."),
    ("run_id", "varchar", "Run that scored the row."),
    ("scored_at", "timestamp with time zone", "When the row was scored."),
)


@dataclass(frozen=True)
class Scaffold:
    """Names of what the scaffold writes for one model."""

    model: str
    schema: str
    table: str
    key: str
    #: the key column's type in the source table (the published contract declares it)
    key_type: str = "bigint"

    @property
    def staging(self) -> str:
        return f"stg_{self.model}__{self.table}"

    @property
    def features(self) -> str:
        return f"int_{self.table}_featurized"

    @property
    def scores(self) -> str:
        return f"{self.model}_scores"

    @property
    def mart(self) -> str:
        return f"{self.table}_{self.model}_scores"


def plan_scaffold(model: str, source: str, key: str) -> Scaffold:
    """Check the names (they become file names and SQL identifiers) before anything is written."""
    schema, dot, table = source.rpartition(".")
    return Scaffold(
        model=check_model_name(model),
        schema=check_identifier(schema, "source schema") if dot else "",  # "": found in the warehouse
        table=check_identifier(table, "source table"),
        key=check_identifier(key, "key column"),
    )


def check_source(con: duckdb.DuckDBPyConnection, plan: Scaffold, card: ModelCard) -> Scaffold:
    """The source table must hold the key and every feature; returns the plan with the key's type.

    A table given without its schema is looked up: it must exist in exactly one schema.
    """
    if not plan.schema:
        schemas = [
            name
            for (name,) in con.execute(
                "select distinct table_schema from information_schema.tables where table_name = ? order by 1",
                [plan.table],
            ).fetchall()
        ]
        if len(schemas) != 1:
            found = f"in schemas {', '.join(schemas)}" if schemas else "in no schema"
            raise ConfigError(f"source table {plan.table} is {found} of the warehouse: give SCHEMA.TABLE")
        plan = replace(plan, schema=check_identifier(schemas[0], "source schema"))
    rows = con.execute(
        "select column_name, lower(data_type) from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        [plan.schema, plan.table],
    ).fetchall()
    if not rows:
        raise ConfigError(f"source table {plan.schema}.{plan.table} does not exist in the warehouse")
    types = dict(rows)
    missing = [column for column in [plan.key, *card.feature_names] if column not in types]
    if missing:
        raise ConfigError(
            f"source table {plan.schema}.{plan.table} has no column {', '.join(missing)} "
            f"(model {plan.model} reads {', '.join(card.feature_names)}; key {plan.key})"
        )
    if plan.key in card.feature_names:
        raise ConfigError(f"the key {plan.key} is one of model {plan.model}'s features; pick the entity key")
    return replace(plan, key_type=types[plan.key])


def write_scaffold(project: Path, card: ModelCard, plan: Scaffold) -> list[Path]:
    """Write the dbt files for ``plan`` into ``project``; refuse if any exists. Returns the paths."""
    files = {
        project / "models" / "staging" / plan.model / f"_{plan.model}__sources.yml": _sources_yml(plan, card),
        project / "models" / "staging" / plan.model / f"{plan.staging}.sql": _staging_sql(plan, card),
        project / "models" / "staging" / plan.model / f"_{plan.model}__models.yml": _staging_yml(plan, card),
        project / "models" / "intermediate" / f"{plan.features}.sql": _features_sql(plan, card),
        project / "models" / "intermediate" / f"_{plan.features}.yml": _features_yml(plan, card),
        project / "models" / "scoring" / f"{plan.scores}.sql": _scores_sql(plan),
        project / "models" / "scoring" / f"_{plan.scores}.yml": _scores_yml(plan, card),
        project / "models" / "marts" / f"{plan.mart}.sql": _mart_sql(plan),
        project / "models" / "marts" / f"_{plan.mart}.yml": _mart_yml(plan, card),
    }
    existing = [str(path) for path in files if path.exists()]
    if existing:
        raise ConfigError(
            f"scaffold for {plan.model} would overwrite {', '.join(existing)}; nothing was written"
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return list(files)


def _cast(feature_type: str) -> str:
    return "double" if feature_type == "DOUBLE" else "varchar"


def _sources_yml(plan: Scaffold, card: ModelCard) -> str:
    columns = "".join(
        f"          - name: {name}\n            description: Input {name} of model {plan.model}.\n"
        for name in card.feature_names
    )
    return f"""version: 2

sources:
  - name: {plan.model}
    description: Where model {plan.model}'s inputs are loaded (written by sqlscore scaffold).
    schema: {plan.schema}
    tables:
      - name: {plan.table}
        description: One row per entity scored by model {plan.model}.
        columns:
          - name: {plan.key}
            description: Entity key.
            data_tests: [unique, not_null]
{columns}"""


def _staging_sql(plan: Scaffold, card: ModelCard) -> str:
    columns = ",\n".join(
        [f"        {plan.key}"]
        + [f"        cast({f.name} as {_cast(f.sql_type)}) as {f.name}" for f in card.features]
    )
    return f"""{{#- {plan.schema}.{plan.table}, typed as model {plan.model} reads it
    (written by sqlscore scaffold). -#}}
with

source as (
    select * from {{{{ source('{plan.model}', '{plan.table}') }}}}
),

renamed as (
    select
{columns}
    from source
),

final as (
    select * from renamed
)

select * from final
"""


def _staging_yml(plan: Scaffold, card: ModelCard) -> str:
    columns = "".join(
        f"      - name: {name}\n        description: Input {name} of model {plan.model}.\n"
        for name in card.feature_names
    )
    return f"""version: 2

models:
  - name: {plan.staging}
    description: {plan.schema}.{plan.table}, typed as model {plan.model} reads it (the source tests the key).
    columns:
      - name: {plan.key}
        description: Entity key.
{columns}"""


def _features_sql(plan: Scaffold, card: ModelCard) -> str:
    columns = ",\n".join(f"        {name}" for name in card.feature_names)
    return f"""{{#- Model {plan.model}'s features as of var('as_of_date'), one row per {plan.key}.
    Written by sqlscore scaffold: the features are the source's columns; derive them here
    (joins, windows, ratios; never a statistic fitted on the scoring data) when they are not. -#}}
with

entities as (
    select * from {{{{ ref('{plan.staging}') }}}}
),

final as (
    select
        {plan.key},
        {{{{ as_of_date() }}}} as as_of_date,
{columns}
    from entities
)

select * from final
"""


def _features_yml(plan: Scaffold, card: ModelCard) -> str:
    columns = "".join(
        f"      - name: {name}\n        description: Feature {name} of model {plan.model}.\n"
        for name in card.feature_names
    )
    return f"""version: 2

models:
  - name: {plan.features}
    description: Model {plan.model}'s features, one row per {plan.key}, as of the run's as-of date.
    data_tests:
      - inputs_match_training_profile:
          arguments:
            model_name: {plan.model}
    columns:
      - name: {plan.key}
        description: Entity key.
        data_tests: [unique, not_null]
      - name: as_of_date
        description: As-of date of the features.
{columns}"""


def _scores_sql(plan: Scaffold) -> str:
    return f"""{{#- Model {plan.model}'s score per {plan.key} and as-of date, incremental
    (see score_incrementally). -#}}
{{{{ score_incrementally('{plan.model}', key='{plan.key}', features='{plan.features}',
                       score_column='{plan.model}_score') }}}}
"""


def _score_columns(plan: Scaffold) -> list[tuple[str, str, str]]:
    return [
        (plan.key, "", "Entity key."),
        ("as_of_date", "date", "As-of date of the features scored."),
        (
            f"{plan.model}_score",
            "double",
            f"Score of model {plan.model} (probability of the positive class, or the prediction).",
        ),
        (
            f"{plan.model}_decile",
            "integer",
            "1 (lowest) to 10 (highest) against the model's held-out score deciles.",
        ),
    ]


def _scores_yml(plan: Scaffold, card: ModelCard) -> str:
    columns = _score_columns(plan) + [*PROVENANCE, ("feature_hash", "varchar", "md5 of the features scored.")]
    described = "".join(
        f"      - name: {name}\n        description: {text}\n"
        + (f"        data_type: {kind}\n" if kind else "")
        for name, kind, text in columns
    )
    return f"""version: 2

models:
  - name: {plan.scores}
    description: >
      Every score of model {plan.model}, per {plan.key} and as-of date (history; see
      score_incrementally).
    columns:
{described}"""


def _mart_sql(plan: Scaffold) -> str:
    return f"""{{#- Model {plan.model}'s scores of the current as-of date. A candidate: sqlscore run gates it
    with expectations/{plan.mart}.json, then publishes it (written by sqlscore scaffold). -#}}
with

scores as (
    select * from {{{{ ref('{plan.scores}') }}}}
),

final as (
    select
        {plan.key},
        as_of_date,
        {plan.model}_score,
        {plan.model}_decile,
        model_name,
        model_version,
        model_sha256,
        run_id,
        scored_at
    from scores
    where as_of_date = {{{{ as_of_date() }}}}
)

select * from final
"""


def _mart_yml(plan: Scaffold, card: ModelCard) -> str:
    described = ""
    for name, kind, text in _score_columns(plan) + list(PROVENANCE):
        data_type = kind or plan.key_type
        described += f"      - name: {name}\n        data_type: {data_type}\n        description: {text}\n"
        if name == plan.key:
            described += "        data_tests: [unique, not_null]\n"
    return f"""version: 2

models:
  - name: {plan.mart}
    description: >
      Model {plan.model}'s score of every {plan.key} at the current as-of date. Published by
      sqlscore run once its suite passes.
    config:
      access: public
      contract: {{enforced: true}}
      meta:
        sqlscore: {{publish: true, key: {plan.key}}}
    columns:
{described}"""
