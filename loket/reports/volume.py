"""Volume: tickets created and solved per day (or week, month) by channel, and the backlog."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.reports.filters import Filters
from loket.reports.models import DailyVolume
from loket.reports.registry import Cell, Context, Result, register
from loket.reports.rollup import resolutions
from loket.tickets.models import Channel, State

TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def bucket_of(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def buckets(filters: Filters) -> list[date]:
    out: list[date] = []
    current = bucket_of(filters.start, filters.granularity)
    while current <= filters.end:
        out.append(current)
        if filters.granularity == "day":
            current += timedelta(days=1)
        elif filters.granularity == "week":
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def local_date(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _unfiltered(ctx: Context) -> bool:
    f = ctx.filters
    narrowed = (f.team, f.tier, f.channel, f.organisation, f.organisation_kind, f.kind, f.agent)
    return ctx.user.is_admin and all(v is None for v in narrowed)


def _from_rollup(ctx: Context) -> tuple[dict[tuple[date, str], int], dict[date, int]]:
    f = ctx.filters
    created: dict[tuple[date, str], int] = {}
    solved: dict[date, int] = {}
    rows = (
        DailyVolume.objects.filter(day__gte=f.start, day__lte=f.end)
        .values("day", "channel")
        .annotate(c=Sum("created"), s=Sum("solved"))
        .order_by()
        .values_list("day", "channel", "c", "s")
    )
    for day, channel, n_created, n_solved in rows:
        bucket = bucket_of(day, f.granularity)
        created[(bucket, channel)] = created.get((bucket, channel), 0) + n_created
        solved[bucket] = solved.get(bucket, 0) + n_solved
    return created, solved


def _from_raw(ctx: Context) -> tuple[dict[tuple[date, str], int], dict[date, int]]:
    f = ctx.filters
    trunc = TRUNC[f.granularity]
    rows = (
        ctx.tickets.filter(created_at__gte=f.since, created_at__lt=f.until)
        .annotate(bucket=trunc("created_at"))
        .values("bucket", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    created: dict[tuple[date, str], int] = {}
    for row in rows:
        key = (local_date(row["bucket"]), row["channel"])
        created[key] = created.get(key, 0) + row["n"]
    solved_rows = (
        resolutions()
        .filter(created_at__gte=f.since, created_at__lt=f.until, ticket_id__in=ctx.tickets)
        .annotate(bucket=trunc("created_at"))
        .values("bucket")
        .annotate(n=Count("pk"))
        .order_by()
    )
    solved: dict[date, int] = {}
    for srow in solved_rows:
        day = local_date(srow["bucket"])
        solved[day] = solved.get(day, 0) + srow["n"]
    return created, solved


@register(
    "volume",
    gettext_lazy("Tickets created and solved"),
    gettext_lazy(
        "Created: tickets whose creation falls in the period, by channel. Solved: resolutions "
        "in the period (a ticket solved, reopened and solved again counts twice). Counted per "
        "day in the desk's time zone (per week from 93 days, per month from two years). "
        "Read from the daily roll-up when only the period narrows the report."
    ),
    gettext_lazy("Volume"),
)
def volume(ctx: Context) -> Result:
    f = ctx.filters
    by_channel, solved_by = _from_rollup(ctx) if _unfiltered(ctx) else _from_raw(ctx)
    channels = [c for c in Channel if any(k[1] == c.value for k in by_channel)]
    keys = ["period", *(f"created_{c.value}" for c in channels), "created", "solved"]
    labels = [
        _("Period"),
        *(str(c.label) for c in channels),
        _("Created"),
        _("Solved"),
    ]
    rows: list[list[Cell]] = []
    for day in buckets(f):
        counts = [by_channel.get((day, c.value), 0) for c in channels]
        rows.append([day.isoformat(), *counts, sum(counts), solved_by.get(day, 0)])
    series = list(range(1, 1 + len(channels)))
    return Result(keys, labels, rows, chart="stacked", series=series)


AGE_BUCKETS = ((1, "<1d"), (3, "1-3d"), (7, "3-7d"), (30, "7-30d"), (None, ">30d"))


@register(
    "backlog",
    gettext_lazy("Backlog by age"),
    gettext_lazy(
        "Tickets open now (not resolved or closed), by the time since they were created. "
        "This figure is about today, not the period."
    ),
    gettext_lazy("Volume"),
)
def backlog(ctx: Context) -> Result:
    now = timezone.now()
    open_qs = ctx.tickets.exclude(state__in=[State.RESOLVED, State.CLOSED])
    conditions: dict[str, Q] = {}
    lower: int | None = None
    for days, label in AGE_BUCKETS:
        cond = Q()
        if days is not None:
            cond &= Q(created_at__gt=now - timedelta(days=days))
        if lower is not None:
            cond &= Q(created_at__lte=now - timedelta(days=lower))
        conditions[label] = cond
        lower = days
    found = open_qs.aggregate(
        **{f"b{i}": Count("pk", filter=c) for i, c in enumerate(conditions.values())}
    )
    counts = [found[f"b{i}"] or 0 for i in range(len(conditions))]
    labels_by_bucket = {
        "<1d": _("under a day"),
        "1-3d": _("1 to 3 days"),
        "3-7d": _("3 to 7 days"),
        "7-30d": _("7 to 30 days"),
        ">30d": _("over 30 days"),
    }
    rows: list[list[Cell]] = [
        [labels_by_bucket[label], n] for (_d, label), n in zip(AGE_BUCKETS, counts, strict=True)
    ]
    return Result(
        ["age", "open"],
        [_("Age"), _("Open tickets")],
        rows,
        chart="bars",
        series=[1],
        headline={"value": sum(counts), "label": _("open now")},
    )
