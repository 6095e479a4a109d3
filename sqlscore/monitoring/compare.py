"""Champion against challenger on one as-of date: ``sqlscore models compare NAME``.

Both score tables are built by the same ``dbt build`` on the same rows: the champion's
(``scoring.<model>_scores``, dbt meta ``sqlscore.scores``) and the challenger's shadow scores
(``scoring.<model>_shadow_scores``, meta ``sqlscore.shadow_scores``). Which tables those are, their
key and score column, and where the model's realised outcomes are (meta ``sqlscore_labels``: a dbt
source, its key and label column, and for monthly labels the column holding the month after the
as-of date) are read from the parsed dbt project, never listed here.

Every figure is one SQL statement in the warehouse (no score table is pulled into Python):
rows scored by each, mean score, Pearson correlation of the two scores on the rows both scored,
the share of those rows whose decile moves (both scores placed against the *champion's* reference
deciles, ``ml_functions.score_decile_edges``, or the card's of the version that scored the date when a
promotion came since, so a move means the same thing for both), and, once
labels exist, the realised AUC of each on the rows both scored and labelled (rank-based: the
Mann-Whitney statistic with ties given their average rank, as ``sklearn.metrics.roc_auc_score``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from sqlscore.errors import ConfigError, ModelNotFoundError, SqlscoreError
from sqlscore.names import check_identifier, check_model_name
from sqlscore.registry import CHALLENGER, Registry

META_KEY = "sqlscore"
LABELS_KEY = "sqlscore_labels"


@dataclass(frozen=True)
class Labels:
    """Where a model's realised outcomes are: a table, its key and 0/1 label column.

    ``month_after``: the labels of as-of date D are the rows whose this column is the first day
    of the month after D (churn in the following month); None: every row whose label is not NULL
    (an outcome known once, like a loan's default).
    """

    table: str  # schema.table, both parts checked identifiers
    key: str
    label: str
    month_after: str | None = None


@dataclass(frozen=True)
class ScoreTables:
    """The champion's and the challenger's score tables of one model, as the dbt project declares."""

    model: str
    champion: str  # schema.table
    shadow: str
    key: str
    score_column: str
    labels: Labels | None


def _quoted(relation: str) -> str:
    schema, _, table = relation.partition(".")
    return f'"{check_identifier(schema, "schema")}"."{check_identifier(table, "table")}"'


def score_tables(manifest: Any, model: str) -> ScoreTables:
    """The tables dbt builds for ``model``'s champion and shadow scores, from the parsed project."""
    check_model_name(model)
    champion = shadow = None
    for node in manifest.nodes.values():
        if node.resource_type != "model":
            continue
        declared = (node.config.meta or {}).get(META_KEY) or {}
        if declared.get("scores") == model:
            champion = node
        elif declared.get("shadow_scores") == model:
            shadow = node
    if champion is None or shadow is None:
        missing, call = (
            ("scores", f"score_incrementally('{model}', ...)")
            if champion is None
            else ("shadow_scores", f"score_incrementally('{model}', ..., registry_alias='challenger')")
        )
        raise ConfigError(
            f"model {model}: no dbt model declares meta.{META_KEY}.{missing}: {model} "
            f"(a scoring model whose body is {call})"
        )
    declared = shadow.config.meta[META_KEY]
    try:
        key = check_identifier(str(declared.get("key")), f"key of {shadow.name}")
        score = check_identifier(str(declared.get("score_column")), f"score column of {shadow.name}")
        tables = [f"{n.schema}.{n.alias}" for n in (champion, shadow)]
        for relation in tables:
            _quoted(relation)
    except SqlscoreError as exc:
        raise ConfigError(f"model {model}: {exc}") from exc
    return ScoreTables(model, tables[0], tables[1], key, score, _labels(manifest, shadow, model))


def _labels(manifest: Any, shadow: Any, model: str) -> Labels | None:
    declared = (shadow.config.meta or {}).get(LABELS_KEY)
    if not declared:
        return None
    where = f"meta.{LABELS_KEY} of dbt model {shadow.name} (model {model})"
    source_name, _, table_name = str(declared.get("source", "")).partition(".")
    source = next(
        (s for s in manifest.sources.values() if s.source_name == source_name and s.name == table_name),
        None,
    )
    if source is None:
        raise ConfigError(f"{where}: source {declared.get('source')!r} is not a dbt source of the project")
    try:
        month_after = declared.get("month_after")
        return Labels(
            table=f"{check_identifier(source.schema, 'schema')}."
            f"{check_identifier(source.identifier, 'table')}",
            key=check_identifier(str(declared.get("key")), "label key"),
            label=check_identifier(str(declared.get("label")), "label column"),
            month_after=check_identifier(str(month_after), "month column") if month_after else None,
        )
    except SqlscoreError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, _, table = relation.partition(".")
    rows = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ? "
        "and database_name = current_database()",
        [schema, table],
    ).fetchall()
    return bool(rows[0][0])


