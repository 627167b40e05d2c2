"""Load against coverage: tickets per hour of the week beside the rota's agents on duty.

The load is the tickets created in the period, per weekday and hour in the desk's time zone,
averaged per week. The coverage is the agents on duty (weekly shifts, approved swaps, leave
taken off) in the same hour of the week, averaged over the period's last weeks (at most
``COVERAGE_WEEKS``: the rota of two years ago says little about today's gaps). Where the
hours nobody covers meet the load is the headline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.models import Team
from loket.reports import read
from loket.reports.facts import M
from loket.reports.registry import Cell, Context, Result, register
from loket.rota import duty
from loket.rota.models import Shift
from loket.sla.calendars import from_us

COVERAGE_WEEKS = 12
HOUR = timedelta(hours=1)
Slot = tuple[int, int]  # ISO weekday 1..7, hour 0..23


def load_per_slot(ctx: Context) -> dict[Slot, int]:
    found = read.sums(ctx, M.CREATED, ["bucket"])
    return {divmod(bucket, 24): n for (bucket,), n in found.items()}


def coverage_window(ctx: Context) -> tuple[datetime, datetime]:
    until = ctx.filters.until
    since = max(ctx.filters.since, until - timedelta(weeks=COVERAGE_WEEKS))
    return since, until


def agent_hours_per_slot(teams: list[Team], since: datetime, until: datetime) -> dict[Slot, float]:
    """Agent-hours on duty that fall in each hour of the week, summed over the window."""
    tz = timezone.get_current_timezone()
    hours: dict[Slot, float] = {}
    for team in teams:
        rota = duty.build(team, since, until)
        for spans in rota.duty.values():
            for start_us, end_us in spans:
                start, end = from_us(start_us), from_us(end_us)
                # Hour by hour in UTC (aware arithmetic in a local zone is wall-clock and
                # would skip or repeat an hour on DST days); the slot is read locally.
                cursor = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
                while cursor < end:
                    nxt = cursor + HOUR
                    overlap = (min(end, nxt) - max(start, cursor)).total_seconds() / 3600
                    if overlap > 0:
                        local = cursor.astimezone(tz)
                        slot = (local.isoweekday(), local.hour)
                        hours[slot] = hours.get(slot, 0.0) + overlap
                    cursor = nxt
    return hours


def teams_in_scope(ctx: Context) -> list[Team]:
    with_shifts = Team.objects.filter(pk__in=Shift.objects.values("team_id"))
    if ctx.filters.team is not None:
        with_shifts = with_shifts.filter(pk=ctx.filters.team)
    elif ctx.filters.tier is not None:
        with_shifts = with_shifts.filter(tier=ctx.filters.tier)
    return list(with_shifts.order_by("pk"))


@register(
    "load_coverage",
    gettext_lazy("Load against coverage"),
    gettext_lazy(
        "Tickets created per hour of the week (desk time zone), averaged per week of the "
        "period, beside the agents on duty in that hour by the rota (weekly shifts, approved "
        "swaps, leave taken off), averaged over the period's last 12 weeks at most. Marked: "
        "hours with tickets and nobody on duty."
    ),
    gettext_lazy("Volume"),
)
def load_coverage(ctx: Context) -> Result:
    weeks = max(ctx.filters.days / 7, 1 / 7)
    load = load_per_slot(ctx)
    since, until = coverage_window(ctx)
    cover_weeks = max((until - since).total_seconds() / (7 * 86400), 1 / 7)
    staffed = agent_hours_per_slot(teams_in_scope(ctx), since, until)
    rows: list[list[Cell]] = []
    uncovered_busy = 0
    for weekday in range(1, 8):
        for hour in range(24):
            tickets = round(load.get((weekday, hour), 0) / weeks, 1)
            agents = round(staffed.get((weekday, hour), 0.0) / cover_weeks, 1)
            gap = tickets > 0 and agents == 0
            uncovered_busy += gap
            rows.append(
                [str(WEEKDAYS_ABBR[weekday - 1]), hour, tickets, agents, _("yes") if gap else ""]
            )
    return Result(
        ["weekday", "hour", "tickets_per_week", "agents_on_duty", "uncovered"],
        [_("Day"), _("Hour"), _("Tickets per week"), _("Agents on duty"), _("Nobody on duty")],
        rows,
        chart="heat",
        series=[2, 3],
        headline={"value": uncovered_busy, "label": _("busy hours of the week nobody covers")},
    )
