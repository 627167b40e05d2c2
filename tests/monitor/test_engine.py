"""Scheduling: checks claimed once across workers, spread over the interval, the loop itself."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from loket.lib.http import Policy, run_blocking
from loket.monitor.engine import claim_due, next_slot
from loket.monitor.models import CheckResult, Monitor, Status
from loket.monitor.runner import Runner
from tests.lib.loopback import Loopback
from tests.monitor.conftest import MakeMonitor


def test_next_slot_keeps_the_phase_and_skips_missed_slots() -> None:
    slot = timezone.now()
    # a punctual worker moves one interval on
    assert next_slot(slot, 30, slot) == slot + timedelta(seconds=30)
    # a worker that was away for 100 s skips the missed slots, keeping the 30 s rhythm
    assert next_slot(slot, 30, slot + timedelta(seconds=100)) == slot + timedelta(seconds=120)


def test_a_due_monitor_is_claimed_once(make_monitor: MakeMonitor) -> None:
    # given a monitor due now
    monitor = make_monitor()
    due = monitor.next_check_at
    # when two workers claim, then only the first gets it
    first = claim_due()
    second = claim_due()
    assert [s.monitor_id for s in first] == [monitor.pk]
    assert second == []
    # and its next slot is one interval after the claimed one
    monitor.refresh_from_db()
    assert monitor.next_check_at == due + timedelta(seconds=20)
    assert first[0].slot == due.timestamp()


def test_disabled_and_future_monitors_are_not_claimed(make_monitor: MakeMonitor) -> None:
    make_monitor(enabled=False)
    make_monitor(name="later", next_check_at=timezone.now() + timedelta(seconds=10))
    assert claim_due() == []
    # a look-ahead claims what falls due soon, keeping its own slot
    ahead = claim_due(lookahead=15)
    assert len(ahead) == 1 and ahead[0].slot > timezone.now().timestamp()


def test_first_checks_are_spread_over_the_interval(db: None) -> None:
    now = timezone.now()
    offsets = []
    for i in range(200):
        monitor = Monitor(name=f"m{i}", target="http://example.com/", interval_seconds=60)
        monitor.spread_first_check(now)
        offsets.append((monitor.next_check_at - now).total_seconds())
    assert all(0 <= o <= 60 for o in offsets)
    # no thundering herd: no single second holds more than a handful of first checks
    per_second = [sum(1 for o in offsets if int(o) == s) for s in range(60)]
    assert max(per_second) < 20
    assert sum(1 for n in per_second if n) > 40


def test_the_interval_is_at_least_20_seconds(db: None) -> None:
    monitor = Monitor(name="fast", target="http://example.com/", interval_seconds=10)
    with pytest.raises(ValidationError):
        monitor.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Monitor.objects.create(name="fast", target="http://example.com/", interval_seconds=10)


def test_the_timeout_is_below_the_interval(db: None) -> None:
    monitor = Monitor(
        name="m", target="http://example.com/", interval_seconds=20, timeout_seconds=20
    )
    with pytest.raises(ValidationError):
        monitor.full_clean()


def test_monitor_urls_are_checked_when_saved_in_forms(db: None) -> None:
    for url in ("file:///etc/passwd", "http://2130706433/", "gopher://x/"):
        with pytest.raises(ValidationError):
            Monitor(name="m", target=url).full_clean()


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_at_the_same_time_share_the_work() -> None:
    # given 60 due monitors and four workers claiming at the same moment
    now = timezone.now()
    Monitor.objects.bulk_create(
        Monitor(name=f"m{i}", target="http://example.com/", next_check_at=now, push_token=f"t{i}")
        for i in range(60)
    )
    claimed: list[list[int]] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        try:
            # A worker whose claim meets a locked database tries again on its next tick (the
            # in-memory test database reports locks at once instead of waiting).
            for _attempt in range(50):
                try:
                    claimed.append([s.monitor_id for s in claim_due()])
                    return
                except OperationalError:
                    time.sleep(0.02)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then every worker got through, and every monitor was claimed exactly once
    assert len(claimed) == 4
    everything = [m for batch in claimed for m in batch]
    assert sorted(everything) == sorted(Monitor.objects.values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_the_runner_checks_each_monitor_at_its_slot(site: Loopback) -> None:
    # given 30 monitors due within the next 1.5 seconds
    now = timezone.now()
    Monitor.objects.bulk_create(
        Monitor(
            name=f"m{i}",
            target=site.url("/ok"),
            interval_seconds=20,
            timeout_seconds=2,
            retries=0,
            next_check_at=now + timedelta(milliseconds=50 * i),
            push_token=f"t{i}",
        )
        for i in range(30)
    )

    async def run_for(seconds: float) -> Runner:
        runner = Runner(policy=Policy.allowing("127.0.0.0/8"), tick=0.2, keep_lags=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(seconds, stop.set)
        await runner.run(stop)
        return runner

    # when the runner runs for three seconds
    runner = run_blocking(run_for(3.0))
    # then each was checked once, on time, and recorded as up
    assert runner.stats.checked == 30
    assert CheckResult.objects.count() == 30
    assert set(Monitor.objects.values_list("status", flat=True)) == {Status.UP}
    assert max(lag for _slot, lag in runner.stats.lags_ms) < 1000
    assert runner.stats.late == 0
    # and their next slots are one interval later
    assert all(m.next_check_at > now + timedelta(seconds=19) for m in Monitor.objects.all())


def test_loket_check_reports_bad_allowed_networks(settings: SettingsWrapper) -> None:
    from loket.monitor.system_checks import http_networks

    settings.HTTP_ALLOWED_NETWORKS = ["10.0.0.0/8", "not-a-network", "0.0.0.0/0"]
    ids = [problem.id for problem in http_networks()]
    assert ids == ["loket.E101", "loket.W101"]
    settings.HTTP_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert http_networks() == []


def test_a_slot_whose_checker_went_away_is_checked_again_once(
    make_monitor: MakeMonitor, settings: SettingsWrapper
) -> None:
    from loket.monitor.checks import CheckOutcome
    from loket.monitor.engine import record

    settings.MONITOR_CLAIM_GRACE_SECONDS = 5
    # given a monitor whose slot was claimed by a checker that then died (no result written)
    monitor = make_monitor(interval_seconds=60, timeout_seconds=2)
    now = timezone.now()
    [lost] = claim_due(now)
    # while the claim holds (time-out + grace), nobody checks that slot again
    assert claim_due(now + timedelta(seconds=6)) == []
    # when the claim has run out, the next claim takes the same slot again, once
    later = now + timedelta(seconds=8)
    [redo] = claim_due(later)
    assert (redo.monitor_id, redo.slot) == (monitor.pk, lost.slot)
    assert redo.claim > lost.claim
    assert claim_due(later) == []

    def result(spec: Any) -> CheckOutcome:
        return CheckOutcome(
            monitor_id=spec.monitor_id, started=spec.slot, ok=True, claim=spec.claim, slot=spec.slot
        )

    # then the redo's result is written and ends the claim
    record([result(redo)])
    assert CheckResult.objects.filter(monitor=monitor).count() == 1
    monitor.refresh_from_db()
    assert monitor.claim_expires_at is None and monitor.claimed_slot is None
    # and the first checker, if it was only slow, cannot write the same slot twice
    record([result(lost)])
    assert CheckResult.objects.filter(monitor=monitor).count() == 1
    # nor is the slot redone once more
    assert claim_due(later + timedelta(seconds=30)) == []


def test_a_slow_result_still_counts_when_the_next_slot_was_claimed_meanwhile(
    make_monitor: MakeMonitor,
) -> None:
    from loket.monitor.checks import CheckOutcome
    from loket.monitor.engine import record

    # given a check that took most of its interval: the next slot was claimed before it ended
    monitor = make_monitor(interval_seconds=20, timeout_seconds=19)
    now = timezone.now()
    [slow] = claim_due(now)
    [following] = claim_due(now + timedelta(seconds=19), lookahead=5)
    assert following.slot == slow.slot + 20
    # when the slow one's result comes in, it is written (nobody else checked its slot)
    record([CheckOutcome(monitor.pk, started=slow.slot, ok=True, claim=slow.claim, slot=slow.slot)])
    assert CheckResult.objects.filter(monitor=monitor).count() == 1
    # and the following slot's claim stays until its own result
    monitor.refresh_from_db()
    assert monitor.claim_expires_at is not None
    assert monitor.claim_expires_at.timestamp() == following.claim
