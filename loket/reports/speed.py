"""Speed: first response and resolution time (median, 90th percentile), replies per ticket.

Times are calendar time (wall clock), not business hours: the SLA attainment figure is the one
measured in each policy's business hours (from the SLA clocks).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.reports import read
from loket.reports.facts import M
from loket.reports.registry import Cell, Context, Result, register
from loket.reports.stats import rounded
from loket.tickets.models import Channel

ALL = "all"


def _by_channel(hist: dict[str, dict[int, int]]) -> Result:
    merged: dict[int, int] = {}
    for per_channel in hist.values():
        for bucket, n in per_channel.items():
            merged[bucket] = merged.get(bucket, 0) + n
    rows: list[list[Cell]] = []
    groups = [(ALL, _("All channels"), merged)]
    groups += [(c.value, str(c.label), hist[c.value]) for c in Channel if hist.get(c.value)]
    for _key, label, values in groups:
        rows.append(
            [label, sum(values.values()), rounded(read.median(values)),
             rounded(read.percentile(values, 90))]
        )  # fmt: skip
    return Result(
        ["channel", "tickets", "median_hours", "p90_hours"],
        [_("Channel"), _("Tickets"), _("Median (hours)"), _("90th percentile (hours)")],
        rows,
        chart="bars",
        series=[2, 3],
        headline={"value": rows[0][2], "unit": "h", "label": _("median")},
    )


def first_response_by_assignee(ctx: Context) -> dict[int | None, float | None]:
    """The median first response (hours) per assignee."""
    found = read.histogram(ctx, M.FIRST_RESPONSE, "agent_id")
    return {agent: read.median(hist) for agent, hist in found.items()}


@register(
    "first_response",
    gettext_lazy("First response time"),
    gettext_lazy(
        "For tickets created in the period that have a public reply: the calendar time from "
        "creation to the first public reply, in hours; median and 90th percentile (nearest "
        "rank). Calendar time, not business hours: see SLA attainment for business hours. "
        "Medians and percentiles are read from per-day histograms of the durations in buckets "
        "1% wide: each is within 0.5% of the exact figure (or under a second)."
    ),
    gettext_lazy("Speed"),
)
def first_response(ctx: Context) -> Result:
    return _by_channel(read.histogram(ctx, M.FIRST_RESPONSE, "channel"))


@register(
    "resolution_time",
    gettext_lazy("Resolution time"),
    gettext_lazy(
        "For tickets whose latest resolution falls in the period: the calendar time from "
        "creation to that resolution, in hours; median and 90th percentile (nearest rank). "
        "Medians and percentiles are read from per-day histograms of the durations in buckets "
        "1% wide: each is within 0.5% of the exact figure (or under a second)."
    ),
    gettext_lazy("Speed"),
)
def resolution_time(ctx: Context) -> Result:
    return _by_channel(read.histogram(ctx, M.RESOLVED, "channel"))


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
    tickets = read.histogram(ctx, M.RESOLVED, "channel")  # the same read as resolution time
    replies = read.sums(ctx, M.REPLIES, ["channel"])
    found = {ch: (sum(h.values()), replies.get((ch,), 0)) for ch, h in tickets.items()}
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
