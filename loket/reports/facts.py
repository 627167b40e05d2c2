"""Keeps ``TicketFacts`` in step with each ticket's events, rebuilds and checks it.

``apply`` is the one reading of an event, used both as events are written and when
rebuilding; ``loket reports check`` compares the rows with ``resolution_from_events`` (the
metrics module's own reading) and the first reply with the messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import groupby

from django.db import transaction
from django.db.models import Min

from loket.reports.models import TicketFacts
from loket.tickets.metrics import resolution_from_events
from loket.tickets.models import Event, EventKind, Message, MessageKind, State

KINDS = (EventKind.ESCALATED, EventKind.MESSAGE, EventKind.STATE)


def apply(facts: TicketFacts, event: Event) -> bool:
    """Applies one event; says whether anything changed."""
    if event.kind == EventKind.ESCALATED:
        if facts.escalated:
            return False
        facts.escalated = True
    elif event.kind == EventKind.MESSAGE and isinstance(event.after, dict):
        kind = event.after.get("kind")
        if kind == MessageKind.REPLY:
            facts.replies += 1
            # The message's own time (the event is written a moment after it).
            message = event.message if event.message_id else None
            when = message.created_at if message is not None else event.created_at
            if facts.first_reply_at is None or when < facts.first_reply_at:
                facts.first_reply_at = when
        elif kind == MessageKind.CUSTOMER and facts.replies > 0:
            facts.follow_ups += 1
        else:
            return False
    elif event.kind == EventKind.STATE:
        if event.after == State.RESOLVED:
            facts.resolved = True
            facts.first_line = not facts.escalated
            facts.first_contact = facts.first_line and facts.replies == 1 and facts.follow_ups == 0
        elif event.after != State.CLOSED:
            facts.resolved = False
        else:
            return False
    else:
        return False
    return True


def on_event(event: Event) -> None:
    if event.kind not in KINDS:
        return
    facts = TicketFacts.objects.filter(ticket_id=event.ticket_id).first()
    if facts is None:
        facts = TicketFacts(ticket_id=event.ticket_id)
    if apply(facts, event):
        facts.save()


def on_events(events: list[Event]) -> None:
    """``on_event`` for a batch of events (in order): the tickets' rows read in one query."""
    wanted = [event for event in events if event.kind in KINDS]
    if not wanted:
        return
    rows = {
        row.ticket_id: row
        for row in TicketFacts.objects.filter(ticket_id__in={e.ticket_id for e in wanted})
    }
    changed: dict[int, TicketFacts] = {}
    for event in wanted:
        row = rows.get(event.ticket_id)
        if row is None:
            row = rows[event.ticket_id] = TicketFacts(ticket_id=event.ticket_id)
        if apply(row, event):
            changed[event.ticket_id] = row
    for row in changed.values():
        row.save()


def _events() -> Iterable[Event]:
    return (
        Event.objects.filter(kind__in=KINDS)
        .select_related("message")
        .only("ticket_id", "kind", "after", "created_at", "message__created_at")
        .order_by("ticket_id", "created_at", "id")
        .iterator(chunk_size=5000)
    )


@transaction.atomic
def rebuild() -> int:
    TicketFacts.objects.all().delete()
    batch: list[TicketFacts] = []
    current: TicketFacts | None = None
    n = 0
    for event in _events():
        if current is None or current.ticket_id != event.ticket_id:
            if current is not None:
                batch.append(current)
            current = TicketFacts(ticket_id=event.ticket_id)
        apply(current, event)
        if len(batch) >= 2000:
            TicketFacts.objects.bulk_create(batch)
            n += len(batch)
            batch = []
    if current is not None:
        batch.append(current)
    TicketFacts.objects.bulk_create(batch)
    return n + len(batch)


def differences(limit: int = 50) -> list[str]:
    """Rows that disagree with a recomputation from the raw events and messages."""
    stored = {f.ticket_id: f for f in TicketFacts.objects.all()}
    first_replies = dict(
        Message.objects.filter(kind=MessageKind.REPLY)
        .values("ticket_id")
        .annotate(first=Min("created_at"))
        .values_list("ticket_id", "first")
        .order_by()
    )
    out: list[str] = []
    seen: set[int] = set()
    for pk, group in groupby(_events(), key=lambda e: e.ticket_id):
        seen.add(pk)
        out += _compare(pk, list(group), stored.get(pk), first_replies.get(pk))
        if len(out) >= limit:
            return out
    for pk in sorted((set(stored) | set(first_replies)) - seen):
        out += _compare(pk, [], stored.get(pk), first_replies.get(pk))
    return out[:limit]


def _compare(
    pk: int, events: list[Event], f: TicketFacts | None, first_reply: datetime | None
) -> list[str]:
    out = []
    judged = resolution_from_events(events)
    got = (
        (f.resolved, f.resolved and f.first_line, f.resolved and f.first_contact, f.replies)
        if f
        else (False, False, False, 0)
    )
    replies = sum(
        1
        for e in events
        if e.kind == EventKind.MESSAGE
        and isinstance(e.after, dict)
        and e.after.get("kind") == MessageKind.REPLY
    )
    want = (judged.resolved, judged.first_line, judged.first_contact, replies)
    if got != want:
        out.append(f"ticket {pk}: facts {got}, events {want}")
    first = f.first_reply_at if f else None
    if first != first_reply:
        out.append(f"ticket {pk}: first reply {first}, messages {first_reply}")
    return out
