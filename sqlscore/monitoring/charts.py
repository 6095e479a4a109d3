"""Inline SVG charts for the monitoring report, drawn here in Python.

Why by hand: the report must open offline, from a file, in any browser and in a mail attachment,
with no script, stylesheet or font fetched from anywhere. A charting library would bring a
script (or a CDN); a few hundred lines of SVG bring nothing. Each function returns one ``<svg>``
element as text, every label escaped, with ``data-chart`` naming the chart (the browser test
finds them by it) and a ``<title>`` on every mark so hovering shows the value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

#: Colours by status, shared with the report's tables (colour-blind safe enough: blue, orange, red).
STATUS_COLOURS = {"ok": "#4c9a6a", "warn": "#e0a030", "drift": "#c8423b", "no_data": "#b0b0b0"}
SERIES_COLOURS = ("#2f6db5", "#d9822b", "#6a4c93", "#2a9d8f", "#c8423b", "#7f7f7f")
FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:11px"


@dataclass(frozen=True)
class Series:
    """One line of a line chart: a name, points (x label, y or None for a gap), a dash style."""

    name: str
    points: Sequence[tuple[str, float | None]]
    dashed: bool = False


def _fmt(value: float | None, digits: int = 3) -> str:
    return (
        "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"
    )


def _svg(kind: str, width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg data-chart="{escape(kind)}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{escape(label)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'style="{FONT}">' + "".join(body) + "</svg>"
    )


def psi_colour(psi: float | None, status: str, warn: float = 0.1, drift: float = 0.25) -> str:
    """The cell's hue is the status the monitoring table gave (green ok, amber warn, red drift, grey
    anything else), so a model's own thresholds (dbt var ``sqlscore_drift_thresholds``) decide it;
    the PSI only shades it, on the default scale (``warn``, ``drift``)."""
    if psi is None or math.isnan(psi) or status not in ("ok", "warn", "drift"):
        return STATUS_COLOURS["no_data"]
    if status == "ok":
        return _mix((232, 244, 236), (120, 190, 140), psi / warn if warn > 0 else 1.0)
    if status == "warn":
        return _mix((245, 214, 140), (230, 150, 60), (psi - warn) / (drift - warn) if drift > warn else 1.0)
    return _mix((214, 90, 80), (170, 40, 35), (psi - drift) / drift if drift > 0 else 1.0)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], share: float) -> str:
    share = max(0.0, min(1.0, share))
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    values: dict[tuple[str, str], tuple[float | None, str]],
    *,
    warn: float = 0.1,
    drift: float = 0.25,
    label: str = "feature drift",
) -> str:
    """Rows × columns cells coloured by PSI, the value written in the cell; ``values`` maps
    (row, column) to (psi, status). A missing cell stays blank: that date did not see the row."""
    left = 14 + 7 * max((len(r) for r in rows), default=4)
    cell_w, cell_h, top = max(56, 7 * max((len(c) for c in columns), default=4) + 8), 22, 26
    legend = "colour: each cell's status (green ok, amber warn, red drift), shaded by PSI"
    width = max(left + cell_w * len(columns) + 10, left + 6 * len(legend))
    height = top + cell_h * len(rows) + 30
    body = []
    for j, column in enumerate(columns):
        x = left + j * cell_w + cell_w / 2
        body.append(f'<text x="{x:.1f}" y="{top - 8}" text-anchor="middle">{escape(column)}</text>')
    for i, row in enumerate(rows):
        y = top + i * cell_h
        body.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(row)}</text>')
        for j, column in enumerate(columns):
            if (row, column) not in values:
                continue
            psi, status = values[(row, column)]
            x = left + j * cell_w
            body.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{psi_colour(psi, status, warn, drift)}">'
                f"<title>{escape(row)} on {escape(column)}: PSI "
                f"{_fmt(psi)} ({escape(status)})</title></rect>"
            )
            body.append(
                f'<text x="{x + cell_w / 2:.1f}" y="{y + 15}" text-anchor="middle" fill="#222">'
                f"{_fmt(psi, 2)}</text>"
            )
    legend_y = top + cell_h * len(rows) + 18
    body.append(f'<text x="{left}" y="{legend_y}" fill="#555">{escape(legend)}</text>')
    return _svg("heatmap", width, height, body, label)


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    return start if high == low else start + (value - low) / (high - low) * (end - start)


def _y_axis(
    body: list[str], low: float, high: float, top: float, bottom: float, left: float, right: float
) -> None:
    step = (high - low) / 4
    digits = max(2, min(6, 1 - math.floor(math.log10(step)))) if step > 0 else 2  # ticks never print alike
    for k in range(5):
        value = low + (high - low) * k / 4
        y = _scale(value, low, high, bottom, top)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{value:.{digits}f}</text>'
        )


@dataclass(frozen=True)
class _Plot:
    """Where a line chart draws (its pixel box) and the y values that box spans, so each piece of
    the chart places its marks on the same scale without passing six numbers around."""

    left: float
    right: float
    top: float
    bottom: float
    low: float
    high: float

    def y(self, value: float) -> float:
        """The pixel row of ``value`` (higher values nearer the top)."""
        return _scale(value, self.low, self.high, self.bottom, self.top)


def _x_labels(series: Sequence[Series]) -> list[str]:
    """Every x label of every series once, sorted (ISO dates sort as they fall in time)."""
    xs: list[str] = []
    for line in series:
        for x, _ in line.points:
            if x not in xs:
                xs.append(x)
    xs.sort()
    return xs


def _y_bounds(
    series: Sequence[Series], references: Sequence[tuple[str, float]], y_range: tuple[float, float] | None
) -> tuple[float, float]:
    """The y span: ``y_range`` as given, else every point and reference padded by a tenth so no mark
    sits on the chart's edge (a flat line gets ±0.05 rather than a zero-height scale)."""
    ys = [y for line in series for _, y in line.points if y is not None]
    ys.extend(value for _, value in references)
    low, high = y_range or (min(ys, default=0.0), max(ys, default=1.0))
    if y_range is None:
        pad = (high - low) * 0.1 or 0.05
        low, high = low - pad, high + pad
    return low, high


