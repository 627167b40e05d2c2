"""Volume: tickets created and solved per day (or week, month) by channel, and the backlog."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.reports import read
from loket.reports.facts import M, age_hours
from loket.reports.filters import Filters
from loket.reports.registry import Cell, Context, Result, register
from loket.tickets.models import Channel


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


def _counts(ctx: Context) -> tuple[dict[tuple[date, str], int], dict[date, int]]:
    f = ctx.filters
    created: dict[tuple[date, str], int] = {}
    solved: dict[date, int] = {}
    for (day, channel), n in read.sums(ctx, M.CREATED, ["day", "channel"]).items():
        bucket = bucket_of(day, f.granularity)
        created[(bucket, channel)] = created.get((bucket, channel), 0) + n
    for (day,), n in read.sums(ctx, M.SOLVED, ["day"]).items():
        bucket = bucket_of(day, f.granularity)
        solved[bucket] = solved.get(bucket, 0) + n
    return created, solved


@register(
    "volume",
    gettext_lazy("Tickets created and solved"),
    gettext_lazy(
        "Created: tickets whose creation falls in the period, by channel. Solved: resolutions "
        "in the period (a ticket solved, reopened and solved again counts twice). Counted per "
        "day in the desk's time zone (per week from 93 days, per month from two years)."
    ),
    gettext_lazy("Volume"),
)
def volume(ctx: Context) -> Result:
    f = ctx.filters
    by_channel, solved_by = _counts(ctx)
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
        "Tickets open now (not resolved or closed), by the time since the start of the hour "
        "they were created in (desk time zone). This figure is about today, not the period."
    ),
    gettext_lazy("Volume"),
)
def backlog(ctx: Context) -> Result:
    now = timezone.now()
    # Days further back than the longest limit and two more (DST, time zones) need no clock.
    longest = max(limit for limit, _label in AGE_BUCKETS if limit is not None)
    old = timezone.localdate(now, timezone.get_default_timezone()) - timedelta(days=longest + 2)
    counts = [0] * len(AGE_BUCKETS)
    for (day, hour), n in read.sums(ctx, M.OPEN, ["day", "bucket"], days=False).items():
        if day < old:
            counts[-1] += n
            continue
        age = age_hours(day, hour, now)
        for i, (limit, _label) in enumerate(AGE_BUCKETS):
            if limit is None or age < limit * 24:
                counts[i] += n
                break
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
