"""Speed: first response and resolution time (median, 90th percentile), replies per ticket.

Times are calendar time (wall clock), not business hours: the SLA attainment figure is the one
measured in each policy's business hours (from the SLA clocks).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.reports.registry import Cell, Context, Result, register
from loket.reports.stats import hours, median, percentile, rounded
from loket.tickets.models import Channel, Ticket

ALL = "all"


def _by_channel(pairs: Iterable[tuple[str, float]]) -> Result:
    groups: dict[str, list[float]] = {}
    for channel, value in pairs:
        groups.setdefault(channel, []).append(value)
        groups.setdefault(ALL, []).append(value)
    rows: list[list[Cell]] = []
    for key, label in [(ALL, _("All channels")), *((c.value, str(c.label)) for c in Channel)]:
        values = groups.get(key, [])
        if key != ALL and not values:
            continue
        rows.append([label, len(values), rounded(median(values)), rounded(percentile(values, 90))])
    return Result(
        ["channel", "tickets", "median_hours", "p90_hours"],
        [_("Channel"), _("Tickets"), _("Median (hours)"), _("90th percentile (hours)")],
        rows,
        chart="bars",
        series=[2, 3],
        headline={"value": rows[0][2], "unit": "h", "label": _("median")},
    )


def _first_replies(ctx: Context) -> QuerySet[Ticket]:
    f = ctx.filters
    return ctx.tickets.filter(
        created_at__gte=f.since,
        created_at__lt=f.until,
        report_facts__first_reply_at__isnull=False,
    ).order_by()


def first_response_pairs(ctx: Context) -> list[tuple[str, float]]:
    rows = _first_replies(ctx).values_list("channel", "created_at", "report_facts__first_reply_at")
    return [(ch, hours(first - created)) for ch, created, first in rows if first is not None]


def first_response_by_assignee(ctx: Context) -> dict[int | None, list[float]]:
    rows = _first_replies(ctx).values_list(
        "assignee_id", "created_at", "report_facts__first_reply_at"
    )
    out: dict[int | None, list[float]] = {}
    for assignee, created, first in rows:
        if first is None:
            continue
        out.setdefault(assignee, []).append(hours(first - created))
    return out


@register(
    "first_response",
    gettext_lazy("First response time"),
    gettext_lazy(
        "For tickets created in the period that have a public reply: the calendar time from "
        "creation to the first public reply, in hours; median and 90th percentile (nearest "
        "rank). Calendar time, not business hours: see SLA attainment for business hours."
    ),
    gettext_lazy("Speed"),
)
def first_response(ctx: Context) -> Result:
    return _by_channel(first_response_pairs(ctx))


@register(
    "resolution_time",
    gettext_lazy("Resolution time"),
    gettext_lazy(
        "For tickets whose latest resolution falls in the period: the calendar time from "
        "creation to that resolution, in hours; median and 90th percentile (nearest rank)."
    ),
    gettext_lazy("Speed"),
)
def resolution_time(ctx: Context) -> Result:
    f = ctx.filters
    rows = (
        ctx.tickets.filter(resolved_at__gte=f.since, resolved_at__lt=f.until)
        .values_list("channel", "created_at", "resolved_at")
        .order_by()
    )
    pairs: list[tuple[str, float]] = []
    for ch, created, resolved in rows:
        assert isinstance(resolved, datetime)
        pairs.append((ch, hours(resolved - created)))
    return _by_channel(pairs)


@register(
    "replies_per_ticket",
    gettext_lazy("Replies per ticket"),
    gettext_lazy(
        "For tickets whose latest resolution falls in the period: the number of public "
        "replies on the ticket (internal notes not counted), on average."
    ),
    gettext_lazy("Speed"),
)
def replies_per_ticket(ctx: Context) -> Result:
    f = ctx.filters
    rows = (
        ctx.tickets.filter(resolved_at__gte=f.since, resolved_at__lt=f.until)
        .values("channel")
        .annotate(tickets=Count("pk"), replies=Coalesce(Sum("report_facts__replies"), 0))
        .order_by()
    )
    found = {r["channel"]: (r["tickets"], r["replies"]) for r in rows}
    total_t = sum(t for t, _r in found.values())
    total_r = sum(r for _t, r in found.values())
    out: list[list[Cell]] = [
        [_("All channels"), total_t, total_r, rounded(total_r / total_t) if total_t else None]
    ]
    for c in Channel:
        if c.value in found:
            t, r = found[c.value]
            out.append([str(c.label), t, r, rounded(r / t) if t else None])
    return Result(
        ["channel", "tickets", "replies", "replies_per_ticket"],
        [_("Channel"), _("Tickets"), _("Public replies"), _("Replies per ticket")],
        out,
        chart="bars",
        series=[3],
        headline={"value": out[0][3], "label": _("on average")},
    )
