"""Charts drawn on the server as SVG geometry (no script, no inline style: the CSP holds).

``draw`` turns a figure's ``Result`` into rectangles, polylines and labels in a fixed
coordinate box; the template writes them as SVG attributes, and the same rows are the table
view and the CSV.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from loket.reports.registry import Result

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 34
PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#64748b", "#0ea5e9")
MAX_X_LABELS = 10


@dataclass
class Chart:
    kind: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[dict[str, object]] = field(default_factory=list)
    lines: list[dict[str, object]] = field(default_factory=list)
    x_labels: list[dict[str, object]] = field(default_factory=list)
    y_ticks: list[dict[str, object]] = field(default_factory=list)
    legend: list[dict[str, object]] = field(default_factory=list)
    cells: list[dict[str, object]] = field(default_factory=list)
    baseline: float = HEIGHT - BOTTOM
    empty: bool = False


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def draw(result: Result) -> Chart | None:
    if not result.chart or not result.series:
        return None
    if result.chart == "heat":
        return _heat(result)
    chart = Chart(kind=result.chart)
    rows = result.rows
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    if result.chart == "stacked":
        top = max((sum(_num(r[i]) for i in result.series) for r in rows), default=0.0)
    else:
        top = max((_num(r[i]) for r in rows for i in result.series), default=0.0)
    chart.empty = top <= 0
    top = top or 1.0
    for n, i in enumerate(result.series):
        chart.legend.append({"label": result.labels[i], "fill": PALETTE[n % len(PALETTE)]})
    for step in range(3):
        value = top * step / 2
        y = TOP + plot_h - plot_h * step / 2
        text = f"{value:.0f}" if top >= 10 else f"{value:.1f}"
        chart.y_ticks.append({"y": round(y, 1), "text": text})
    slot = plot_w / max(len(rows), 1)
    every = max(1, -(-len(rows) // MAX_X_LABELS))
    for x, row in enumerate(rows):
        x0 = LEFT + x * slot
        if x % every == 0:
            chart.x_labels.append(
                {
                    "x": round(x0 + slot / 2, 1),
                    "y": HEIGHT - BOTTOM + 14,
                    "text": _fit(str(row[0]), slot * every),
                }
            )
        if result.chart == "lines":
            continue
        if result.chart == "stacked":
            base = 0.0
            for n, i in enumerate(result.series):
                value = _num(row[i])
                h = plot_h * value / top
                y = TOP + plot_h - plot_h * (base + value) / top
                if value:
                    chart.bars.append(_bar(x0 + slot * 0.1, y, slot * 0.8, h, n, row, result, i))
                base += value
        else:
            width = slot * 0.8 / len(result.series)
            for n, i in enumerate(result.series):
                value = _num(row[i])
                h = plot_h * value / top
                y = TOP + plot_h - h
                chart.bars.append(_bar(x0 + slot * 0.1 + n * width, y, width, h, n, row, result, i))
    if result.chart == "lines":
        for n, i in enumerate(result.series):
            points = []
            for x, row in enumerate(rows):
                if row[i] is None:
                    continue
                px = LEFT + x * slot + slot / 2
                py = TOP + plot_h - plot_h * _num(row[i]) / top
                points.append(f"{px:.1f},{py:.1f}")
            chart.lines.append(
                {"points": " ".join(points), "stroke": PALETTE[n % len(PALETTE)],
                 "title": result.labels[i]}
            )  # fmt: skip
    return chart


def _fit(text: str, room: float) -> str:
    """Shortens an axis label to the room it has (about 6 units per character)."""
    most = max(int(room // 6), 3)
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _bar(
    x: float, y: float, w: float, h: float, n: int, row: Sequence[object], result: Result, i: int
) -> dict[str, object]:
    return {
        "x": round(x, 1),
        "y": round(y, 1),
        "w": round(max(w, 0.5), 1),
        "h": round(h, 1),
        "fill": PALETTE[n % len(PALETTE)],
        "title": f"{row[0]} · {result.labels[i]}: {row[i]}",
    }


HEAT_LEFT, HEAT_TOP = 34, 4
GAP_STROKE = "#d92d20"


def _heat(result: Result) -> Chart:
    """Rows are (day label, hour, value, coverage, ...) for 7 days of 24 hours: one cell per
    hour, darker with more value; a red outline where there is value and no coverage."""
    value_col, cover_col = result.series[0], result.series[1]
    cell_w = (WIDTH - HEAT_LEFT - RIGHT) / 24
    cell_h = (HEIGHT - HEAT_TOP - 20) / 7
    chart = Chart(kind="heat")
    top = max((_num(r[value_col]) for r in result.rows), default=0.0)
    chart.empty = top <= 0
    days: list[str] = []
    for row in result.rows:
        day, hour = str(row[0]), int(_num(row[1]))
        if day not in days:
            days.append(day)
        y = HEAT_TOP + (len(days) - 1) * cell_h
        x = HEAT_LEFT + hour * cell_w
        value, cover = _num(row[value_col]), _num(row[cover_col])
        chart.cells.append(
            {
                "x": round(x + 0.5, 1),
                "y": round(y + 0.5, 1),
                "w": round(cell_w - 1, 1),
                "h": round(cell_h - 1, 1),
                "fill": PALETTE[0],
                "opacity": round(0.06 + 0.94 * value / top, 3) if top and value else 0.03,
                "stroke": GAP_STROKE if value and not cover else "none",
                "title": f"{day} {hour:02d}:00 · {result.labels[value_col]}: {row[value_col]}"
                f" · {result.labels[cover_col]}: {row[cover_col]}",
            }
        )
    for n, day in enumerate(days):
        chart.y_ticks.append({"y": round(HEAT_TOP + (n + 0.5) * cell_h, 1), "text": day})
    for hour in range(0, 24, 3):
        chart.x_labels.append(
            {"x": round(HEAT_LEFT + (hour + 0.5) * cell_w, 1), "y": HEIGHT - 6, "text": f"{hour}"}
        )
    chart.legend.append({"label": result.labels[value_col], "fill": PALETTE[0]})
    chart.legend.append({"label": result.labels[-1], "fill": GAP_STROKE})
    return chart
