"""The retention job: deletes the closed tickets the desk's retention setting says to."""

from __future__ import annotations

import calendar
from datetime import datetime

from loket.accounts.models import DeskSettings
from loket.tickets.actions import purge_closed


def cutoff_for(months: int, now: datetime) -> datetime:
    """``now`` minus whole calendar months (the 31st becomes the month's last day)."""
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def run(now: datetime, *, max_batches: int = 20) -> int:
    """Deletes due tickets in batches; returns how many went. Nothing when retention is off."""
    months = DeskSettings.objects.order_by("pk").values_list("retention_months", flat=True).first()
    if not months:
        return 0
    cutoff = cutoff_for(months, now)
    total = 0
    for _batch in range(max_batches):
        gone = purge_closed(cutoff, months=months)
        total += gone
        if not gone:
            break
    return total
