"""``sqlscore report``: one self-contained HTML page from the monitoring tables.

Why a static page: the people who should look at drift (a model owner, a product manager, an
auditor) do not open a SQL client; a file they can mail, archive beside a run or open on a plane
reaches them. So the page carries everything inline (styles and the SVG charts of
:mod:`.charts`); it has no script and fetches nothing.

What it reads, by SQL, already aggregated (dbt computes the figures; the page only draws them):
``monitoring.feature_drift``, ``monitoring.prediction_drift``, ``monitoring.model_performance``
and, per model, ``scoring.<model>_scores`` against ``scoring.<model>_shadow_scores``. A table
that is missing or empty becomes a sentence in the page saying so and what builds it, never a
crash: a warehouse that has run once, or never with monitoring, still gets a report.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from sqlscore.errors import WarehouseError
from sqlscore.monitoring import charts
from sqlscore.names import check_model_name

#: The columns the page reads from each monitoring table (the tables' contract has more).
MONITORING_COLUMNS = {
    "feature_drift": (
        "model_name",
        "model_version",
        "as_of_date",
        "segment_by",
        "segment",
        "feature",
        "psi",
        "status",
    ),
    "prediction_drift": (
        "model_name",
        "model_version",
        "as_of_date",
        "segment_by",
        "segment",
        "rows",
        "null_rate",
        "mean_score",
        "psi",
        "js_distance",
        "decile_shares",
        "status",
    ),
    "model_performance": (
        "model_name",
        "model_version",
        "as_of_date",
        "segment_by",
        "segment",
        "kind",
        "rows",
        "rows_labelled",
        "auc",
        "auc_note",
        "log_loss",
        "brier",
        "holdout_auc",
        "auc_drop",
        "calibration",
        "status",
    ),
}
MONITORING_TABLES = tuple(MONITORING_COLUMNS)
#: PSI colour scale of the heatmap: the drift gate's default thresholds (issue 16).
PSI_WARN, PSI_DRIFT = 0.1, 0.25

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1180px;color:#222;
 padding:0 16px;line-height:1.4}
h1{font-size:22px;margin-bottom:2px}
h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:36px}
h3{font-size:14px;margin:18px 0 6px}
.meta{color:#666;font-size:12px}
.note{color:#555;font-size:13px;background:#f6f6f6;padding:8px 10px;border-radius:4px}
.grid{display:flex;flex-wrap:wrap;gap:18px 28px;align-items:flex-start}
figure{margin:0}figcaption{font-size:12px;color:#555;max-width:560px}
table{border-collapse:collapse;font-size:12px;margin:6px 0}
th,td{border-bottom:1px solid #e6e6e6;padding:3px 8px;text-align:right}th{background:#fafafa}
td.l,th.l{text-align:left}
.status{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:11px}
.s-ok{background:#4c9a6a}.s-warn{background:#e0a030}.s-drift{background:#c8423b}.s-no_data{background:#999}
"""


@dataclass
class ModelSection:
    """Everything the page shows for one model, read from the warehouse."""

    name: str
    feature_drift: list[dict[str, Any]] = field(default_factory=list)
    prediction_drift: list[dict[str, Any]] = field(default_factory=list)
    performance: list[dict[str, Any]] = field(default_factory=list)
    challenger: list[dict[str, Any]] | None = None  # None: no shadow table, or it is empty
    challenger_note: str = ""


@dataclass
class Report:
    """The page's content: sections per model, and a sentence per table that was missing or empty."""

    warehouse: Path
    generated_at: dt.datetime
    missing: dict[str, str]
    models: list[ModelSection]


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: list[Any] | None = None
) -> list[dict[str, Any]]:
    cursor = con.execute(sql, parameters or [])
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _read_monitoring(
    con: duckdb.DuckDBPyConnection, missing: dict[str, str]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The three monitoring tables' rows by model (they are aggregates: a row per model, version,
    date, segment and feature, small whatever the scored table's size)."""
    by_model: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for table in MONITORING_TABLES:
        if not _exists(con, "monitoring", table):
            missing[table] = (
                f"monitoring.{table} does not exist in this warehouse: `sqlscore run` builds it "
                "(dbt's models/monitoring/) once the project has monitoring models."
            )
            continue
        present = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'monitoring' "
                "and table_name = ?",
                [table],
            ).fetchall()
        }
        absent = [c for c in MONITORING_COLUMNS[table] if c not in present]
        if absent:
            missing[table] = (
                f"monitoring.{table} has no column {', '.join(absent)}: it is not the monitoring table this "
                "report reads (rebuild it with `sqlscore run`)."
            )
            continue
        rows = _rows(con, f'select * from monitoring."{table}" order by all')
        if not rows:
            missing[table] = f"monitoring.{table} is empty: no run has monitored a model yet."
        for row in rows:
            by_model[str(row["model_name"])][table].append(row)
    return by_model


