"""Every report figure, defined once: its key, its label, the definition shown next to it in
the desk and the API, and the function that computes it.

A figure computes a ``Result``: a table (column keys, labels and rows) that is at once the
chart's data, the table view, the CSV export and the JSON of ``/api/reports/<key>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise

from loket.accounts.models import User
from loket.reports.filters import Filters
from loket.tickets.models import Ticket

Cell = str | int | float | None


@dataclass
class Result:
    keys: list[str]
    labels: list[str]
    rows: list[list[Cell]]
    chart: str = "bars"  # "bars", "stacked", "lines", "heat" (weekday by hour) or "" (table)
    series: list[int] = field(default_factory=list)  # columns drawn; the first column is x
    headline: dict[str, Any] | None = None
    note: str = ""

    def as_dicts(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.keys, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Context:
    user: User
    filters: Filters
    tickets: QuerySet[Ticket]
    # Roll-up sums already read for this page (``loket.reports.read.sums``).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    definition: str | Promise
    compute: Callable[[Context], Result]
    section: str | Promise = ""


FIGURES: dict[str, Figure] = {}


def register(
    key: str, label: str | Promise, definition: str | Promise, section: str | Promise
) -> Callable[[Callable[[Context], Result]], Callable[[Context], Result]]:
    def wrap(fn: Callable[[Context], Result]) -> Callable[[Context], Result]:
        if key in FIGURES:
            raise ValueError(f"figure {key} defined twice")
        FIGURES[key] = Figure(key, label, definition, fn, section)
        return fn

    return wrap


def all_figures() -> list[Figure]:
    from loket.reports import load, people, quality, speed, volume  # noqa: F401  (they register)

    return list(FIGURES.values())


def get(key: str) -> Figure | None:
    all_figures()
    return FIGURES.get(key)
