"""The monthly demo's challenger steps: retrain when the drift gate fires, shadow-score, promote on a block.

These are the replay's hooks (:class:`~sqlscore.tools.demo.monthly.ReplayHooks`), what a team
would script around the scheduler, written with the tools a team has: the registry's aliases,
``sqlscore run`` and the warehouse's tables. After each month's run:

1. The drift gate's findings of that run are read where dbt stored them (the
   ``drift_within_thresholds`` tests' failure tables) and printed with the champion's and the
   challenger's AUC: estimated on the month just scored (CBPE, before labels), realised on the
   month whose labels just arrived.
2. **Retrain**: when the gate fired for a model's whole population (warn or block; a segment's
   warning alone does not) and it has no challenger of its own (none, or the challenger alias
   still on the champion's version), a challenger is trained on the most recent labelled month
   (the month before; its churn labels arrived with this one) and given the ``challenger`` alias:
   the next run shadow-scores it beside the champion.
3. **Promote**: when the gate blocked the run for a model, its challenger gets the ``champion``
   alias if its realised AUC on the latest labelled month beat the champion's (else a new one is
   trained on that month and promoted: the gate judges it on the rerun), and the month is run
   again, so it publishes with the new version. The challenger alias stays on the promoted
   version (shadow-scoring the champion's own version) until the next retrain moves it.

The champion's figures come from ``monitoring.model_performance`` (the table of record); the
challenger's are computed the same way on ``scoring.<model>_shadow_scores`` (model_performance
measures the champion's scores only): the estimate is CBPE's expected AUC, the realised one the
rank AUC with ties sharing their rank, both in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from sqlscore.pipeline.dbt import DRIFT_GATE_TEST, levelled_findings
from sqlscore.registry import CHALLENGER, CHAMPION, Registry
from sqlscore.settings import ExitCode
from sqlscore.tools.demo.monthly import ReplayContext, ReplayHooks, feed_months, load_month, run_as_of
from sqlscore.tools.demo.train import CHURN, RISK, DemoModel, train_and_export

#: The demo's models by name, with their scoring tables' score column (``scoring.<name>_scores``
#: and ``scoring.<name>_shadow_scores``, keyed by the model's key).
DEMO_MODELS: dict[str, tuple[DemoModel, str]] = {
    CHURN.name: (CHURN, "churn_probability"),
    RISK.name: (RISK, "default_probability"),
}

#: CBPE's expected AUC of one version's scores at one date (as model_performance estimates it):
#: expected TP and FP as running sums of p and 1 - p down the scores, trapezoid over the curve.
#: {table} and {score} are the demo's own constants, quoted; values are bound.
_ESTIMATED_AUC = """
with by_score as (
    select {score} as score, sum({score}) as tp, sum(1 - {score}) as fp
    from {table} where as_of_date = $1 and model_version = $2 and {score} is not null
    group by all
),
curve as (
    select *,
           sum(tp) over (order by score desc rows between unbounded preceding and current row) as running_tp
    from by_score
)
select sum(fp * (running_tp - tp / 2)) / nullif(max(running_tp) * sum(fp), 0) from curve
"""

#: The rank AUC of one version's scores at one date against the labels monitoring joined to that
#: date's scores (ties share their average rank, as sklearn's roc_auc_score); NULL on one class.
_REALISED_AUC = """
with labelled as (
    select s.{score} as score, l.label
    from {table} as s
    join monitoring.{model}_scores_labelled as l on l.entity_id = s.{key} and l.as_of_date = s.as_of_date
    where s.as_of_date = $1 and s.model_version = $2 and l.label is not null and s.{score} is not null
),
ranked as (
    select label, avg(position) over (partition by score) as rank
    from (select *, row_number() over (order by score) as position from labelled)
)
select (sum(rank) filter (where label) - positives * (positives + 1) / 2) / nullif(positives * negatives, 0)
from (
    select *, count(*) filter (where label) over () as positives,
           count(*) filter (where not label) over () as negatives
    from ranked
)
group by positives, negatives
"""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def gate_findings(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The drift gate's rows of the last build: what dbt stored for each ``drift_within_thresholds`` test."""
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where starts_with(table_name, ?) order by all",
        [DRIFT_GATE_TEST + "_"],
    ).fetchall()
    return levelled_findings(con, [f"{_quoted(schema)}.{_quoted(table)}" for schema, table in tables])