def _challenger_rows(con: duckdb.DuckDBPyConnection, model: str) -> tuple[list[dict[str, Any]] | None, str]:
    """Champion against shadow challenger per as-of date, computed in SQL on the rows both scored.

    The two tables share their columns (``score_incrementally``): key, as_of_date, score, decile
    first, in that order, then provenance; the key and score column are read from that order.
    """
    check_model_name(model)
    champion, shadow = f"{model}_scores", f"{model}_shadow_scores"
    if not _exists(con, "scoring", shadow):
        return (
            None,
            f"no challenger: scoring.{shadow} does not exist (a challenger alias makes the run build it).",
        )
    if not _exists(con, "scoring", champion):
        return None, f"no champion scores: scoring.{champion} does not exist."
    columns = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'scoring' "
            "and table_name = ? order by ordinal_position",
            [champion],
        ).fetchall()
    ]
    if len(columns) < 4 or columns[1] != "as_of_date":
        return (
            None,
            f"scoring.{champion} does not have the score table's columns (key, as_of_date, score, decile).",
        )
    key, score, decile = (f'"{c}"' for c in (columns[0], columns[2], columns[3]))
    rows = _rows(
        con,
        f"select c.as_of_date, any_value(c.model_version) as champion_version, "
        f"any_value(s.model_version) as challenger_version, count(*) as rows, "
        f"avg(c.{score}) as champion_mean, avg(s.{score}) as challenger_mean, "
        f"corr(c.{score}, s.{score}) as correlation, avg((c.{decile} <> s.{decile})::int) as decile_moved "
        f'from scoring."{champion}" c join scoring."{shadow}" s '
        f"on s.{key} = c.{key} and s.as_of_date = c.as_of_date group by c.as_of_date order by c.as_of_date",
    )
    if not rows:
        return (
            None,
            f"no challenger: scoring.{shadow} has no rows (no challenger alias when the runs scored).",
        )
    return rows, ""


def build_report(warehouse: Path, config: dict[str, str] | None = None) -> Report:
    """Read everything the page shows, in one read-only connection (closed before drawing),
    opened with DuckDB ``config`` (``sqlscore run``'s memory limit)."""
    if not warehouse.exists():
        raise WarehouseError(f"no warehouse at {warehouse}: run `sqlscore run` first")
    missing: dict[str, str] = {}
    try:
        with duckdb.connect(str(warehouse), read_only=True, config=dict(config or {})) as con:
            by_model = _read_monitoring(con, missing)
            names = set(by_model) | {
                str(r[0])[: -len("_shadow_scores")]
                for r in con.execute(
                    "select table_name from information_schema.tables where table_schema = 'scoring' "
                    "and suffix(table_name, '_shadow_scores')"
                ).fetchall()
            }
            sections = []
            for name in sorted(names):
                tables = by_model.get(name, {})
                challenger, note = _challenger_rows(con, name)
                sections.append(
                    ModelSection(
                        name=name,
                        feature_drift=list(tables.get("feature_drift", [])),
                        prediction_drift=list(tables.get("prediction_drift", [])),
                        performance=list(tables.get("model_performance", [])),
                        challenger=challenger,
                        challenger_note=note,
                    )
                )
    except duckdb.IOException as exc:
        raise WarehouseError(
            f"cannot read the warehouse {warehouse} ({exc}); a `sqlscore run` may be writing it: "
            "try again after it"
        ) from exc
    return Report(warehouse, dt.datetime.now(dt.UTC), missing, sections)


# ---------------------------------------------------------------------------------------------- page


