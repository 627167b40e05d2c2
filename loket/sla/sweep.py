"""The breach sweep: act on every SLA clock whose warning or breach time has passed.

It reads only rows whose indexed ``next_check_at`` has passed, so when nothing is due it is
a single index range scan that returns nothing. Due rows are claimed in batches with
``SELECT ... FOR UPDATE SKIP LOCKED`` (ticket rows too, in the same order the ticket actions
lock them), so several workers may sweep at once and a sweep never waits for a person
working on a ticket. Warnings and breaches are written as ticket events; notifications are
enqueued in the same transaction (an outbox).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from loket.sla import clocks
from loket.sla.models import TicketSla
from loket.tickets import eventlog
from loket.tickets.models import Event, EventKind


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    event_ids: list[int] = field(default_factory=list)


def _act(sla: TicketSla, now: datetime) -> list[Event]:
    events: list[Event] = []
    for kind in TicketSla.KINDS:
        clock = clocks.get(sla, kind)
        if not clock.running or clock.due_at is None or clock.warn_at is None:
            continue
        if clock.breached_at is None and clock.due_at <= now:
            clock.breached_at = clock.due_at
            clock.warned = True
            events.append(
                Event(
                    ticket_id=sla.pk,
                    kind=EventKind.SLA_BREACH,
                    after={"clock": str(kind), "due": clock.due_at.isoformat()},
                    created_at=now,
                )
            )
        elif not clock.warned and clock.breached_at is None and clock.warn_at <= now:
            clock.warned = True
            events.append(
                Event(
                    ticket_id=sla.pk,
                    kind=EventKind.SLA_WARNING,
                    after={
                        "clock": str(kind),
                        "due": clock.due_at.isoformat(),
                        "percent": sla.warn_percent,
                    },
                    created_at=now,
                )
            )
        clocks.put(sla, clock)
    clocks.refresh_checks(sla)
    return events


_FIELDS = [f.name for f in TicketSla._meta.concrete_fields]
_COLUMNS = ["next_check_at", "due_at"] + [
    f"{kind}_{name}" for kind in TicketSla.KINDS for name in ("warned", "breached_at")
]


def _update_sql() -> str:
    """One parameterised UPDATE per row, run with ``executemany`` (the ORM's per-row
    ``update()`` costs more in Python than the database spends on it)."""
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(c)} = %s" for c in _COLUMNS)
    return f"UPDATE {quote(TicketSla._meta.db_table)} SET {sets} WHERE {quote('ticket_id')} = %s"  # noqa: S608


def _params(sla: TicketSla) -> list[Any]:
    adapt = connection.ops.adapt_datetimefield_value
    values: list[Any] = []
    for column in _COLUMNS:
        value = getattr(sla, column)
        values.append(value if isinstance(value, bool) else adapt(value))
    return [*values, sla.pk]


def sweep(now: datetime | None = None, *, batch: int = 1000) -> SweepResult:
    """Writes the warning and breach events that are due at ``now`` (default: now)."""
    from loket.sla import notify

    now = now or timezone.now()
    result = SweepResult()
    while True:
        with transaction.atomic():
            rows = list(
                TicketSla.objects.select_for_update(skip_locked=True, of=("self", "ticket"))
                .select_related("ticket")
                .only(*_FIELDS, "ticket__id")  # the ticket row is joined only to be locked
                .filter(next_check_at__lte=now)
                .order_by("next_check_at")[:batch]
            )
            if not rows:
                break
            events: list[Event] = []
            for sla in rows:
                events.extend(_act(sla, now))
            with connection.cursor() as cursor:
                cursor.executemany(_update_sql(), [_params(sla) for sla in rows])
            created = Event.objects.bulk_create(events)
            ids = [e.pk for e in created if e.pk is not None]
            if ids:
                notify.sla_events(ids)
                eventlog.bulk_written.send(sender=Event, events=created)
            result.event_ids.extend(ids)
            result.warnings += sum(1 for e in events if e.kind == EventKind.SLA_WARNING)
            result.breaches += sum(1 for e in events if e.kind == EventKind.SLA_BREACH)
        if len(rows) < batch:
            break
    return result