def _x_axis(body: list[str], xs: list[str], plot: _Plot) -> dict[str, float]:
    """Write the x labels evenly spaced (a single one centred); return each label's pixel column."""
    step = (plot.right - plot.left) / max(len(xs) - 1, 1)
    position = {
        x: plot.left + i * step if len(xs) > 1 else (plot.left + plot.right) / 2 for i, x in enumerate(xs)
    }
    for x, px in position.items():
        body.append(
            f'<text x="{px:.1f}" y="{plot.bottom + 16}" text-anchor="middle" fill="#555">{escape(x)}</text>'
        )
    return position


def _reference_lines(body: list[str], references: Sequence[tuple[str, float]], plot: _Plot) -> None:
    """A dotted horizontal line per reference (a version's hold-out AUC), named and valued on it."""
    left, right = plot.left, plot.right
    for name, value in references:
        y = plot.y(value)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#222" stroke-dasharray="2 3">'
            f"<title>{escape(name)}: {_fmt(value)}</title></line>"
        )
        # written above the line at its left end: the legend column is the series'
        body.append(f'<text x="{left + 4}" y="{y - 4:.1f}" fill="#222">{escape(name)} {_fmt(value)}</text>')


def _segments(line: Series, position: dict[str, float], plot: _Plot) -> list[list[str]]:
    """The line's points as SVG coordinates in x order, cut into runs at each None: a date without a
    value is a gap in the line, not a straight bridge over it."""
    segment: list[str] = []
    segments: list[list[str]] = []
    for x, level in sorted(line.points, key=lambda point: point[0]):
        if level is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{position[x]:.1f},{plot.y(level):.1f}")
    if segment:
        segments.append(segment)
    return segments


def _series_marks(body: list[str], line: Series, n: int, position: dict[str, float], plot: _Plot) -> None:
    """The ``n``-th series: its polylines (a lone point between gaps draws none), a hoverable point
    per value, and its legend entry in the right-hand column."""
    colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
    dash = ' stroke-dasharray="6 4"' if line.dashed else ""
    for points in _segments(line, position, plot):
        if len(points) > 1:
            body.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash}/>'
            )
    for x, level in line.points:
        if level is not None:
            body.append(
                f'<circle cx="{position[x]:.1f}" cy="{plot.y(level):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(line.name)} on {escape(x)}: {_fmt(level)}</title></circle>"
            )
    right, legend_y = plot.right, plot.top + 14 + 18 * n
    body.append(
        f'<line x1="{right + 6}" y1="{legend_y - 4}" x2="{right + 26}" y2="{legend_y - 4}" '
        f'stroke="{colour}" '
        f'stroke-width="2"{dash}/><text x="{right + 30}" y="{legend_y}">{escape(line.name)}</text>'
    )


def line_chart(
    series: Sequence[Series],
    *,
    references: Sequence[tuple[str, float]] = (),
    y_range: tuple[float, float] | None = None,
    label: str = "over time",
    kind: str = "lines",
    width: int = 620,
    height: int = 260,
) -> str:
    """Lines over shared x labels (dates, in the order first seen), with an optional horizontal
    reference lines (each version's hold-out AUC); a None y leaves a gap and no point."""
    xs = _x_labels(series)
    low, high = _y_bounds(series, references, y_range)
    plot = _Plot(left=52.0, right=width - 190.0, top=14.0, bottom=height - 34.0, low=low, high=high)
    body: list[str] = []
    _y_axis(body, low, high, plot.top, plot.bottom, plot.left, plot.right)
    position = _x_axis(body, xs, plot)
    _reference_lines(body, references, plot)
    for n, line in enumerate(series):
        _series_marks(body, line, n, position, plot)
    return _svg(kind, width, height, body, label)