def _f(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


def _status(value: Any) -> str:
    text = str(value or "no_data")
    css = text if text in charts.STATUS_COLOURS else "no_data"
    return f'<span class="status s-{css}">{escape(text)}</span>'


def _table(headers: list[str], rows: list[list[str]], left: int = 1) -> str:
    head = "".join(f'<th class="{"l" if i < left else ""}">{escape(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>"


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _overall(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r.get("segment_by") == "all"]


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _feature_section(section: ModelSection) -> str:
    rows = _overall(section.feature_drift)
    if not rows:
        return _note(f"no feature drift rows for {section.name}.")
    parts = []
    for version in sorted({r["model_version"] for r in rows}):
        mine = [r for r in rows if r["model_version"] == version]
        dates = sorted({_date(r["as_of_date"]) for r in mine})
        last = max(dates)
        # the most drifted inputs of the latest date first: where a reader should look
        latest_psi = {str(r["feature"]): r["psi"] or 0.0 for r in mine if _date(r["as_of_date"]) == last}
        features = sorted({str(r["feature"]) for r in mine}, key=lambda f: (-latest_psi.get(f, 0.0), f))
        values = {(str(r["feature"]), _date(r["as_of_date"])): (r["psi"], str(r["status"])) for r in mine}
        svg = charts.heatmap(
            features,
            dates,
            values,
            warn=PSI_WARN,
            drift=PSI_DRIFT,
            label=f"{section.name} v{version} feature drift",
        )
        parts.append(
            _figure(
                svg,
                f"Feature drift of {escape(section.name)} v{version}: PSI of each input "
                "against its training reference, by as-of date.",
            )
        )
    return '<div class="grid">' + "".join(parts) + "</div>"


def _prediction_section(section: ModelSection) -> str:
    rows = [r for r in _overall(section.prediction_drift) if r.get("decile_shares")]
    if not rows:
        return _note(f"no prediction drift rows for {section.name}.")
    parts = []
    for version in sorted({r["model_version"] for r in rows}):
        mine = sorted((r for r in rows if r["model_version"] == version), key=lambda r: r["as_of_date"])
        first, last = mine[0], mine[-1]
        svg = charts.decile_bars(
            list(last["decile_shares"]),
            earlier=list(first["decile_shares"]) if first is not last else None,
            earlier_name=_date(first["as_of_date"]),
            current_name=_date(last["as_of_date"]),
            label=f"{section.name} v{version} score distribution",
        )
        parts.append(
            _figure(
                svg,
                f"Scores of {escape(section.name)} v{version} on {_date(last['as_of_date'])} "
                f"per reference decile (PSI {_f(last['psi'])}, mean {_f(last['mean_score'])}); "
                "a model whose scores did not move puts 0.1 in each.",
            )
        )
    table = _table(
        ["as-of date", "version", "rows", "mean score", "PSI", "JS distance", "null rate", "status"],
        [
            [
                _date(r["as_of_date"]),
                _f(r["model_version"]),
                _f(r["rows"]),
                _f(r["mean_score"]),
                _f(r["psi"]),
                _f(r["js_distance"]),
                _f(r["null_rate"]),
                _status(r["status"]),
            ]
            for r in rows
        ],
    )
    return '<div class="grid">' + "".join(parts) + "</div>" + table


def _auc_series(rows: list[dict[str, Any]]) -> list[charts.Series]:
    """A line per version and kind: realised (solid) once labels arrived, estimated (dashed) before,
    so a reader sees where the figure stops being a guess."""
    series = []
    for version in sorted({r["model_version"] for r in rows}):
        for kind in ("realised", "estimated"):
            points = [
                (_date(r["as_of_date"]), r["auc"])
                for r in rows
                if r["model_version"] == version and r["kind"] == kind
            ]
            if points:
                series.append(charts.Series(f"v{version} {kind}", points, dashed=kind == "estimated"))
    return series


def _holdout_references(rows: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """Each version's hold-out AUC from its card, the bar its live AUC is judged against; named by
    version only when the rows hold more than one (one line needs no version to tell it apart)."""
    holdouts = {r["model_version"]: r["holdout_auc"] for r in rows if r.get("holdout_auc") is not None}
    versions = len({r["model_version"] for r in rows})
    return [
        (f"v{version} hold-out AUC" if versions > 1 else "hold-out AUC", float(auc))
        for version, auc in sorted(holdouts.items())
    ]


def _auc_figure(section: ModelSection, rows: list[dict[str, Any]]) -> str:
    """The AUC-over-time chart with its caption."""
    auc = charts.line_chart(
        _auc_series(rows),
        references=_holdout_references(rows),
        label=f"{section.name} AUC over time",
        kind="auc",
    )
    return _figure(
        auc,
        f"AUC of {escape(section.name)} by as-of date: estimated from the scores before labels "
        "arrive (dashed), realised once they have (solid), against the hold-out AUC of the card.",
    )


def _calibration_figure(section: ModelSection, rows: list[dict[str, Any]]) -> str:
    """Calibration of the latest realised row that has one (a note when none has: it needs labels)."""
    with_calibration = sorted(
        (r for r in rows if r["kind"] == "realised" and r.get("calibration")),
        key=lambda r: (r["as_of_date"], r["model_version"]),
    )
    if not with_calibration:
        return _note("no calibration yet: it needs realised labels.")
    last = with_calibration[-1]
    deciles = [
        (int(c["decile"]), int(c["rows"] or 0), c["predicted"], c["observed"]) for c in last["calibration"]
    ]
    svg = charts.calibration(deciles, label=f"{section.name} calibration")
    return _figure(
        svg,
        f"Calibration of {escape(section.name)} v{last['model_version']} on "
        f"{_date(last['as_of_date'])}: observed rate against mean predicted probability "
        "per score decile; the diagonal is perfect calibration.",
    )


#: Headers of the performance table, one per cell of ``_performance_row``.
_PERFORMANCE_HEADERS = [
    "as-of date",
    "version",
    "kind",
    "rows",
    "labelled",
    "AUC",
    "hold-out",
    "AUC drop",
    "log loss",
    "Brier",
    "status",
    "note",
]


def _performance_row(r: dict[str, Any]) -> list[str]:
    """One monitoring.model_performance row as the table's cells (its note keeps a NULL AUC's reason)."""
    return [
        _date(r["as_of_date"]),
        _f(r["model_version"]),
        escape(str(r["kind"])),
        _f(r["rows"]),
        _f(r["rows_labelled"]),
        _f(r["auc"]),
        _f(r["holdout_auc"]),
        _f(r["auc_drop"]),
        _f(r["log_loss"]),
        _f(r["brier"]),
        _status(r["status"]),
        _f(r.get("auc_note")),
    ]


def _performance_section(section: ModelSection) -> str:
    """AUC over time and calibration side by side, then every overall performance row as a table."""
    rows = _overall(section.performance)
    if not rows:
        return _note(f"no performance rows for {section.name} (labels not arrived, or no run yet).")
    parts = [_auc_figure(section, rows), _calibration_figure(section, rows)]
    table = _table(_PERFORMANCE_HEADERS, [_performance_row(r) for r in rows])
    return '<div class="grid">' + "".join(parts) + "</div>" + table


def _challenger_section(section: ModelSection) -> str:
    if section.challenger is None:
        return _note(section.challenger_note)
    rows = section.challenger
    # realised AUC of each version on each date, where monitoring has one (labels arrived)
    realised = {
        (_date(r["as_of_date"]), r["model_version"]): r["auc"]
        for r in _overall(section.performance)
        if r["kind"] == "realised"
    }
    mean = charts.line_chart(
        [
            charts.Series(
                "champion mean score", [(_date(r["as_of_date"]), r["champion_mean"]) for r in rows]
            ),
            charts.Series(
                "challenger mean score",
                [(_date(r["as_of_date"]), r["challenger_mean"]) for r in rows],
                dashed=True,
            ),
        ],
        label=f"{section.name} champion against challenger",
        kind="champion-challenger",
    )
    table = _table(
        [
            "as-of date",
            "champion",
            "challenger",
            "rows both scored",
            "champion mean",
            "challenger mean",
            "correlation",
            "decile differs",
            "champion AUC",
            "challenger AUC",
        ],
        [
            [
                _date(r["as_of_date"]),
                _f(r["champion_version"]),
                _f(r["challenger_version"]),
                _f(r["rows"]),
                _f(r["champion_mean"]),
                _f(r["challenger_mean"]),
                _f(r["correlation"]),
                _f(r["decile_moved"]),
                _f(realised.get((_date(r["as_of_date"]), r["champion_version"]))),
                _f(realised.get((_date(r["as_of_date"]), r["challenger_version"]))),
            ]
            for r in rows
        ],
    )
    caption = (
        "Mean score of the champion and of the shadow challenger on the same rows; the table adds their "
        "correlation and the share of rows whose decile (each against its own model's reference) differs. "
        "Realised AUC of each version once labels arrive (the AUC chart draws them over time)."
    )
    return f'<div class="grid">{_figure(mean, caption)}</div>{table}'


def _segment_section(section: ModelSection) -> str:
    """One row per segment: its latest score drift and its latest estimated and realised AUC (each
    with its own date: realised figures trail by the time labels take to arrive)."""
    performance = [r for r in section.performance if r.get("segment_by") != "all"]
    drift = [r for r in section.prediction_drift if r.get("segment_by") != "all"]
    if not performance and not drift:
        return _note(f"no segment rows for {section.name}.")
    latest: dict[tuple[str, str, int], dict[str, dict[str, Any]]] = defaultdict(dict)
    for source, rows in (("drift", drift), ("estimated", performance), ("realised", performance)):
        for r in rows:
            if source != "drift" and r["kind"] != source:
                continue
            entry = latest[(str(r["segment_by"]), str(r["segment"]), int(r["model_version"]))]
            if source not in entry or r["as_of_date"] > entry[source]["as_of_date"]:
                entry[source] = r

    def dated(row: dict[str, Any] | None, column: str) -> str:
        return (
            "–" if row is None else f'{_f(row[column])} <span class="meta">{_date(row["as_of_date"])}</span>'
        )

    body = []
    for (segment_by, segment, version), entry in sorted(latest.items()):
        d, e, real = entry.get("drift"), entry.get("estimated"), entry.get("realised")
        body.append(
            [
                escape(segment_by),
                escape(segment),
                _f(version),
                _f((d or e or real or {}).get("rows")),
                dated(d, "psi"),
                _status(d["status"]) if d else "–",
                dated(e, "auc"),
                dated(real, "auc"),
                _f(real["auc_drop"]) if real else "–",
                _status(real["status"]) if real else "–",
                _f(real.get("auc_note")) if real else "–",
            ]
        )
    return _table(
        [
            "segment",
            "value",
            "version",
            "rows",
            "score PSI",
            "drift",
            "estimated AUC",
            "realised AUC",
            "AUC drop",
            "performance",
            "note",
        ],
        body,
        left=2,
    )


def _summary(report: Report) -> str:
    rows = []
    for section in report.models:
        for table, source in (
            ("feature drift", section.feature_drift),
            ("prediction drift", section.prediction_drift),
            ("performance", section.performance),
        ):
            mine = _overall(source)
            if not mine:
                continue
            latest = max(r["as_of_date"] for r in mine)
            statuses = [str(r["status"]) for r in mine if r["as_of_date"] == latest]
            worst = next((s for s in ("drift", "warn", "ok", "no_data") if s in statuses), "no_data")
            rows.append(
                [
                    escape(section.name),
                    escape(table),
                    _date(latest),
                    _status(worst),
                    _f(sum(s == "drift" for s in statuses)),
                    _f(sum(s == "warn" for s in statuses)),
                ]
            )
    if not rows:
        return _note("nothing monitored yet.")
    return _table(["model", "table", "latest as-of date", "worst status", "drift", "warn"], rows, left=2)


def render_html(report: Report) -> str:
    """The page: a summary, then per model its feature drift, scores, performance, challenger, segments."""
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>sqlscore monitoring report</title><style>",
        CSS,
        "</style></head><body>",
        "<h1>sqlscore monitoring report</h1>",
        f'<p class="meta">Warehouse {escape(str(report.warehouse))}; written '
        f"{report.generated_at:%Y-%m-%d %H:%M} UTC. Figures computed in the warehouse "
        "(monitoring.feature_drift, prediction_drift, model_performance); this page only draws them.</p>",
    ]
    parts += [_note(text) for text in report.missing.values()]
    parts += ["<h2>Summary</h2>", _summary(report)]
    for section in report.models:
        name = escape(section.name)
        parts += [
            f'<h2 id="model-{name}">Model {name}</h2>',
            "<h3>Feature drift</h3>",
            _feature_section(section),
            "<h3>Score distribution against the reference</h3>",
            _prediction_section(section),
            "<h3>Performance over time</h3>",
            _performance_section(section),
            "<h3>Champion against challenger</h3>",
            _challenger_section(section),
            "<h3>Segments</h3>",
            _segment_section(section),
        ]
    parts.append("</body></html>")
    return "\n".join(parts)


def default_report_path(warehouse: Path) -> Path:
    """Where ``sqlscore report`` and each ``sqlscore run`` write the page: beside the warehouse."""
    return warehouse.with_name("monitoring_report.html")


def write_report(warehouse: Path, out: Path, config: dict[str, str] | None = None) -> Report:
    """Write the page to ``out`` (beside it, then renamed: a reader never sees half a page)."""
    report = build_report(warehouse, config)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(render_html(report), encoding="utf-8")
    partial.replace(out)
    return report
