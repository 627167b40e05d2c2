"""Reading the roll-up: the report's scope as a condition on its columns, and sums grouped by
a few columns, read once per report page (memoised on the context).

A report not narrowed by organisation reads ``DayTotal`` (the compacted rows without the
organisation: a fraction of them) plus the ``Tally`` deltas not yet compacted, in one
statement; one narrowed by organisation reads every ``Tally`` row of its days.

The scope is the same rule as ``filters.scope`` on the tickets: an admin sees every ticket,
another agent the tickets of their teams and those assigned to them, and an agent who is not
a manager only their own (assigned to them); then the filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Q, Sum

from loket.accounts.models import Organisation
from loket.reports.facts import M, hours_of
from loket.reports.filters import Filters, is_manager_view
from loket.reports.models import DayTotal, Tally
from loket.reports.registry import Context
from loket.tickets.access import agent_team_ids


def condition(ctx: Context, *, days: bool = True) -> Q:
    user, f = ctx.user, ctx.filters
    q = Q(day__gte=f.start, day__lte=f.end) if days else Q()
    if not user.is_admin:
        q &= Q(team_id__in=agent_team_ids(user)) | Q(agent_id=user.pk)
    if not is_manager_view(user):
        q &= Q(agent_id=user.pk)
    if f.team is not None:
        q &= Q(team_id=f.team)
    if f.tier is not None:
        q &= Q(tier=f.tier)
    if f.channel is not None:
        q &= Q(channel=f.channel)
    if f.organisation is not None:
        q &= Q(organisation_id=f.organisation)
    if f.organisation_kind is not None:
        q &= Q(
            organisation_id__in=Organisation.objects.filter(tier=f.organisation_kind).values("pk")
        )
    if f.kind is not None:
        q &= Q(
            organisation_id__in=Organisation.objects.filter(
                kind_membership__kind__key=f.kind
            ).values("pk")
        )
    if f.agent is not None:
        q &= Q(agent_id=f.agent)
    return q


def by_organisation(f: Filters) -> bool:
    return f.organisation is not None or f.organisation_kind is not None or f.kind is not None


def _all_rows(q: Q, metric: int, by: Sequence[str]) -> list[tuple[Any, ...]]:
    rows = (
        Tally.objects.filter(q, metric=metric)
        .values(*by)
        .annotate(total=Sum("n"))
        .order_by()
        .values_list(*by, "total")
    )
    return list(rows)


def _where(ctx: Context, model: type[Tally] | type[DayTotal], days: bool) -> tuple[str, list[Any]]:
    """``condition`` as SQL for ``model``'s table (compiled once per page); for ``Tally`` only
    the deltas not yet compacted (the partial index's rows)."""
    key = ("where", model, days)
    if key not in ctx.memo:
        extra = {"compacted": False} if model is Tally else {}
        query = model.objects.filter(condition(ctx, days=days), **extra).query
        try:
            sql, params = query.get_compiler(connection=connection).compile(query.where)
            ctx.memo[key] = (sql or "1 = 1", list(params))
        except FullResultSet:
            ctx.memo[key] = ("1 = 1", [])
        except EmptyResultSet:
            ctx.memo[key] = ("1 = 0", [])
    found: tuple[str, list[Any]] = ctx.memo[key]
    return found


def _totals_and_fresh(
    ctx: Context, metric: int, by: Sequence[str], days: bool
) -> list[tuple[Any, ...]]:
    """``DayTotal`` and the deltas not yet compacted, each summed (in index order where it
    can), then added up: one statement, so one snapshot of both."""
    columns = ", ".join(connection.ops.quote_name(c) for c in by)
    parts, params = [], []
    for model in (DayTotal, Tally):
        where, where_params = _where(ctx, model, days)
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(
            f"SELECT {columns}, SUM(n) AS n FROM {table} WHERE {where} "  # noqa: S608
            f"AND {table}.metric = %s GROUP BY {columns}"
        )
        params += [*where_params, metric]
    sql = f"SELECT {columns}, SUM(n) FROM ({' UNION ALL '.join(parts)}) AS both_ GROUP BY {columns}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    if "day" in by:  # SQLite gives the text it stores
        at = list(by).index("day")
        rows = [
            (*r[:at], date.fromisoformat(r[at]), *r[at + 1 :]) if isinstance(r[at], str) else r
            for r in rows
        ]
    return rows


def sums(
    ctx: Context, metric: int, by: Sequence[str], *, days: bool = True
) -> dict[tuple[Any, ...], int]:
    """``metric`` summed per distinct value of the ``by`` columns, in the report's scope."""
    key = (metric, tuple(by), days)
    memo = ctx.memo
    if key not in memo:
        if by_organisation(ctx.filters):
            rows = _all_rows(condition(ctx, days=days), metric, by)
        else:
            rows = _totals_and_fresh(ctx, metric, by, days)
        memo[key] = {tuple(r[:-1]): int(r[-1]) for r in rows if r[-1]}
    found: dict[tuple[Any, ...], int] = memo[key]
    return found


def histogram(ctx: Context, metric: int, by: str | None = None) -> dict[Any, dict[int, int]]:
    """Duration histograms (bucket -> tickets), per value of ``by`` (or one under None)."""
    out: dict[Any, dict[int, int]] = {}
    for row, n in sums(ctx, metric, [by, "bucket"] if by else ["bucket"]).items():
        group, bucket = (row[0], row[1]) if by else (None, row[0])
        out.setdefault(group, {})[bucket] = n
    return out


def rank_value(hist: dict[int, int], rank: int) -> float:
    """Hours at the ``rank``-th smallest duration (1-based) of a histogram."""
    seen = 0
    for bucket in sorted(hist):
        seen += hist[bucket]
        if seen >= rank:
            return hours_of(bucket)
    raise ValueError("rank beyond the histogram")


def median(hist: dict[int, int]) -> float | None:
    n = sum(hist.values())
    if n <= 0:
        return None
    if n % 2:
        return rank_value(hist, n // 2 + 1)
    return (rank_value(hist, n // 2) + rank_value(hist, n // 2 + 1)) / 2


def percentile(hist: dict[int, int], pct: float) -> float | None:
    """Nearest rank, as ``stats.percentile``."""
    import math

    n = sum(hist.values())
    if n <= 0:
        return None
    return rank_value(hist, max(1, math.ceil(pct / 100 * n)))


__all__ = ["M", "condition", "histogram", "median", "percentile", "sums"]
