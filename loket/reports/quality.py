"""Quality: SLA attainment per target, first-contact and first-line resolution, escalations."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.models import Tier
from loket.reports.models import TicketFacts
from loket.reports.registry import Cell, Context, Result, register
from loket.reports.stats import percent
from loket.reports.volume import local_date
from loket.sla.models import ClockKind, ClockStatus, TicketSla
from loket.tickets.models import EscalationReason, Event, EventKind

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
    f = ctx.filters
    clocks = TicketSla.objects.filter(
        ticket__in=ctx.tickets.filter(created_at__gte=f.since, created_at__lt=f.until)
    )
    agg: dict[str, Count] = {}
    for kind in ClockKind:
        k = kind.value
        breached = Q(**{f"{k}_breached_at__isnull": False})
        agg[f"{k}_met"] = Count("pk", filter=Q(**{f"{k}_status": ClockStatus.MET}) & ~breached)
        agg[f"{k}_breached"] = Count("pk", filter=breached)
        agg[f"{k}_running"] = Count(
            "pk", filter=Q(**{f"{k}_status": ClockStatus.RUNNING}) & ~breached
        )
    found = clocks.aggregate(**agg)
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
    trunc = TruncWeek if f.days <= 731 else TruncMonth
    found = (
        TicketFacts.objects.filter(
            resolved=True,
            ticket__in=ctx.tickets.filter(resolved_at__gte=f.since, resolved_at__lt=f.until),
        )
        .annotate(bucket=trunc("ticket__resolved_at"))
        .values("bucket")
        .annotate(
            n=Count("pk"),
            fl=Count("pk", filter=Q(first_line=True)),
            fc=Count("pk", filter=Q(first_contact=True)),
        )
        .order_by()
    )
    counts: dict[date, list[int]] = {}
    for row in found:
        c = counts.setdefault(local_date(row["bucket"]), [0, 0, 0])
        c[0] += row["n"]
        c[1] += row["fl"]
        c[2] += row["fc"]
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
    f = ctx.filters
    afters = Event.objects.filter(
        kind=EventKind.ESCALATED,
        created_at__gte=f.since,
        created_at__lt=f.until,
        ticket_id__in=ctx.tickets,
    ).values_list("after", flat=True)
    by_tier: dict[int, int] = {}
    for after in afters.iterator(chunk_size=2000):
        tier = after.get("tier") if isinstance(after, dict) else None
        if isinstance(tier, int):
            by_tier[tier] = by_tier.get(tier, 0) + 1
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
    f = ctx.filters
    afters = Event.objects.filter(
        kind=EventKind.ESCALATED,
        created_at__gte=f.since,
        created_at__lt=f.until,
        ticket_id__in=ctx.tickets,
    ).values_list("after", flat=True)
    tiers = [value for value, _label in Tier.choices if value > 1]
    counts: dict[str, dict[int, int]] = {}
    for after in afters.iterator(chunk_size=2000):
        data = after if isinstance(after, dict) else {}
        kind = data.get("reason_kind")
        if kind not in EscalationReason.values:
            kind = EscalationReason.OTHER.value
        tier = data.get("tier")
        per_tier = counts.setdefault(str(kind), {})
        if isinstance(tier, int):
            per_tier[tier] = per_tier.get(tier, 0) + 1
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
