"""Monitors against real servers on loopback (allowed explicitly, as an admin would)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from loket.monitor.checks import CheckOutcome
from loket.monitor.engine import check_due
from loket.monitor.models import Monitor
from tests.lib.loopback import Loopback, serve

MakeMonitor = Callable[..., Monitor]
Check = Callable[[Monitor], CheckOutcome]


@pytest.fixture(autouse=True)
def loopback_allowed(settings: SettingsWrapper) -> None:
    settings.HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    settings.MONITOR_SETTLE_SECONDS = 0


@pytest.fixture
def site() -> Iterator[Loopback]:
    with serve() as server:
        yield server


@pytest.fixture
def make_monitor(db: None, site: Loopback) -> MakeMonitor:
    def make(**fields: Any) -> Monitor:
        values: dict[str, Any] = {
            "name": "Shop",
            "target": site.url("/ok"),
            "interval_seconds": 20,
            "timeout_seconds": 2,
            "retries": 1,
        }
        values.update(fields)
        return Monitor.objects.create(**values)

    return make


@pytest.fixture
def check() -> Check:
    """Makes the monitor due now, runs the checker once and returns the monitor's outcome."""

    def run(monitor: Monitor) -> CheckOutcome:
        Monitor.objects.filter(pk=monitor.pk).update(next_check_at=timezone.now())
        outcomes = [o for o in check_due() if o.monitor_id == monitor.pk]
        assert len(outcomes) == 1
        monitor.refresh_from_db()
        return outcomes[0]

    return run
