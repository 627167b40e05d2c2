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
import logging
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

log = logging.getLogger(__name__)

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


def _spec(row: dict[str, Any], slot: datetime, claim: datetime | None = None) -> CheckSpec:
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
        claim=claim.timestamp() if claim else 0.0,
    )


def _claim_expiry(slot: datetime, now: datetime, timeout: int) -> datetime:
    grace = int(conf.get("MONITOR_CLAIM_GRACE_SECONDS"))
    return max(now, slot) + timedelta(seconds=timeout + grace)


def claim_due(
    now: datetime | None = None, *, lookahead: float = 0.0, limit: int = 2000
) -> list[CheckSpec]:
    """Claims the monitors due by ``now + lookahead`` (each slot once, across all workers),
    and again the slots whose checker went away before writing their result."""
    now = now or timezone.now()
    horizon = now + timedelta(seconds=lookahead)
    rows = list(
        Monitor.objects.filter(enabled=True, next_check_at__lte=horizon)
        .order_by("next_check_at")
        .values(*_SPEC_FIELDS)[:limit]
    )
    claimed = _reclaim_lost(now, limit)
    if not rows:
        return claimed
    with transaction.atomic():
        for row in rows:
            slot = row["next_check_at"]
            following = next_slot(slot, row["interval_seconds"], max(now, slot))
            expires = _claim_expiry(slot, now, row["timeout_seconds"])
            won = Monitor.objects.filter(pk=row["id"], next_check_at=slot, enabled=True).update(
                next_check_at=following, claimed_slot=slot, claim_expires_at=expires
            )
            if won:
                claimed.append(_spec(row, slot, expires))
    return claimed


def _reclaim_lost(now: datetime, limit: int) -> list[CheckSpec]:
    """Slots claimed by a checker that was killed (its claim ran out with no result written):
    checked again, once per expiry, by whoever claims first. Without this a dead checker's
    slot would go unchecked until the monitor's next one."""
    rows = list(
        Monitor.objects.filter(enabled=True, claim_expires_at__lt=now)
        .order_by("claim_expires_at")
        .values(*_SPEC_FIELDS, "claimed_slot", "claim_expires_at")[:limit]
    )
    claimed: list[CheckSpec] = []
    for row in rows:
        slot = row["claimed_slot"] or now
        expires = _claim_expiry(now, now, row["timeout_seconds"])
        won = Monitor.objects.filter(pk=row["id"], claim_expires_at=row["claim_expires_at"]).update(
            claim_expires_at=expires
        )
        if won:
            log.warning(
                "monitor %s: checking slot %s again, its checker went away", row["id"], slot
            )
            claimed.append(_spec(row, slot, expires))
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
        states: dict[int, dict[str, Any]] = {
            row["id"]: dict(row)
            for row in Monitor.objects.filter(pk__in=ids).values(
                "id",
                "status",
                "failures",
                "retries",
                "last_error",
                "claimed_slot",
                "claim_expires_at",
            )
        }
        written: list[tuple[int, datetime]] = []
        rows: list[CheckResult] = []
        changed: dict[int, dict[str, Any]] = {}
        for outcome in sorted(outcomes, key=lambda o: o.started):
            state = states.get(outcome.monitor_id)
            if state is None:  # deleted while it was being checked
                continue
            if outcome.claim and not _still_ours(state, outcome, written):
                log.info("monitor %s: late result dropped", outcome.monitor_id)
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
        _release(written)
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


def _still_ours(
    state: dict[str, Any], outcome: CheckOutcome, written: list[tuple[int, datetime]]
) -> bool:
    """Whether a claimed check's result may be written: its claim still holds, or the next
    slot's claim replaced it (nobody redid this slot then). Dropped: a result for a slot that
    another checker took over, or whose result was written already."""
    held: datetime | None = state["claim_expires_at"]
    if held is not None and held.timestamp() == outcome.claim:
        written.append((outcome.monitor_id, held))
        return True
    slot: datetime | None = state["claimed_slot"]
    return slot is not None and slot.timestamp() > outcome.slot


def _release(claims: list[tuple[int, datetime]], chunk: int = 200) -> None:
    """Ends the claims whose results were written (each only if it is still the same claim:
    the next slot's claim, made meanwhile, stays)."""
    for start in range(0, len(claims), chunk):
        condition = Q()
        for monitor_id, expires in claims[start : start + chunk]:
            condition |= Q(pk=monitor_id, claim_expires_at=expires)
        Monitor.objects.filter(condition).update(claimed_slot=None, claim_expires_at=None)


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
