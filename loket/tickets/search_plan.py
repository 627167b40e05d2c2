"""PostgreSQL: how to look up a full-text query, from how common its words are.

A search keeps the newest matches (``ORDER BY id DESC LIMIT n``). Two plans can answer it:
walk the rows newest first and test each stored vector until ``n`` match (fast for a word in
many rows), or read every match from the GIN index and sort them (fast for a rare word). The
planner picks one from its estimate of the matches, and for a prefix (``word:*``, the last
word of every query) it never estimates less than half a percent of the rows: on a million
messages it would walk the whole table for a word that is nowhere.

So the choice is made here, from the same statistics the planner has (``pg_stats``: the
lexemes found in at least about 1% of the rows, and their shares): a query whose estimated
share is at least ``walk_share`` walks; any other is read through the index (a
``MATERIALIZED`` common table expression, so the planner cannot turn it into a walk, with
sequential scans off for that one statement: for a prefix the planner would again guess half
a percent of the rows, and on a small table read them all rather than use the index).
Without statistics (a table never analysed) the planner decides as before.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

INDEX_ROW_COST = 4.0
STATS_SECONDS = 300  # statistics change with ANALYZE (autovacuum): read again after this


@dataclass(frozen=True)
class LexemeStats:
    rows: float
    shares: dict[str, float]  # lexeme: share of the rows that contain it

    def share(self, word: str, *, prefix: bool = False) -> float:
        """Estimated share of rows containing ``word`` (lexemes below the statistics'
        threshold count as none: they are rare by definition)."""
        if not prefix:
            return self.shares.get(word, 0.0)
        return min(1.0, sum(s for lexeme, s in self.shares.items() if lexeme.startswith(word)))


_cache: dict[tuple[str, str], tuple[float, LexemeStats | None]] = {}


def lexeme_stats(table: str, column: str = "search_vector") -> LexemeStats | None:
    """The most common lexemes of a ``tsvector`` column, from ``pg_stats`` (cached a few
    minutes per process); ``None`` when the table has not been analysed."""
    key = (table, column)
    cached = _cache.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < STATS_SECONDS:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT most_common_elems::text::text[], most_common_elem_freqs,
                   (SELECT reltuples FROM pg_class WHERE oid = %s::regclass)
            FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s
              AND attname = %s
            """,
            [table, table, column],
        )
        row = cursor.fetchone()
    stats = None
    if row is not None and row[0] is not None and row[2] and row[2] > 0:
        elems, freqs, rows = row
        stats = LexemeStats(float(rows), dict(zip(elems, (float(f) for f in freqs), strict=False)))
    _cache[key] = (now, stats)
    return stats


def forget() -> None:
    """Drops the cached statistics (tests that analyse a table of their own)."""
    _cache.clear()


def walk_share(rows: float, limit: int) -> float:
    """The share above which walking newest first is cheaper: a walk reads about
    ``limit / share`` rows in order, the index ``share * rows`` rows scattered over the table,
    each about ``INDEX_ROW_COST`` times as dear (measured: 28,000 rows walked in 50 ms, 13,600
    read through the index in 120 ms); they meet at ``sqrt(limit / (rows * INDEX_ROW_COST))``."""
    return min(0.2, max(0.002, math.sqrt(limit / (max(rows, 1.0) * INDEX_ROW_COST))))


def should_walk(
    table: str, all_of: list[str], prefix: str = "", any_of: list[str] | None = None, *, limit: int
) -> bool | None:
    """Whether to walk ``table`` newest first for a query of ``all_of`` words (and a last
    ``prefix``), or of ``any_of`` words; ``None`` when there are no statistics."""
    stats = lexeme_stats(table)
    if stats is None:
        return None
    if any_of is not None:
        share = min(1.0, sum(stats.share(w) for w in any_of))
    else:
        shares = [stats.share(w) for w in all_of]
        if prefix:
            shares.append(stats.share(prefix, prefix=True))
        share = min(shares, default=0.0)
    return share >= walk_share(stats.rows, limit)


@contextmanager
def index_lookup(cursor: Any, active: bool = True) -> Iterator[None]:
    """Runs the statements inside without sequential scans (``active``): the lookup was chosen
    because the words are rare, the index is the way to read them. The setting is local to a
    transaction and set back after, so no other statement of a request is affected."""
    if not active:
        yield
        return
    with transaction.atomic():
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
        )
        (before, _off) = cursor.fetchone()
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])
