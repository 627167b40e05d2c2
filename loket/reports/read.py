"""Reading the roll-up: the report's scope as a condition on its columns, and sums grouped by
a few columns, read once per report page (memoised on the context).

A report not narrowed by organisation reads ``DayTotal`` (the compacted rows without the
organisation: a fraction of them) plus the ``Tally`` deltas not yet compacted; the day totals
it read are kept under the period's version until a compaction changes one of its days. One
narrowed by organisation reads the compacted ``Tally`` rows of its organisations instead of
``DayTotal`` (through the index that leads with the organisation: only those organisations'
rows, never the whole desk's), plus the deltas, and keeps them the same way.

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
from django.db.models import Q

from loket.accounts.models import Organisation
from loket.lib.lru import Lru
from loket.reports.facts import M, hours_of
from loket.reports.filters import Filters, is_manager_view
from loket.reports.models import DayTotal, Tally, TallyDay
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


def _members(ctx: Context) -> tuple[int, ...] | None:
    """The organisations of the kind filters (read once per page), for the key under which
    sums are kept: the SQL names the kind, and an organisation may change kind without any
    roll-up row changing."""
    f = ctx.filters
    if f.organisation_kind is None and f.kind is None:
        return None
    if "members" not in ctx.memo:
        orgs = Organisation.objects.all()
        if f.organisation_kind is not None:
            orgs = orgs.filter(tier=f.organisation_kind)
        if f.kind is not None:
            orgs = orgs.filter(kind_membership__kind__key=f.kind)
        ctx.memo["members"] = tuple(sorted(set(orgs.values_list("pk", flat=True))))
    members: tuple[int, ...] = ctx.memo["members"]
    return members


def _source(ctx: Context, part: int) -> tuple[type[Tally] | type[DayTotal], dict[str, bool]]:
    """The table and extra condition of a read's part: 0 the compacted sums (``DayTotal``, or
    for a report narrowed by organisation the compacted ``Tally`` rows, which keep it), 1 the
    deltas not yet compacted (the partial index's rows)."""
    if part == 1:
        return Tally, {"compacted": False}
    if by_organisation(ctx.filters):
        return Tally, {"compacted": True}
    return DayTotal, {}


def _where(ctx: Context, part: int, days: bool) -> tuple[str, list[Any]]:
    """``condition`` as SQL for the table of ``part`` (compiled once per page)."""
    key = ("where", part, days)
    if key not in ctx.memo:
        model, extra = _source(ctx, part)
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


# Day totals read for a scope, figure and period, under the sum of the period's day versions
# (``TallyDay.version``): any compaction or rebuild of one of its days changes that sum, so an
# entry is never stale (versions are random: two periods alike by chance are 1 in 2^40). A
# page of every figure over a year keeps about 60,000 values of the 500,000 kept at most.
_kept: Lru[dict[int, dict[tuple[Any, ...], int]]] = Lru(max_weight=500_000)


# Figures a page reads by the same columns: one statement reads all of a group's metrics.
TOGETHER: dict[tuple[str, ...], tuple[int, ...]] = {
    ("day",): (M.SOLVED, M.RESOLVED, M.FIRST_LINE, M.FIRST_CONTACT),
    ("bucket",): (M.CREATED, M.SLA, M.ESCALATION, M.ESCALATED_BY, M.REPLY_BY),
    ("team_id",): (M.CSAT_SENT, M.CSAT_RATED, M.CSAT_SATISFIED),
    ("agent_id",): (M.RESOLVED, M.CSAT_SENT, M.CSAT_RATED, M.CSAT_SATISFIED),
    ("channel",): (M.REPLIES, M.CSAT_SENT, M.CSAT_RATED, M.CSAT_SATISFIED),
}

Sums = dict[tuple[Any, ...], int]


def _parts(ctx: Context, metrics: Sequence[int], by: Sequence[str], days: bool) -> dict[str, Any]:
    """The three SELECTs of a read: day totals (part 0), deltas not yet compacted (1), and
    the period's version (2, in the last column), to be put together with UNION ALL."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in ("metric", *by))
    marks = ", ".join(["%s"] * len(metrics))
    out: dict[str, Any] = {}
    for part in (0, 1):
        where, params = _where(ctx, part, days)
        table = quote(_source(ctx, part)[0]._meta.db_table)
        out[f"sql{part}"] = (
            f"SELECT {columns}, SUM(n) AS n, {part} AS part FROM {table} "  # noqa: S608
            f"WHERE {where} AND {table}.metric IN ({marks}) GROUP BY {columns}"
        )
        out[f"params{part}"] = [*params, *metrics]
    f = ctx.filters
    day = quote("day")
    nulls = ", ".join(["NULL"] * (1 + len(by)))
    out["sql2"] = (
        f"SELECT {nulls}, COALESCE(SUM({quote('version')}), 0), 2 "  # noqa: S608
        f"FROM {quote(TallyDay._meta.db_table)}"
        + (f" WHERE {day} >= %s AND {day} <= %s" if days else "")
    )
    adapt = connection.ops.adapt_datefield_value
    out["params2"] = [adapt(f.start), adapt(f.end)] if days else []
    where, params = _where(ctx, 0, days)
    table = _source(ctx, 0)[0]._meta.db_table
    out["key"] = (connection.settings_dict["NAME"], table, where, tuple(params),
                  _members(ctx), tuple(metrics), tuple(by), days)  # fmt: skip
    return out


def _run(sql: str, params: list[Any]) -> tuple[dict[int, list[tuple[Any, ...]]], int]:
    """Rows per part, and the period's version."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    parts: dict[int, list[tuple[Any, ...]]] = {0: [], 1: []}
    version = 0
    for row in rows:
        if row[-1] == 2:
            version = int(row[-2])
        else:
            parts[int(row[-1])].append(row[:-1])
    return parts, version


def _as_dicts(rows: list[tuple[Any, ...]], by: Sequence[str]) -> dict[int, Sums]:
    """Per metric (the first column), the sums per value of the ``by`` columns."""
    at = list(by).index("day") if "day" in by else None
    out: dict[int, Sums] = {}
    for row in rows:
        key = row[1:-1]
        if at is not None and isinstance(key[at], str):  # SQLite gives the text it stores
            key = (*key[:at], date.fromisoformat(key[at]), *key[at + 1 :])
        found = out.setdefault(int(row[0]), {})
        found[key] = found.get(key, 0) + int(row[-1])
    return out


# The version each period had when last read (per database, period and whether days count):
# the first figure of a page read after a compaction knows its day totals are not kept.
_seen: Lru[int] = Lru(max_weight=1_000)


def _totals_and_fresh(
    ctx: Context, metrics: Sequence[int], by: Sequence[str], days: bool
) -> dict[int, Sums]:
    """Per metric, the day totals and the deltas not yet compacted, added up.

    Kept day totals (under the version the period last had) are used with the deltas read
    together with the period's version in one statement, when that version is still theirs.
    Otherwise the day totals, the deltas and the version are read in one statement (one
    snapshot, so a compaction in between is no matter) and kept: one statement per figure
    either way, but for the first of a page after a compaction, which finds the new version."""
    p = _parts(ctx, metrics, by, days)
    union = " UNION ALL "
    f = ctx.filters
    period = (
        (connection.settings_dict["NAME"], f.start, f.end)
        if days
        else (connection.settings_dict["NAME"],)
    )
    expected = ctx.memo.get(("version", days), _seen.get(period))
    totals = _kept.get((*p["key"], expected)) if expected is not None else None
    if totals is not None:
        parts, version = _run(p["sql1"] + union + p["sql2"], [*p["params1"], *p["params2"]])
        if version != expected:
            totals = None  # compacted since: read them again
    if totals is None:
        parts, version = _run(
            union.join((p["sql0"], p["sql1"], p["sql2"])),
            [*p["params0"], *p["params1"], *p["params2"]],
        )
        totals = _as_dicts(parts[0], by)
        _kept.put((*p["key"], version), totals, weight=sum(len(d) for d in totals.values()))
    ctx.memo[("version", days)] = version
    _seen.put(period, version, weight=1)
    fresh = _as_dicts(parts[1], by)
    out: dict[int, Sums] = {}
    for metric in metrics:
        found = dict(totals.get(metric, {}))
        for key, n in fresh.get(metric, {}).items():
            found[key] = found.get(key, 0) + n
        out[metric] = {key: n for key, n in found.items() if n}
    return out


def sums(ctx: Context, metric: int, by: Sequence[str], *, days: bool = True) -> Sums:
    """``metric`` summed per distinct value of the ``by`` columns, in the report's scope."""
    key = (metric, tuple(by), days)
    memo = ctx.memo
    if key not in memo:
        group = TOGETHER.get(tuple(by), ())
        metrics = group if metric in group else (metric,)
        for other, found in _totals_and_fresh(ctx, metrics, by, days).items():
            memo[(other, tuple(by), days)] = found
    result: Sums = memo[key]
    return result


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