def compare(
    con: duckdb.DuckDBPyConnection, tables: ScoreTables, registry: Registry, as_of: str | None = None
) -> dict[str, Any]:
    """The champion and challenger of ``tables.model`` side by side on one as-of date.

    ``as_of`` defaults to the newest date the shadow table holds. Raises naming the model when it
    has no challenger and nothing was shadow-scored, or nothing at that date.
    """
    model = tables.model
    challenger_version = registry.aliases(model).get(CHALLENGER)
    if not _relation_exists(con, tables.shadow) or not _relation_exists(con, tables.champion):
        raise ModelNotFoundError(
            f"model {model}: {tables.shadow} or {tables.champion} is not in the warehouse: run "
            "`sqlscore run` first"
        )
    shadow, champion = _quoted(tables.shadow), _quoted(tables.champion)
    key, score = f'"{tables.key}"', f'"{tables.score_column}"'
    if as_of is None:
        newest = con.execute(f"select cast(max(as_of_date) as varchar) from {shadow}").fetchall()[0][0]
        if newest is None:
            raise ModelNotFoundError(_nothing_shadow_scored(model, challenger_version, tables.shadow, None))
        as_of = newest
    date = _date(as_of)
    shadow_rows = con.execute(f"select count(*) from {shadow} where as_of_date = ?", [date]).fetchall()
    if not shadow_rows[0][0]:
        raise ModelNotFoundError(_nothing_shadow_scored(model, challenger_version, tables.shadow, as_of))
    edges_version, edges, edges_from = _champion_edges(con, registry, model, champion, date)
    figures = _figures(con, champion, shadow, key, score, date, edges)
    auc = _auc(con, champion, shadow, key, score, date, tables)
    return {
        "model": model,
        "as_of_date": as_of,
        "champion": {
            "table": tables.champion,
            "versions": figures["champion_versions"],
            "rows": figures["champion_rows"],
            "mean_score": figures["champion_mean"],
            "auc": auc["champion_auc"],
        },
        "challenger": {
            "table": tables.shadow,
            "versions": figures["challenger_versions"],
            "rows": figures["challenger_rows"],
            "mean_score": figures["challenger_mean"],
            "auc": auc["challenger_auc"],
            "alias_now": challenger_version,
        },
        "rows_both": figures["rows_both"],
        "score_correlation": figures["correlation"],
        "decile_moved_share": figures["moved"],
        "decile_edges": {"model_version": edges_version, "from": edges_from},
        "labelled_rows": auc["labelled"],
        "positives": auc["positives"],
        "auc_note": auc["note"],
    }


def _champion_edges(
    con: duckdb.DuckDBPyConnection, registry: Registry, model: str, champion: str, date: dt.date
) -> tuple[int | None, list[float] | None, str]:
    """The champion's reference deciles: those ``ml_functions`` holds for ``predict_<model>``, unless
    the champion rows of the date were scored by another version (a promotion since), whose card's
    deciles are then the scale those rows were published on."""
    bound = con.execute(
        "select model_version, score_decile_edges from main.ml_functions where function_name = ? "
        "and error is null",
        [f"predict_{model}"],
    ).fetchall()
    scored = con.execute(
        f"select distinct model_version from {champion} where as_of_date = ?", [date]
    ).fetchall()
    if len(scored) == 1 and (not bound or bound[0][0] != scored[0][0]):
        card = registry.card(model, scored[0][0])
        return int(card.version), card.score_reference.get("decile_edges"), f"model card of {card.ref}"
    if not bound:
        return None, None, f"ml_functions has no predict_{model}"
    return bound[0][0], bound[0][1], f"ml_functions (predict_{model})"


