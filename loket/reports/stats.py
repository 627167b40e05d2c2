"""Small statistics with one stated definition each (the tests recompute with the same)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest rank: the smallest value with at least ``pct`` % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
