"""Compacting the roll-up: a day's ``Tally`` rows (deltas as written, and the sums of earlier
compactions) become one row per key, and the day's ``DayTotal`` rows are made again from them.

Every ticket change inserts delta rows (never updating a shared row, so writers never wait
for each other); without compaction a busy desk would pile up rows that every report sums
again. The worker runs ``compact`` every five minutes (``loket.reports.tasks.compact_tallies``),
``loket reports compact`` does it by hand. Between two runs the reports read the new deltas
(a few hundred rows on a busy desk) beside day totals they keep (``loket.reports.read``).

Safe with several workers and with the writers:

* a day is compacted only by the one transaction that holds its ``TallyDay`` row
  (``select_for_update(skip_locked=True)``: another worker takes other days meanwhile);
* on PostgreSQL the rows summed are exactly the rows deleted (one ``DELETE ... RETURNING``
  feeding the ``INSERT`` of the sums): a delta that a writer commits meanwhile is neither
  summed nor deleted, and stays for the next run; on SQLite the compaction holds the write
  lock (``BEGIN IMMEDIATE``) so no writer runs meanwhile;
* readers sum ``DayTotal`` and the deltas not yet compacted in one statement (one snapshot),
  and a compaction changes both in one transaction, so a reader sees a day before or after
  it, never half.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from loket.reports.facts import M
from loket.reports.models import DayTotal, Tally, TallyDay

CHUNK_DAYS = 7  # days per transaction (SQLite: the write lock is held for that long)
KEY = ("day", "metric", "bucket", "channel", "team_id", "organisation_id", "tier", "agent_id")
TOTAL_KEY = ("day", "metric", "bucket", "channel", "team_id", "tier", "agent_id")


def _names(columns: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def _metrics() -> list[int]:
    return sorted(v for k, v in vars(M).items() if k.isupper() and isinstance(v, int))


def _days_in(days: Sequence[date]) -> tuple[str, list[Any]]:
    """The rows of ``days``, found through the read indexes (metric, day, ...): every metric
    code with every day is a few hundred look-ups, no scan of the table."""
    metrics = _metrics()
    where = (
        f"{connection.ops.quote_name('metric')} IN ({', '.join(['%s'] * len(metrics))}) AND "
        f"{connection.ops.quote_name('day')} IN ({', '.join(['%s'] * len(days))})"
    )
    return where, [*metrics, *(connection.ops.adapt_datefield_value(d) for d in days)]


def dirty_days(limit: int) -> list[date]:
    """The first ``limit`` days with deltas not yet compacted (the partial index's rows)."""
    rows = Tally.objects.filter(compacted=False).order_by("day").values_list("day", flat=True)
    return list(rows.distinct()[:limit])


def compact(*, chunk: int = CHUNK_DAYS, max_days: int | None = None) -> int:
    """Compacts the days with new deltas, ``chunk`` days per transaction, skipping the days
    another worker holds; returns how many days this call compacted."""
    done = 0
    held: set[date] = set()  # days this call leaves alone: another worker's, or done
    while max_days is None or done < max_days:
        dirty = [d for d in dirty_days(len(held) + chunk * 4) if d not in held]
        if not dirty:
            break
        # Each day's claim row, made outside the claiming transaction (an INSERT that meets
        # another worker's uncommitted row would wait for it instead of skipping).
        TallyDay.objects.bulk_create([TallyDay(day=d) for d in dirty], ignore_conflicts=True)
        with transaction.atomic():
            claimed = [
                row.day
                for row in TallyDay.objects.select_for_update(skip_locked=True)
                .filter(day__in=dirty)
                .order_by("day")
                .only("day")[:chunk]
            ]
            # Another worker may have compacted some of them since they were read.
            todo = sorted(
                set(
                    Tally.objects.filter(compacted=False, day__in=claimed)
                    .order_by()
                    .values_list("day", flat=True)
                    .distinct()
                )
            )
            if todo:
                compact_days(todo)
                TallyDay.objects.filter(day__in=todo).update(
                    compacted_at=timezone.now(), version=new_version()
                )
        # Skipped: days before the last one claimed (in order), or all when fewer came back;
        # and those done (deltas written meanwhile wait for the next run, which must end).
        last = claimed[-1] if len(claimed) == chunk else None
        held |= {d for d in dirty if d not in claimed and (last is None or d < last)}
        held |= set(claimed)
        done += len(todo)
        if not claimed:
            break
    return done


def compact_days(days: Sequence[date]) -> None:
    """Inside a transaction that holds the days' claims: their rows summed per key, and
    their ``DayTotal`` rows made again."""
    table = connection.ops.quote_name(Tally._meta.db_table)
    key = _names(KEY)
    where, params = _days_in(days)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} WHERE {where} RETURNING {key}, n) "  # noqa: S608
                f"INSERT INTO {table} ({key}, n, compacted) "
                f"SELECT {key}, SUM(n), true FROM gone GROUP BY {key} HAVING SUM(n) <> 0",
                params,
            )
        else:
            # SQLite: the transaction holds the database's write lock, no delta comes in
            # between; the rows there were before the INSERT are the ones to delete.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            (last,) = cursor.fetchone()
            cursor.execute(
                f"INSERT INTO {table} ({key}, n, compacted) "  # noqa: S608
                f"SELECT {key}, SUM(n), 1 FROM {table} WHERE {where} AND id <= %s "
                f"GROUP BY {key} HAVING SUM(n) <> 0",
                [*params, last],
            )
            cursor.execute(f"DELETE FROM {table} WHERE {where} AND id <= %s", [*params, last])  # noqa: S608
    refresh_totals(days)