def _nothing_shadow_scored(model: str, challenger: str | None, shadow: str, as_of: str | None) -> str:
    at = f" at as-of date {as_of}" if as_of else ""
    if challenger is None:
        return (
            f"model {model} has no challenger and nothing is shadow-scored in {shadow}{at}: promote one "
            f"(sqlscore models promote {model} VERSION --alias {CHALLENGER}), then `sqlscore run`"
        )
    return (
        f"model {model}: its challenger ({model}:{challenger}) has nothing shadow-scored in {shadow}{at}: "
        "run `sqlscore run`" + (f" --as-of {as_of} --backfill" if as_of else "")
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"as-of date {text!r} is not a date written YYYY-MM-DD") from exc


def _figures(
    con: duckdb.DuckDBPyConnection,
    champion: str,
    shadow: str,
    key: str,
    score: str,
    date: dt.date,
    edges: list[float] | None,
) -> dict[str, Any]:
    """Rows, versions and mean of each; correlation and decile moves on the rows both scored."""
    query = f"""
        with
        champion as (
            select {key} as k, {score} as score, model_version from {champion} where as_of_date = $date
        ),
        challenger as (
            select {key} as k, {score} as score, model_version from {shadow} where as_of_date = $date
        ),
        both_scored as (
            select champion.score as champion_score, challenger.score as challenger_score
            from champion join challenger using (k)
        ),
        deciles as (
            select
                1 + len(list_filter($edges::double[], lambda e: champion_score > e)) as champion_decile,
                1 + len(list_filter($edges::double[], lambda e: challenger_score > e)) as challenger_decile,
                champion_score, challenger_score
            from both_scored
        )
        select
            (select count(*) from champion) as champion_rows,
            (select list(distinct model_version order by model_version) from champion)
                as champion_versions,
            (select avg(score) from champion) as champion_mean,
            (select count(*) from challenger) as challenger_rows,
            (select list(distinct model_version order by model_version) from challenger)
                as challenger_versions,
            (select avg(score) from challenger) as challenger_mean,
            count(*) as rows_both,
            corr(champion_score, challenger_score) as correlation,
            case when $edges is null then null
                 else avg(cast(champion_decile <> challenger_decile as double)) end as moved
        from deciles
    """
    cursor = con.execute(query, {"date": date, "edges": edges})
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchall()[0], strict=True))


#: Realised AUC of the champion's and the challenger's score on the rows both scored at ``$date`` and
#: labelled: each score's ranks (tied scores sharing their average rank), then the Mann-Whitney
#: statistic per score, (sum of the positives' ranks - P(P+1)/2) / (P·N), as ``roc_auc_score``. Also
#: returns the counts the caller needs to say why an AUC is undefined (n, positives, negatives) and
#: how many labels are not 0/1. ``{label_rows}`` is the SELECT of (k, y) from ``_label_rows``; the other
#: placeholders are quoted relations and columns.
_AUC_QUERY = """
        with
        labels as ({label_rows}),
        labelled as (
            select champion.{score} as champion_score, challenger.{score} as challenger_score, labels.y
            from {champion} as champion
            join {shadow} as challenger on challenger.{key} = champion.{key} and challenger.as_of_date = $date
            join labels on labels.k = champion.{key}
            where champion.as_of_date = $date
        ),
        ranked as (
            select
                y,
                -- tied scores share their average rank
                rank() over (order by champion_score)
                    + (count(*) over (partition by champion_score) - 1) / 2.0 as champion_rank,
                rank() over (order by challenger_score)
                    + (count(*) over (partition by challenger_score) - 1) / 2.0 as challenger_rank
            from labelled
        ),
        totals as (
            select
                count(*) as n,
                count(*) filter (where y = 1) as positives,
                count(*) filter (where y = 0) as negatives,
                sum(champion_rank) filter (where y = 1) as champion_sum,
                sum(challenger_rank) filter (where y = 1) as challenger_sum,
                count(*) filter (where y not in (0, 1)) as not_binary
            from ranked
        )
        select
            n, positives, negatives, not_binary,
            (champion_sum - positives * (positives + 1) / 2.0) / (positives * negatives) as champion_auc,
            (challenger_sum - positives * (positives + 1) / 2.0) / (positives * negatives) as challenger_auc
        from totals
    """


