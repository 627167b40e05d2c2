"""A business calendar as a week grid of whole hours, and back.

The grid is ``{day: set of hours}`` (day 0 = Monday). Reading a calendar, an hour is ticked
when any part of it is open; an opening past midnight ticks the next day's early hours.
Writing, each run of ticked hours becomes one interval (``["09:00", "17:00"]``; a run to
midnight ends at ``"24:00"``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

import holidays as holidays_lib
from holidays import registry

from loket.sla import calendars

Grid = dict[int, set[int]]
DAYS = calendars.WEEKDAYS


def grid_of(spec: Mapping[str, Any]) -> tuple[Grid, bool]:
    """The grid of a calendar's JSON, and whether it had openings off the whole hour."""
    grid: Grid = {d: set() for d in range(7)}
    uneven = False
    week = spec.get("week") or {}
    for day_index, name in enumerate(DAYS):
        for raw in week.get(name, []):
            opening = calendars._parse_opening(raw)
            if opening.start % 60 or opening.end % 60:
                uneven = True
            for minute in range(opening.start - opening.start % 60, opening.end, 60):
                grid[(day_index + minute // 1440) % 7].add((minute % 1440) // 60)
    return grid, uneven


def grid_from_post(data: Mapping[str, Any]) -> Grid:
    grid: Grid = {d: set() for d in range(7)}
    for key in data:
        match = re.fullmatch(r"h-([0-6])-(\d{1,2})", key)
        if match and int(match.group(2)) < 24:
            grid[int(match.group(1))].add(int(match.group(2)))
    return grid


def week_of(grid: Grid) -> dict[str, list[list[str]]]:
    week: dict[str, list[list[str]]] = {}
    for day_index, name in enumerate(DAYS):
        hours = sorted(grid.get(day_index, set()))
        runs: list[list[str]] = []
        start = prev = None
        for hour in [*hours, None]:
            if hour is not None and prev is not None and hour == prev + 1:
                prev = hour
                continue
            if start is not None and prev is not None:
                runs.append([f"{start:02d}:00", f"{prev + 1:02d}:00"])
            start = prev = hour
        if runs:
            week[name] = runs
    return week


def open_hours(grid: Grid) -> int:
    return sum(len(h) for h in grid.values())


@cache
def countries() -> list[tuple[str, str]]:
    """(code, English name) of every country the ``holidays`` package knows."""
    rows: list[tuple[str, str]] = []
    for entry in registry.COUNTRIES.values():
        name, code = entry[0], entry[1]
        rows.append((code, re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)))
    return sorted(rows, key=lambda row: row[1])


def subdivisions(country: str) -> list[str]:
    return list(holidays_lib.list_supported_countries().get(country, []))


def upcoming(
    country: str, subdiv: str, language: str, today: date, limit: int = 12
) -> list[tuple[date, str]]:
    """The next public holidays of a country, named in the reader's language if the package
    has it (else its default)."""
    if not country:
        return []
    found = holidays_lib.country_holidays(
        country, subdiv=subdiv or None, years=[today.year, today.year + 1]
    )
    supported = getattr(found, "supported_languages", ()) or ()
    chosen = next((lang for lang in supported if lang.split("_")[0] == language), None)
    if chosen:
        found = holidays_lib.country_holidays(
            country, subdiv=subdiv or None, years=[today.year, today.year + 1], language=chosen
        )
    return [(day, str(name)) for day, name in sorted(found.items()) if day >= today][:limit]
