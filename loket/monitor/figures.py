"""Uptime and response-time figures from the hourly and daily rollups (never from raw rows,
so the status page costs the same with 10 or 10,000 monitors' worth of history)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.monitor.models import DailyStat, HourlyStat, Monitor


@dataclass(frozen=True)
class Bar:
    """One day (or hour) of one monitor, for a bar chart."""

    start: date | datetime
    uptime: float | None  # 0..1, None when there were no counted checks
    avg_ms: float | None = None
    max_ms: int | None = None

    @property
    def level(self) -> str:
        if self.uptime is None:
            return "none"
        if self.uptime >= 0.999:
            return "good"
        if self.uptime >= 0.99:
            return "warn"
        return "bad"

    @property
    def label(self) -> str:
        if self.uptime is None:
            return _("no data")
        return _("%(pct)s%% up") % {"pct": f"{self.uptime * 100:.2f}"}


@dataclass
class MonitorDays:
    monitor: Monitor
    bars: list[Bar] = field(default_factory=list)
    up: int = 0
    counted: int = 0

    @property
    def uptime(self) -> float | None:
        return self.up / self.counted if self.counted else None

    @property
    def uptime_pct(self) -> float | None:
        return None if self.uptime is None else self.uptime * 100


def daily_uptime(
    monitors: Iterable[Monitor], days: int = 90, today: date | None = None
) -> list[MonitorDays]:
    """``days`` daily bars per monitor, oldest first, ending today (the desk's local date)."""
    monitors = list(monitors)
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    stats: dict[int, dict[date, DailyStat]] = defaultdict(dict)
    for daily in DailyStat.objects.filter(
        monitor_id__in=[m.pk for m in monitors], day__gte=first, day__lte=today
    ):
        stats[daily.monitor_id][daily.day] = daily
    result = []
    for monitor in monitors:
        row = MonitorDays(monitor)
        for offset in range(days):
            day = first + timedelta(days=offset)
            stat = stats[monitor.pk].get(day)
            if stat is None:
                row.bars.append(Bar(day, None))
                continue
            row.bars.append(Bar(day, stat.uptime, stat.avg_ms, stat.ms_max))
            row.up += stat.up
            row.counted += stat.checks - stat.maintenance
        result.append(row)
    return result


def hourly_series(monitor: Monitor, hours: int = 48, now: datetime | None = None) -> list[Bar]:
    """Hourly uptime and mean response time for the last ``hours`` hours, oldest first."""
    now = now or timezone.now()
    end = now.replace(minute=0, second=0, microsecond=0)
    first = end - timedelta(hours=hours - 1)
    stats = {
        s.hour: s
        for s in HourlyStat.objects.filter(monitor=monitor, hour__gte=first, hour__lte=end)
    }
    bars = []
    for offset in range(hours):
        hour = first + timedelta(hours=offset)
        stat = stats.get(hour)
        local = timezone.localtime(hour)
        bars.append(
            Bar(local, None) if stat is None else Bar(local, stat.uptime, stat.avg_ms, stat.ms_max)
        )
    return bars


def period_uptime(monitor: Monitor, days: int, today: date | None = None) -> float | None:
    """Uptime over the last ``days`` days (for week and month figures)."""
    today = today or timezone.localdate()
    totals = DailyStat.objects.filter(
        monitor=monitor, day__gt=today - timedelta(days=days), day__lte=today
    ).aggregate(up=Sum("up"), checks=Sum("checks"), maintenance=Sum("maintenance"))
    counted = (totals["checks"] or 0) - (totals["maintenance"] or 0)
    return (totals["up"] or 0) / counted if counted > 0 else None
