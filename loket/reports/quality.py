"""Quality: SLA attainment per target, first-contact and first-line resolution, escalations."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.models import Tier
from loket.reports import read
from loket.reports.facts import REASONS, M
from loket.reports.registry import Cell, Context, Result, register
from loket.reports.stats import percent
from loket.reports.volume import bucket_of
from loket.sla.models import ClockKind
from loket.tickets.models import EscalationReason

GOAL = 90.0  # % of problems solved by the first line (PRODUCT.md)


@register(
    "sla",
    gettext_lazy("SLA attainment"),
    gettext_lazy(
        "For tickets created in the period, per SLA target (measured by the SLA clocks in "
        "the policy's business hours): met in time, breached, and still running. Attainment "
        "is met in time divided by met in time plus breached."
    ),
    gettext_lazy("Speed"),
)
def sla(ctx: Context) -> Result:
    verdicts = read.sums(ctx, M.SLA, ["bucket"])
    found: dict[str, int] = {}
    for index, kind in enumerate(ClockKind):
        for code, name in ((1, "met"), (2, "breached"), (3, "running")):
            found[f"{kind.value}_{name}"] = verdicts.get((index * 10 + code,), 0)
    rows: list[list[Cell]] = []
    for kind in ClockKind:
        met, breached, running = (
            found[f"{kind.value}_{s}"] for s in ("met", "breached", "running")
        )
        rows.append([str(kind.label), met, breached, running, percent(met, met + breached)])
    return Result(
        ["target", "met", "breached", "running", "attainment_percent"],
        [_("Target"), _("Met in time"), _("Breached"), _("Running"), _("Attainment (%)")],
        rows,
        chart="bars",
        series=[4],
    )


@register(
    "resolution_rates",
    gettext_lazy("First-line and first-contact resolution"),
    gettext_lazy(
        "For tickets whose latest resolution falls in the period, judged from their events: "
        "first-line resolution is resolved without ever being escalated; first-contact "
        "resolution is that, after exactly one public reply and no customer message after it. "
        "The goal is that the first line solves 90%. Trend per week (per month from two years)."
    ),
    gettext_lazy("Resolution"),
)
def resolution_rates(ctx: Context) -> Result:
    f = ctx.filters
    granularity = "week" if f.days <= 731 else "month"
    counts: dict[date, list[int]] = {}
    for i, metric in enumerate((M.RESOLVED, M.FIRST_LINE, M.FIRST_CONTACT)):
        for (day,), n in read.sums(ctx, metric, ["day"]).items():
            counts.setdefault(bucket_of(day, granularity), [0, 0, 0])[i] += n
    rows: list[list[Cell]] = []
    for bucket in sorted(counts):
        n, fl, fc = counts[bucket]
        rows.append([bucket.isoformat(), n, fl, fc, percent(fl, n), percent(fc, n)])
    n = sum(c[0] for c in counts.values())
    fl = sum(c[1] for c in counts.values())
    fc = sum(c[2] for c in counts.values())
    first_line = percent(fl, n)
    return Result(
        ["period", "resolved", "first_line", "first_contact", "first_line_percent",
         "first_contact_percent"],
        [_("Period"), _("Resolved"), _("First line"), _("First contact"),
         _("First-line resolution (%)"), _("First-contact resolution (%)")],
        rows,
        chart="lines",
        series=[4, 5],
        headline={
            "value": first_line,
            "unit": "%",
            "goal": GOAL,
            "label": _("solved by the first line"),
            "first_contact": percent(fc, n),
            "met": first_line is not None and first_line >= GOAL,
        },
    )  # fmt: skip


@register(
    "escalations",
    gettext_lazy("Escalations by tier"),
    gettext_lazy(
        "Escalations written in the period on the tickets in scope, by the tier escalated to."
    ),
    gettext_lazy("Resolution"),
)
def escalations(ctx: Context) -> Result:
    by_tier: dict[int, int] = {}
    for (bucket,), n in read.sums(ctx, M.ESCALATION, ["bucket"]).items():
        by_tier[bucket // 100] = by_tier.get(bucket // 100, 0) + n
    rows: list[list[Cell]] = [
        [str(label), by_tier.get(value, 0)] for value, label in Tier.choices if value > 1
    ]
    return Result(
        ["tier", "escalations"],
        [_("Escalated to"), _("Escalations")],
        rows,
        chart="bars",
        series=[1],
        headline={"value": sum(by_tier.values()), "label": _("escalations")},
    )


@register(
    "escalations_by_reason",
    gettext_lazy("Escalations by reason"),
    gettext_lazy(
        "Escalations written in the period on the tickets in scope, by the kind of reason the "
        "agent chose when escalating, and the tier escalated to. Escalations from before the "
        "kind was asked count as “Other”."
    ),
    gettext_lazy("Resolution"),
)
def escalations_by_reason(ctx: Context) -> Result:
    tiers = [value for value, _label in Tier.choices if value > 1]
    counts: dict[str, dict[int, int]] = {}
    for (bucket,), n in read.sums(ctx, M.ESCALATION, ["bucket"]).items():
        tier, index = divmod(bucket, 100)
        per_tier = counts.setdefault(REASONS[index] if index < len(REASONS) else "other", {})
        per_tier[tier] = per_tier.get(tier, 0) + n
    rows: list[list[Cell]] = []
    for value, label in EscalationReason.choices:
        per_tier = counts.get(value, {})
        if not per_tier:
            continue
        rows.append([str(label), sum(per_tier.values()), *(per_tier.get(t, 0) for t in tiers)])
    total = sum(int(row[1] or 0) for row in rows)
    rows.sort(key=lambda row: -int(row[1] or 0))
    return Result(
        ["reason", "escalations", *(f"to_tier_{t}" for t in tiers)],
        [_("Reason"), _("Escalations"), *(str(Tier(t).label) for t in tiers)],
        rows,
        chart="stacked",
        series=list(range(2, 2 + len(tiers))),
        headline={"value": total, "label": _("escalations")},
    )