def version_auc(
    con: duckdb.DuckDBPyConnection,
    model: str,
    as_of: date,
    version: int | None,
    *,
    shadow: bool,
    realised: bool,
) -> float | None:
    """A version's AUC at a date: the champion's from model_performance, a challenger's from its shadow
    scores (model_performance measures the champion's table only)."""
    if version is None:
        return None
    if not shadow:  # the table of record
        rows = con.execute(
            "select auc from monitoring.model_performance where model_name = ? and as_of_date = ? "
            "and model_version = ? and kind = ? and segment_by = 'all'",
            [model, as_of, version, "realised" if realised else "estimated"],
        ).fetchall()
        return None if not rows or rows[0][0] is None else float(rows[0][0])
    demo, score = DEMO_MODELS[model]
    table = f"scoring.{_quoted(model + ('_shadow_scores' if shadow else '_scores'))}"
    template = _REALISED_AUC if realised else _ESTIMATED_AUC
    query = template.format(table=table, score=_quoted(score), key=_quoted(demo.key), model=model)
    rows = con.execute(query, [as_of, version]).fetchall()  # no row when nothing is labelled
    return None if not rows or rows[0][0] is None else float(rows[0][0])


def _versions_at(con: duckdb.DuckDBPyConnection, model: str, as_of: date, shadow: bool) -> int | None:
    table = f"scoring.{_quoted(model + ('_shadow_scores' if shadow else '_scores'))}"
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'scoring' and table_name = ?",
        [model + ("_shadow_scores" if shadow else "_scores")],
    ).fetchall()[0][0]
    if not exists:
        return None
    row = con.execute(f"select max(model_version) from {table} where as_of_date = ?", [as_of]).fetchall()
    return None if row[0][0] is None else int(row[0][0])


@dataclass
class RunRecord:
    """One ``sqlscore run`` of the replay, as the demo prints it."""

    as_of: date
    attempt: str  # "run" or "rerun after promoting vN"
    exit_code: int
    findings: list[dict[str, Any]]
    champion: dict[str, int | None] = field(default_factory=dict)
    challenger: dict[str, int | None] = field(default_factory=dict)
    #: churn's estimated AUC of the month, champion and challenger, when the run was done (a rerun
    #: after a promotion rescores the month, so the blocked run's figures exist only here)
    estimated: tuple[float | None, float | None] = (None, None)


def _gate_text(findings: list[dict[str, Any]], model: str | None = None) -> str:
    """The population-level findings (blocks first), then how many segments warned."""
    chosen = [f for f in findings if model is None or f["model"] == model]
    overall = [f for f in chosen if f["segment_by"] == "all"]
    overall.sort(key=lambda f: (f["level"] != "error", f["model"], f["metric"], -f["value"]))
    parts = [
        f"{'block' if f['level'] == 'error' else 'warn'} {f['model']} {f['metric']} "
        f"{'' if f['feature'] == 'score' else f['feature'] + ' '}{f['value']:.3f} > {f['threshold']:g}"
        for f in overall
    ]
    segments = len(chosen) - len(overall)
    if segments:
        parts.append(f"{segments} segment warning{'s' if segments > 1 else ''}")
    return "; ".join(parts) or "none"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


