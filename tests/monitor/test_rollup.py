"""Rollups and pruning: raw results become hourly and daily figures, and then go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from loket.monitor import rollup
from loket.monitor.models import (
    CheckResult,
    DailyStat,
    HourlyStat,
    Monitor,
    Outcome,
)


@pytest.fixture
def monitor(db: None) -> Monitor:
    return Monitor.objects.create(name="Shop", target="http://example.com/")


def results(monitor: Monitor, at: datetime, outcomes: list[int], ms: int = 100) -> None:
    start = int(at.timestamp())
    CheckResult.objects.bulk_create(
        CheckResult(
            monitor=monitor,
            at=start + 20 * i,
            outcome=o,
            total_ms=ms + i if o == Outcome.UP else None,
        )
        for i, o in enumerate(outcomes)
    )


def test_results_roll_up_into_hours_and_days(monitor: Monitor, settings: SettingsWrapper) -> None:
    settings.TIME_ZONE = "UTC"
    hour = datetime(2025, 3, 3, 10, tzinfo=UTC)
    # given 3 up, 1 failed and 1 maintenance result in one hour, and 2 up the next hour
    results(monitor, hour, [Outcome.UP, Outcome.UP, Outcome.FAILED, Outcome.UP, 2])
    results(monitor, hour + timedelta(hours=1), [Outcome.UP, Outcome.UP], ms=300)
    # when rolled up
    assert rollup.roll_up_all() == 7
    # then each hour has its counts, and the day has both
    first = HourlyStat.objects.get(monitor=monitor, hour=hour)
    assert (first.checks, first.up, first.maintenance, first.timed) == (5, 3, 1, 3)
    assert first.uptime == 3 / 4  # maintenance does not count
    assert first.ms_max == 103
    assert first.avg_ms == pytest.approx((100 + 101 + 103) / 3)
    day = DailyStat.objects.get(monitor=monitor)
    assert day.day.isoformat() == "2025-03-03"
    assert (day.checks, day.up) == (7, 5)
    # when run again with nothing new, nothing is counted twice
    assert rollup.roll_up_all() == 0
    assert DailyStat.objects.get(monitor=monitor).checks == 7


def test_rollup_is_incremental_and_late_rows_land_in_their_hour(
    monitor: Monitor, settings: SettingsWrapper
) -> None:
    settings.TIME_ZONE = "UTC"
    hour = datetime(2025, 3, 3, 10, tzinfo=UTC)
    results(monitor, hour, [Outcome.UP])
    rollup.roll_up_all()
    # given a result for the same hour that was written after the rollup ran
    results(monitor, hour + timedelta(minutes=59), [Outcome.FAILED])
    # when rolled up again, then it is added to that hour
    assert rollup.roll_up_all() == 1
    stat = HourlyStat.objects.get(monitor=monitor, hour=hour)
    assert (stat.checks, stat.up) == (2, 1)
    assert HourlyStat.objects.count() == 1


def test_days_are_the_desks_local_days(monitor: Monitor, settings: SettingsWrapper) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    # 23:30 UTC on 3 March is already 4 March in Amsterdam
    results(monitor, datetime(2025, 3, 3, 23, 30, tzinfo=UTC), [Outcome.UP])
    rollup.roll_up_all()
    assert DailyStat.objects.get().day.isoformat() == "2025-03-04"


def test_prune_keeps_only_recent_raw_rows_and_only_after_counting(
    monitor: Monitor, settings: SettingsWrapper
) -> None:
    settings.MONITOR_RAW_DAYS = 2
    now = timezone.now()
    # given old and new results, all counted
    results(monitor, now - timedelta(days=5), [Outcome.UP] * 30)
    results(monitor, now - timedelta(hours=1), [Outcome.UP] * 3)
    rollup.roll_up_all()
    # and one old result that the rollup has not seen yet
    results(monitor, now - timedelta(days=4), [Outcome.FAILED])
    # when pruned (in small batches)
    removed = rollup.prune(now, batch=7)
    # then the counted old rows are gone, the recent and the uncounted ones stay
    assert removed["raw"] == 30
    assert CheckResult.objects.count() == 4
    # and the figures still know about all of them
    assert sum(DailyStat.objects.values_list("checks", flat=True)) == 33


def test_prune_drops_figures_past_their_retention(
    monitor: Monitor, settings: SettingsWrapper
) -> None:
    settings.MONITOR_HOURLY_DAYS = 35
    settings.MONITOR_DAILY_DAYS = 400
    now = timezone.now()
    results(monitor, now - timedelta(days=40), [Outcome.UP])
    results(monitor, now - timedelta(days=500), [Outcome.UP])
    results(monitor, now - timedelta(days=1), [Outcome.UP])
    rollup.roll_up_all()
    assert HourlyStat.objects.count() == 3
    removed = rollup.prune(now)
    assert removed["hourly"] == 2
    assert removed["daily"] == 1
    assert DailyStat.objects.count() == 2


def test_rollup_and_prune_are_periodic_jobs_of_the_scheduler(monitor: Monitor) -> None:
    from loket.jobs import scheduler
    from loket.jobs.models import ScheduledJob
    from loket.monitor import tasks

    # given the scheduler's jobs, then the monitor housekeeping is among them
    scheduler.ensure_jobs()
    names = set(ScheduledJob.objects.values_list("name", flat=True))
    assert {"monitor-rollup", "monitor-prune"} <= names
    # and the tasks do their work when the worker runs them
    results(monitor, timezone.now(), [Outcome.UP, Outcome.FAILED])
    assert tasks.roll_up.call() == 2
    assert tasks.prune.call() == {"raw": 0, "hourly": 0, "daily": 0}
