"""Hourly and daily figures from the raw results, and the pruning that keeps the data small.

The rollup is incremental: it reads the raw rows after its cursor (the highest id it counted),
groups them per monitor and hour, and *adds* the counts to the hourly and daily rows. Every raw
row is counted exactly once, a late row simply lands in its own hour, and no index on time is
needed. Days are the desk's local days (``TIME_ZONE``), made from whole hours.

Pruning deletes raw rows older than ``MONITOR_RAW_DAYS`` that the rollup has counted, oldest
first in batches, and hourly/daily rows past their own retention.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Mod
from django.utils import timezone

from loket.monitor import conf
from loket.monitor.models import (
    CheckResult,
    DailyStat,
    HourlyStat,
    Outcome,
    RollupCursor,
    Stat,
)

HOUR = 3600
CURSOR = "results"


@dataclass
class Counts:
    checks: int = 0
    up: int = 0
    maintenance: int = 0
    timed: int = 0
    ms_sum: int = 0
    ms_max: int = 0

    def add(self, row: Mapping[str, Any]) -> None:
        self.checks += row["checks"]
        self.up += row["up"]
        self.maintenance += row["maintenance"]
        self.timed += row["timed"]
        self.ms_sum += row["ms_sum"] or 0
        self.ms_max = max(self.ms_max, row["ms_max"] or 0)


def _merge(model: type[Stat], key_field: str, counts: dict[tuple[int, Any], Counts]) -> None:
    if not counts:
        return
    monitors = {m for m, _k in counts}
    keys = {k for _m, k in counts}
    existing = {
        (row.monitor_id, getattr(row, key_field)): row
        for row in model._default_manager.filter(
            monitor_id__in=monitors, **{f"{key_field}__in": keys}
        )
    }
    new: list[Stat] = []
    changed: list[Stat] = []
    for (monitor_id, key), c in counts.items():
        row = existing.get((monitor_id, key))
        if row is None:
            new.append(
                model(
                    monitor_id=monitor_id,
                    checks=c.checks,
                    up=c.up,
                    maintenance=c.maintenance,
                    timed=c.timed,
                    ms_sum=c.ms_sum,
                    ms_max=c.ms_max,
                    **{key_field: key},
                )
            )
            continue
        row.checks += c.checks
        row.up += c.up
        row.maintenance += c.maintenance
        row.timed += c.timed
        row.ms_sum += c.ms_sum
        row.ms_max = max(row.ms_max, c.ms_max)
        changed.append(row)
    model._default_manager.bulk_create(new, batch_size=500)
    model._default_manager.bulk_update(
        changed, ["checks", "up", "maintenance", "timed", "ms_sum", "ms_max"], batch_size=500
    )


def roll_up(batch: int = 100_000) -> int:
    """Counts the raw rows added since the last run (at most ``batch``); returns how many."""
    with transaction.atomic():
        cursor, _created = RollupCursor.objects.select_for_update().get_or_create(name=CURSOR)
        top = CheckResult.objects.filter(id__gt=cursor.last_id).aggregate(m=Max("id"))["m"]
        if top is None:
            return 0
        upto = min(top, cursor.last_id + batch)
        up = Q(outcome=Outcome.UP)
        groups = (
            CheckResult.objects.filter(id__gt=cursor.last_id, id__lte=upto)
            .annotate(bucket=F("at") - Mod("at", HOUR))
            .values("monitor_id", "bucket")
            .annotate(
                checks=Count("id"),
                up=Count("id", filter=up),
                maintenance=Count("id", filter=Q(outcome=Outcome.MAINTENANCE)),
                timed=Count("total_ms", filter=up),
                ms_sum=Sum("total_ms", filter=up),
                ms_max=Max("total_ms", filter=up),
            )
        )
        hourly: dict[tuple[int, Any], Counts] = defaultdict(Counts)
        daily: dict[tuple[int, Any], Counts] = defaultdict(Counts)
        counted = 0
        for row in groups:
            hour = datetime.fromtimestamp(int(row["bucket"]), tz=UTC)
            day: date = timezone.localtime(hour).date()
            hourly[(row["monitor_id"], hour)].add(row)
            daily[(row["monitor_id"], day)].add(row)
            counted += row["checks"]
        _merge(HourlyStat, "hour", hourly)
        _merge(DailyStat, "day", daily)
        cursor.last_id = upto
        cursor.save(update_fields=["last_id"])
    return counted


def roll_up_all() -> int:
    total = 0
    while True:
        counted = roll_up()
        total += counted
        if not counted:
            return total


def prune(now: datetime | None = None, batch: int = 5000) -> dict[str, int]:
    """Deletes what is past its retention; raw rows only once the rollup has counted them."""
    now = now or timezone.now()
    raw_cutoff = int((now - timedelta(days=int(conf.get("MONITOR_RAW_DAYS")))).timestamp())
    counted_upto = RollupCursor.objects.filter(name=CURSOR).values_list("last_id", flat=True)
    limit = counted_upto.first() or 0
    raw = 0
    while True:
        rows = list(
            CheckResult.objects.filter(id__lte=limit).order_by("id").values_list("id", "at")[:batch]
        )
        if not rows:
            break
        old = [pk for pk, at in rows if at < raw_cutoff]
        if old:
            raw += CheckResult.objects.filter(
                id__gte=rows[0][0], id__lte=max(old), at__lt=raw_cutoff
            ).delete()[0]
        if len(old) < len(rows):
            break
    hourly = HourlyStat.objects.filter(
        hour__lt=now - timedelta(days=int(conf.get("MONITOR_HOURLY_DAYS")))
    ).delete()[0]
    daily = DailyStat.objects.filter(
        day__lt=timezone.localdate(now) - timedelta(days=int(conf.get("MONITOR_DAILY_DAYS")))
    ).delete()[0]
    return {"raw": raw, "hourly": hourly, "daily": daily}