class ChallengerDemo:
    """The replay's challenger steps and what they saw (one instance per replay)."""

    def __init__(self) -> None:
        self.runs: list[RunRecord] = []

    def hooks(self) -> ReplayHooks:
        return ReplayHooks(after_month=(self.after_month,), after_replay=(self.after_replay,))

    # ---------------------------------------------------------------------------------------- hooks

    def after_month(self, context: ReplayContext) -> None:
        """Record and print the month; retrain or promote (and rerun) as the gate says."""
        month = context.months[-1]
        record = self._record(context, month.as_of, "run", month.exit_code)
        blocked = [
            m for m in DEMO_MODELS if any(f["model"] == m and f["level"] == "error" for f in record.findings)
        ]
        # segments only warn (a few thousand rows each): the population's findings decide
        fired = {f["model"] for f in record.findings if f["segment_by"] == "all"}
        if month.exit_code == ExitCode.BLOCKED and blocked:
            for model in blocked:
                version = self._own_challenger(context.registry, model)
                if version is not None and not self._beats_champion(context, model, version):
                    version = None
                if version is None:
                    print(
                        f"[demo] {model}: blocked with no better challenger: "
                        "training one on the latest labels"
                    )
                    version = self._retrain(context, model)
                previous = context.registry.promote(model, version, CHAMPION)
                print(
                    f"[demo] {model}: promoted version {version} to champion (was {previous}); "
                    f"rerunning {month.as_of}"
                )
            code = run_as_of(context.warehouse, context.registry, month.as_of)
            promoted = ", ".join(f"{m} v{context.registry.aliases(m)[CHAMPION]}" for m in blocked)
            self._record(context, month.as_of, f"rerun after promoting {promoted}", code)
            return
        for model in sorted(fired & set(DEMO_MODELS)):
            if self._own_challenger(context.registry, model) is None:
                version = self._retrain(context, model)
                print(
                    f"[demo] {model}: the gate fired: challenger version {version} trained, "
                    "shadow-scored from the next run"
                )

    def after_replay(self, context: ReplayContext) -> None:
        """The replay's figures, month by month, with the realised AUCs known at the end."""
        with duckdb.connect(str(context.warehouse), read_only=True) as con:
            print(
                "\nchurn by month: champion and challenger AUC (realised once the next month's labels "
                "arrived), drift gate"
            )
            print(
                "| as-of date | run | champion | realised | estimated | challenger | realised | estimated "
                "| drift gate |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            for record in self.runs:
                champion, challenger = record.champion.get("churn"), record.challenger.get("churn")
                outcome = {0: "published", 1: "blocked"}.get(record.exit_code, f"exit {record.exit_code}")
                print(
                    f"| {record.as_of} | {record.attempt}: {outcome} | "
                    f"{'v' + str(champion) if champion else '-'} | "
                    f"{_fmt(version_auc(con, 'churn', record.as_of, champion, shadow=False, realised=True))}"
                    " | "
                    f"{_fmt(record.estimated[0])} | "
                    f"{'v' + str(challenger) if challenger else '-'} | "
                    f"{_fmt(version_auc(con, 'churn', record.as_of, challenger, shadow=True, realised=True))}"
                    " | "
                    f"{_fmt(record.estimated[1])} | "
                    f"{_gate_text(record.findings)} |"
                )

    # -------------------------------------------------------------------------------------- helpers

    def _record(self, context: ReplayContext, as_of: date, attempt: str, exit_code: int) -> RunRecord:
        """Read what the run left (gate rows, versions, AUCs) and print the month's line."""
        with duckdb.connect(str(context.warehouse), read_only=True) as con:
            record = RunRecord(as_of, attempt, exit_code, gate_findings(con))
            for model in DEMO_MODELS:
                record.champion[model] = _versions_at(con, model, as_of, shadow=False)
                record.challenger[model] = _versions_at(con, model, as_of, shadow=True)
            self.runs.append(record)
            dates = [r.as_of for r in self.runs if r.as_of < as_of]
            labelled = max(dates) if dates else None
            champion, challenger = record.champion["churn"], record.challenger["churn"]
            outcome = {0: "published", 1: "BLOCKED"}.get(exit_code, f"exit {exit_code}")
            lines = [f"[demo] {as_of} {attempt}: {outcome}; drift gate: {_gate_text(record.findings)}"]
            estimated = version_auc(con, "churn", as_of, champion, shadow=False, realised=False)
            challenger_estimated = version_auc(con, "churn", as_of, challenger, shadow=True, realised=False)
            record.estimated = (estimated, challenger_estimated)
            line = f"[demo]   churn champion v{champion}: estimated AUC {_fmt(estimated)} on {as_of}"
            if labelled is not None:
                scored_by = _versions_at(con, "churn", labelled, shadow=False)
                realised = version_auc(con, "churn", labelled, scored_by, shadow=False, realised=True)
                line += f", realised {_fmt(realised)} on {labelled} (v{scored_by})"
            lines.append(line)
            if challenger is not None:
                line = (
                    f"[demo]   churn challenger v{challenger}: estimated AUC {_fmt(challenger_estimated)} "
                    f"on {as_of}"
                )
                shadowed = _versions_at(con, "churn", labelled, shadow=True) if labelled else None
                if shadowed is not None and labelled is not None:
                    realised = version_auc(con, "churn", labelled, shadowed, shadow=True, realised=True)
                    line += f", realised {_fmt(realised)} on {labelled} (v{shadowed})"
                lines.append(line)
        print("\n".join(lines), flush=True)
        return record

    def _beats_champion(self, context: ReplayContext, model: str, version: str) -> bool:
        """Whether the challenger ranked the latest labelled month better than the champion did.

        No evidence (the challenger was not shadow-scored on a labelled month) is not a win.
        """
        dates = sorted({r.as_of for r in self.runs if r.as_of < context.months[-1].as_of})
        if not dates:
            return False
        with duckdb.connect(str(context.warehouse), read_only=True) as con:
            scored_by = _versions_at(con, model, dates[-1], shadow=False)
            champion = version_auc(con, model, dates[-1], scored_by, shadow=False, realised=True)
            shadowed = _versions_at(con, model, dates[-1], shadow=True)
            challenger = (
                version_auc(con, model, dates[-1], shadowed, shadow=True, realised=True)
                if shadowed == int(version)
                else None
            )
        wins = champion is not None and challenger is not None and challenger > champion
        print(
            f"[demo] {model}: on {dates[-1]} (labelled) challenger v{version} realised AUC "
            f"{_fmt(challenger)}, "
            f"champion v{scored_by} {_fmt(champion)}: {'promote it' if wins else 'not better'}"
        )
        return wins

    @staticmethod
    def _own_challenger(registry: Registry, model: str) -> str | None:
        """The challenger's version when it is not the champion's (None: none of its own)."""
        aliases = registry.aliases(model)
        challenger = aliases.get(CHALLENGER)
        return challenger if challenger is not None and challenger != aliases.get(CHAMPION) else None

    @staticmethod
    def _retrain(context: ReplayContext, model: str) -> str:
        """Train ``model`` on the latest labelled month and give it the challenger alias.

        The latest labelled month is the one before the month just run (its churn labels arrived
        with this one; the history month after the first). Its customers, usage and tickets are
        loaded into raw for the training query, then the month just run is loaded back.
        """
        from sqlscore.warehouse.ml_models import refresh_catalog_file

        as_of = context.months[-1].as_of
        with duckdb.connect(str(context.warehouse)) as con:
            done = [m.as_of for m in context.months if m.as_of < as_of]
            labelled = max(done) if done else feed_months(con)[0]
            load_month(con, labelled, labels_through=as_of)
        try:
            with duckdb.connect(str(context.warehouse), read_only=True) as con:
                card = train_and_export(con, DEMO_MODELS[model][0], context.registry, labelled.isoformat())
        finally:
            with duckdb.connect(str(context.warehouse)) as con:
                load_month(con, as_of)
        context.registry.promote(model, card.version, CHALLENGER)
        refresh_catalog_file(context.warehouse, context.registry)
        auc = card.training_metrics["holdout_roc_auc"]
        print(
            f"[demo] {model}: version {card.version} trained on the month ending {labelled} "
            f"(hold-out AUC {auc:.3f})"
        )
        return card.version


def demo_hooks() -> ReplayHooks:
    """The steps ``sqlscore demo-replay`` adds to the replay (a fresh record for each replay)."""
    return ChallengerDemo().hooks()
