"""The report page's long repeated markup written in Python: table rows, chart shapes and the
filter options. The template language costs about a microsecond per variable, and a page of
every figure has thousands of them (a heat map alone is 168 cells of eight attributes);
here each value is still localised (table cells) or written plainly (SVG coordinates need a
decimal point in every language), and escaped (``html.escape``, as Django's ``escape``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape as _escape

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe

from loket.reports.charts import Chart
from loket.reports.registry import Cell


def escape(value: object) -> str:
    """``django.utils.html.escape`` without its check for lazy arguments (thousands of calls
    a page): the same characters replaced."""
    return _escape(str(value))


def _cell(value: Cell) -> str:
    return escape(formats.localize(value))


def table_rows(rows: Sequence[Sequence[Cell]]) -> SafeString:
    """``<tr><td>…</td></tr>`` per row, cells localised as ``{{ cell }}`` would be."""
    out = []
    for row in rows:
        cells = "".join("<td>—</td>" if cell is None else f"<td>{_cell(cell)}</td>" for cell in row)
        out.append(f"<tr>{cells}</tr>")
    return mark_safe("".join(out))  # every value escaped


def _attrs(values: dict[str, object], names: Iterable[tuple[str, str]]) -> str:
    return " ".join(f'{attr}="{escape(values[key])}"' for attr, key in names)


_CELL = (("x", "x"), ("y", "y"), ("width", "w"), ("height", "h"), ("fill", "fill"),
         ("fill-opacity", "opacity"), ("stroke", "stroke"))  # fmt: skip
_BAR = (("x", "x"), ("y", "y"), ("width", "w"), ("height", "h"), ("fill", "fill"))


def shapes(chart: Chart) -> SafeString:
    """The chart's cells (heat map) or bars as SVG rectangles with their titles."""
    out = [
        f'<rect {_attrs(c, _CELL)} stroke-width="1.5" data-cell><title>'
        f"{escape(c['title'])}</title></rect>"
        for c in chart.cells
    ]
    out += [
        f"<rect {_attrs(b, _BAR)}><title>{escape(b['title'])}</title></rect>" for b in chart.bars
    ]
    return mark_safe("".join(out))  # every value escaped


def options(choices: Sequence[tuple[str, str]], selected: object) -> SafeString:
    """``<option>`` per choice, the one equal to ``selected`` (as text) selected."""
    chosen = "" if selected is None else str(selected)
    out = []
    for value, label in choices:
        mark = " selected" if value == chosen else ""
        out.append(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')
    return mark_safe("".join(out))  # every value escaped