def decile_bars(
    shares: Sequence[float | None],
    *,
    earlier: Sequence[float | None] | None = None,
    earlier_name: str = "",
    current_name: str = "",
    label: str = "score distribution",
    width: int = 560,
    height: int = 240,
) -> str:
    """Share of the scored rows in each reference decile as bars, against the reference's 0.1
    (a dashed line): a model whose scores did not move puts a tenth of the rows in each."""
    values = [s for s in [*shares, *(earlier or [])] if s is not None]
    high = max([0.2, *values]) * 1.1
    left, right, top, bottom = 48.0, width - 150.0, 14.0, height - 34.0
    body: list[str] = []
    _y_axis(body, 0.0, high, top, bottom, left, right)
    slot = (right - left) / max(len(shares), 1)
    for i, share in enumerate(shares):
        x = left + i * slot
        body.append(
            f'<text x="{x + slot / 2:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#555">{i + 1}</text>'
        )
        if share is not None:
            y = _scale(share, 0.0, high, bottom, top)
            body.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{bottom - y:.1f}" '
                f'fill="{SERIES_COLOURS[0]}"><title>decile {i + 1}: {share:.3f} of rows</title></rect>'
            )
        if earlier is not None and i < len(earlier) and earlier[i] is not None:
            y = _scale(float(earlier[i] or 0.0), 0.0, high, bottom, top)
            body.append(
                f'<line x1="{x + slot * 0.1:.1f}" y1="{y:.1f}" x2="{x + slot * 0.9:.1f}" y2="{y:.1f}" '
                f'stroke="{SERIES_COLOURS[1]}" stroke-width="3">'
                f"<title>decile {i + 1} on {escape(earlier_name)}: "
                f"{float(earlier[i] or 0.0):.3f}</title></line>"
            )
    y = _scale(0.1, 0.0, high, bottom, top)
    body.append(
        f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#222" stroke-dasharray="2 3"/>'
    )
    body.append(f'<text x="{right + 6}" y="{y + 4:.1f}">reference 0.1</text>')
    body.append(f'<rect x="{right + 6}" y="{top + 20}" width="14" height="10" fill="{SERIES_COLOURS[0]}"/>')
    body.append(f'<text x="{right + 24}" y="{top + 29}">{escape(current_name)}</text>')
    if earlier is not None:
        body.append(
            f'<line x1="{right + 6}" y1="{top + 44}" x2="{right + 20}" y2="{top + 44}" '
            f'stroke="{SERIES_COLOURS[1]}" stroke-width="3"/><text x="{right + 24}" y="{top + 48}">'
            f"{escape(earlier_name)}</text>"
        )
    body.append(
        f'<text x="{(left + right) / 2:.1f}" y="{height - 2}" text-anchor="middle" fill="#555">'
        "reference decile</text>"
    )
    return _svg("score-distribution", width, height, body, label)


def calibration(
    points: Sequence[tuple[int, int, float, float]],
    *,
    label: str = "calibration",
    size: int = 300,
) -> str:
    """Observed against predicted rate per score decile, (decile, rows, predicted, observed),
    on the diagonal a perfectly calibrated model would follow; both axes share one scale."""
    values = [v for _, _, p, o in points for v in (p, o) if v is not None]
    high = min(1.0, max([0.05, *values]) * 1.1)
    left, top = 46.0, 12.0
    right, bottom = size - 12.0, size - 36.0
    body: list[str] = []
    _y_axis(body, 0.0, high, top, bottom, left, right)
    for k in range(5):
        value = high * k / 4
        x = _scale(value, 0.0, high, left, right)
        body.append(
            f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" fill="#555">{value:.2f}</text>'
        )
    body.append(
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{top}" stroke="#999" stroke-dasharray="4 3"/>'
    )
    ordered = sorted(points)
    path = [
        f"{_scale(p, 0.0, high, left, right):.1f},{_scale(o, 0.0, high, bottom, top):.1f}"
        for _, _, p, o in ordered
        if p is not None and o is not None
    ]
    if len(path) > 1:
        body.append(
            f'<polyline points="{" ".join(path)}" fill="none" stroke="{SERIES_COLOURS[0]}" stroke-width="2"/>'
        )
    for decile, rows, predicted, observed in ordered:
        if predicted is None or observed is None:
            continue
        body.append(
            f'<circle cx="{_scale(predicted, 0.0, high, left, right):.1f}" '
            f'cy="{_scale(observed, 0.0, high, bottom, top):.1f}" r="4" fill="{SERIES_COLOURS[0]}">'
            f"<title>decile {decile}: {rows} rows, predicted {predicted:.3f}, "
            f"observed {observed:.3f}</title></circle>"
        )
    body.append(
        f'<text x="{(left + right) / 2:.1f}" y="{size - 4}" text-anchor="middle" fill="#555">predicted</text>'
    )
    body.append(
        f'<text x="12" y="{(top + bottom) / 2:.1f}" transform="rotate(-90 12 {(top + bottom) / 2:.1f})" '
        f'text-anchor="middle" fill="#555">observed</text>'
    )
    return _svg("calibration", size, size, body, label)
