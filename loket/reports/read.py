"""Reading the roll-up (``Tally``): the report's scope as a condition on its columns, and sums
grouped by a few columns, read once per report page (memoised on the context).

The scope is the same rule as ``filters.scope`` on the tickets: an admin sees every ticket,
another agent the tickets of their teams and those assigned to them, and an agent who is not
a manager only their own (assigned to them); then the filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, Sum

from loket.accounts.models import Organisation
from loket.reports.facts import M, hours_of
from loket.reports.filters import is_manager_view
from loket.reports.models import Tally
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


def sums(
    ctx: Context, metric: int, by: Sequence[str], *, days: bool = True
) -> dict[tuple[Any, ...], int]:
    """``metric`` summed per distinct value of the ``by`` columns, in the report's scope."""
    key = (metric, tuple(by), days)
    memo = ctx.memo
    if key not in memo:
        rows = (
            Tally.objects.filter(condition(ctx, days=days), metric=metric)
            .values(*by)
            .annotate(total=Sum("n"))
            .order_by()
            .values_list(*by, "total")
        )
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