def refresh_totals(days: Sequence[date] | None) -> None:
    """``DayTotal`` of ``days`` (None: of every day) made again from the compacted rows."""
    total = connection.ops.quote_name(DayTotal._meta.db_table)
    table = connection.ops.quote_name(Tally._meta.db_table)
    key = _names(TOTAL_KEY)
    where, params = _days_in(days) if days is not None else ("1 = 1", [])
    truth = "true" if connection.vendor == "postgresql" else "1"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {total} WHERE {where}", params)  # noqa: S608
        cursor.execute(
            f"INSERT INTO {total} ({key}, n) SELECT {key}, SUM(n) FROM {table} "  # noqa: S608
            f"WHERE {where} AND compacted = {truth} GROUP BY {key} HAVING SUM(n) <> 0 "
            # In the read index's order: a day's rows of a figure side by side on disk.
            f"ORDER BY {_names(('metric', 'day'))}",
            params,
        )


def new_version() -> int:
    """A day's new ``TallyDay.version``: random (a rolled-back compaction's number is never
    met again), under 2^40 so that ten years of them add up without overflow."""
    return secrets.randbits(40) | 1


def rebuilt() -> None:
    """After a rebuild wrote every day's totals: every day has its claim row and a new
    version (also the days that have no rows any more)."""
    days = DayTotal.objects.order_by().values_list("day", flat=True).distinct()
    TallyDay.objects.bulk_create([TallyDay(day=d) for d in days], ignore_conflicts=True)
    TallyDay.objects.update(compacted_at=timezone.now(), version=new_version())


def lock_out() -> None:
    """For a rebuild: waits for running compactions and keeps new ones out until it commits
    (PostgreSQL; on SQLite the rebuild's transaction holds the write lock anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(TallyDay._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")


def total_differences(limit: int = 50) -> list[str]:
    """Keys where ``DayTotal`` differs from the compacted ``Tally`` rows (one statement)."""
    total = connection.ops.quote_name(DayTotal._meta.db_table)
    table = connection.ops.quote_name(Tally._meta.db_table)
    key = _names(TOTAL_KEY)
    truth = "true" if connection.vendor == "postgresql" else "1"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key}, SUM(n) FROM (SELECT {key}, n FROM {table} "  # noqa: S608
            f"WHERE compacted = {truth} UNION ALL SELECT {key}, -n FROM {total}) AS both_ "
            f"GROUP BY {key} HAVING SUM(n) <> 0 LIMIT %s",
            [limit],
        )
        rows = cursor.fetchall()
    return [f"day total {tuple(row[:-1])}: off by {-row[-1]}" for row in rows]
