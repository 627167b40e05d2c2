"""The database side of checking: claim due monitors, write results, move monitor states.

Synchronous ORM code; ``loket.monitor.runner`` calls it from one database thread while the
checks run on the event loop, and tests call ``check_due`` directly.

Claiming: each due monitor is claimed with a conditional UPDATE that moves ``next_check_at``
from the slot that was read to the next slot. Only one worker's UPDATE can match, so several
workers may claim at once and each slot is checked once. The phase of a monitor (its offset
within the interval) is kept, so checks stay spread over the interval.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from loket.lib import http
from loket.monitor import conf
from loket.monitor.checks import CheckOutcome, CheckSpec, run_check
from loket.monitor.models import (
    CheckResult,
    Incident,
    MaintenanceWindow,
    Monitor,
    Outcome,
    Status,
)

_SPEC_FIELDS = (
    "id", "kind", "target", "method", "request_headers", "request_body", "expected_status",
    "expect_text", "absent_text", "max_response_ms", "follow_redirects", "verify_tls",
    "tls_warn_days", "interval_seconds", "timeout_seconds", "last_push_at", "created_at",
    "next_check_at",
)  # fmt: skip


def next_slot(slot: datetime, interval: int, now: datetime) -> datetime:
    """The first slot after ``now`` in the monitor's rhythm (missed slots are skipped, not
    caught up: a worker that was away does not fire a burst of stale checks)."""
    step = timedelta(seconds=interval)
    following = slot + step
    if following <= now:
        missed = int((now - slot) / step)
        following = slot + step * (missed + 1)
    return following


def _spec(row: dict[str, Any], slot: datetime) -> CheckSpec:
    headers = row["request_headers"] if isinstance(row["request_headers"], dict) else {}
    return CheckSpec(
        monitor_id=row["id"],
        kind=row["kind"],
        target=row["target"],
        slot=slot.timestamp(),
        timeout=float(row["timeout_seconds"]),
        interval=row["interval_seconds"],
        method=row["method"],
        headers={str(k): str(v) for k, v in headers.items()},
        body=row["request_body"],
        expected_status=row["expected_status"],
        expect_text=row["expect_text"],
        absent_text=row["absent_text"],
        max_response_ms=row["max_response_ms"],
        follow_redirects=row["follow_redirects"],
        verify_tls=row["verify_tls"],
        tls_warn_days=row["tls_warn_days"],
        max_bytes=int(conf.get("MONITOR_MAX_BYTES")),
        last_push_at=row["last_push_at"].timestamp() if row["last_push_at"] else None,
        created_at=row["created_at"].timestamp(),
    )


def claim_due(
    now: datetime | None = None, *, lookahead: float = 0.0, limit: int = 2000
) -> list[CheckSpec]:
    """Claims the monitors due by ``now + lookahead`` (each slot once, across all workers)."""
    now = now or timezone.now()
    horizon = now + timedelta(seconds=lookahead)
    rows = list(
        Monitor.objects.filter(enabled=True, next_check_at__lte=horizon)
        .order_by("next_check_at")
        .values(*_SPEC_FIELDS)[:limit]
    )
    claimed: list[CheckSpec] = []
    if not rows:
        return claimed
    with transaction.atomic():
        for row in rows:
            slot = row["next_check_at"]
            following = next_slot(slot, row["interval_seconds"], max(now, slot))
            won = Monitor.objects.filter(pk=row["id"], next_check_at=slot, enabled=True).update(
                next_check_at=following
            )
            if won:
                claimed.append(_spec(row, slot))
    return claimed


def _ms(value: float | None) -> int | None:
    return None if value is None else max(0, round(value))


@dataclass
class Transitions:
    """What a batch of results changed, for the incident side and for tests."""

    down: list[tuple[int, CheckOutcome]] = field(default_factory=list)
    up: list[tuple[int, CheckOutcome]] = field(default_factory=list)
    ok_with_incident: list[int] = field(default_factory=list)


def _maintenance(now: datetime, ids: Iterable[int]) -> tuple[bool, set[int]]:
    rows = MaintenanceWindow.objects.filter(starts_at__lte=now, ends_at__gt=now).filter(
        Q(monitor__isnull=True) | Q(monitor_id__in=list(ids))
    )
    monitors = set(rows.values_list("monitor_id", flat=True))
    return None in monitors, {m for m in monitors if m is not None}


def record(outcomes: Sequence[CheckOutcome], now: datetime | None = None) -> Transitions:
    """Writes a batch of results in one transaction, moves the monitors' states, then opens,
    flaps or resolves incidents. A monitor row is only written when its state changed."""
    result = Transitions()
    if not outcomes:
        return result
    now = now or timezone.now()
    ids = {o.monitor_id for o in outcomes}
    everything_in_maintenance, in_maintenance = _maintenance(now, ids)
    with transaction.atomic():
        states = {
            row["id"]: dict(row)
            for row in Monitor.objects.filter(pk__in=ids).values(
                "id", "status", "failures", "retries", "last_error"
            )
        }
        rows: list[CheckResult] = []
        changed: dict[int, dict[str, Any]] = {}
        for outcome in sorted(outcomes, key=lambda o: o.started):
            state = states.get(outcome.monitor_id)
            if state is None:  # deleted while it was being checked
                continue
            maintenance = everything_in_maintenance or outcome.monitor_id in in_maintenance
            kind = (
                Outcome.MAINTENANCE if maintenance else Outcome.UP if outcome.ok else Outcome.FAILED
            )
            t = outcome.timings
            rows.append(
                CheckResult(
                    monitor_id=outcome.monitor_id,
                    at=int(outcome.started),
                    outcome=kind,
                    status_code=outcome.status_code,
                    total_ms=_ms(t.total_ms),
                    dns_ms=_ms(t.dns_ms),
                    connect_ms=_ms(t.connect_ms),
                    tls_ms=_ms(t.tls_ms),
                    first_byte_ms=_ms(t.first_byte_ms),
                    size=outcome.size,
                    lag_ms=_ms(outcome.lag_ms),
                    error=outcome.error[:300],
                )
            )
            update = _evaluate(state, outcome, maintenance, now, result)
            if update:
                changed.setdefault(outcome.monitor_id, {}).update(update)
        CheckResult.objects.bulk_create(rows)
        for monitor_id, update in changed.items():
            Monitor.objects.filter(pk=monitor_id).update(**update)
        open_incidents = set(
            Incident.objects.filter(resolved_at__isnull=True, monitor_id__in=ids).values_list(
                "monitor_id", flat=True
            )
        )
    up_ids = {m for m, _o in result.up}
    result.ok_with_incident = [
        o.monitor_id
        for o in outcomes
        if o.ok and o.monitor_id in open_incidents and o.monitor_id not in up_ids
    ]
    _incidents(result, now)
    return result


def _evaluate(
    state: dict[str, Any],
    outcome: CheckOutcome,
    maintenance: bool,
    now: datetime,
    result: Transitions,
) -> dict[str, Any]:
    """The monitor's next state after one result; updates ``state`` and returns the changed
    fields (empty when nothing changed, which is the common case for a healthy site)."""
    update: dict[str, Any] = {}
    if maintenance:
        if state["status"] != Status.MAINTENANCE:
            update.update(status=Status.MAINTENANCE, status_since=now)
        if state["failures"]:
            update["failures"] = 0
    elif outcome.ok:
        if state["status"] != Status.UP:
            update.update(status=Status.UP, status_since=now, last_error="")
            result.up.append((outcome.monitor_id, outcome))
        if state["failures"]:
            update["failures"] = 0
    else:
        failures = state["failures"] + 1
        update.update(failures=failures, last_error=outcome.error[:500])
        if failures > state["retries"] and state["status"] != Status.DOWN:
            update.update(status=Status.DOWN, status_since=now)
            result.down.append((outcome.monitor_id, outcome))
    state.update(update)
    return update


def _incidents(result: Transitions, now: datetime) -> None:
    from loket.monitor import actions

    if not (result.down or result.up or result.ok_with_incident):
        return
    for monitor_id, outcome in result.down:
        actions.monitor_down(monitor_id, outcome, now=now)
    for monitor_id, _outcome in result.up:
        actions.monitor_up(monitor_id, now=now)
    for monitor_id in result.ok_with_incident:
        actions.monitor_still_up(monitor_id, now=now)


async def run_checks(
    specs: Sequence[CheckSpec], client: http.Client | None = None
) -> list[CheckOutcome]:
    """Runs checks concurrently (all at once; the runner paces them by slot)."""
    if client is None:
        async with http.Client() as own:
            return list(await asyncio.gather(*(run_check(s, own) for s in specs)))
    return list(await asyncio.gather(*(run_check(s, client) for s in specs)))


def check_due(
    now: datetime | None = None, *, policy: http.Policy | None = None
) -> list[CheckOutcome]:
    """Claims what is due, checks it right away and records the results (tests, ``--once``)."""
    specs = claim_due(now)
    if not specs:
        return []

    async def go() -> list[CheckOutcome]:
        async with http.Client(policy) as client:
            return await run_checks(specs, client)

    outcomes = http.run_blocking(go())
    record(outcomes)
    return outcomes