def _label_rows(labels: Labels) -> str:
    """The SELECT of the labels of the as-of date ``$date`` as (k, y): with a month column, only that
    date's following month, so a later month's outcome never counts as this date's."""
    label_key, label = f'"{labels.key}"', f'"{labels.label}"'
    when = (
        # any day of the month after the as-of date's month names that month (a loader may write the
        # month's first or last day)
        f"date_trunc('month', \"{labels.month_after}\") = date_trunc('month', $date) + interval 1 month"
        if labels.month_after
        else "true"
    )
    return (
        f"select {label_key} as k, cast({label} as integer) as y from {_quoted(labels.table)} "
        f"where {label} is not null and {when}"
    )


def _check_one_label_per_key(
    con: duckdb.DuckDBPyConnection, label_rows: str, tables: ScoreTables, labels: Labels, date: dt.date
) -> None:
    """Refuse a key labelled twice for the date: the join would count its row twice and the AUC
    would be wrong without any sign of it."""
    duplicated = con.execute(
        f"select count(*), min(k) from (select k from ({label_rows}) group by k having count(*) > 1)",
        {"date": date} if labels.month_after else None,
    ).fetchall()[0]
    if duplicated[0]:
        raise ConfigError(
            f"model {tables.model}: label table {labels.table} has {duplicated[0]} duplicated key(s) in "
            f"{labels.key} for as-of date {date} (first: {duplicated[1]}): one label per key is needed"
        )


def _auc(
    con: duckdb.DuckDBPyConnection,
    champion: str,
    shadow: str,
    key: str,
    score: str,
    date: dt.date,
    tables: ScoreTables,
) -> dict[str, Any]:
    """Realised AUC of each score on the rows both scored and labelled (NULL with a reason)."""
    empty = {"champion_auc": None, "challenger_auc": None, "labelled": 0, "positives": 0}
    labels = tables.labels
    if labels is None:
        return {**empty, "note": f"no meta.{LABELS_KEY} declared for {tables.shadow}: no labels to use"}
    if not _relation_exists(con, labels.table):
        return {**empty, "note": f"label table {labels.table} is not in the warehouse"}
    label_rows = _label_rows(labels)
    _check_one_label_per_key(con, label_rows, tables, labels, date)
    query = _AUC_QUERY.format(label_rows=label_rows, champion=champion, shadow=shadow, key=key, score=score)
    n, positives, negatives, not_binary, champion_auc, challenger_auc = con.execute(
        query, {"date": date}
    ).fetchall()[0]
    if not_binary:
        raise ConfigError(
            f"model {tables.model}: label column {labels.label} of {labels.table} holds {not_binary} "
            "value(s) other than 0/1 (false/true)"
        )
    result = {"labelled": n, "positives": positives or 0}
    if not n:
        return {**result, "champion_auc": None, "challenger_auc": None, "note": "no labels yet for this date"}
    if not positives or not negatives:
        return {
            **result,
            "champion_auc": None,
            "challenger_auc": None,
            "note": f"labels of one class only ({n} rows, {positives or 0} positive): AUC is undefined",
        }
    return {**result, "champion_auc": champion_auc, "challenger_auc": challenger_auc, "note": None}


def parsed_project(warehouse: Path, registry: Registry) -> Any:
    """The parsed dbt project (dbt parse, partial when the run's target folder has a parse)."""
    from sqlscore.pipeline.dbt import DbtInvocation, parse_project

    return parse_project(DbtInvocation(warehouse=warehouse, registry=registry, as_of="", run_id=""))
