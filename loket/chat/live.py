"""Chat on the live layer (``loket.live``): what a visitor's stream passes on, and the
``chat:<ticket>`` signal that tells the desk a visitor is typing."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from loket.chat.models import ChatSession
from loket.live.feeds import register_signal, ticket_refs
from loket.live.items import Item
from loket.tickets.models import EventKind, Message, MessageKind

# The ticket events a visitor hears of (then the widget reads the conversation again).
VISITOR_EVENTS = frozenset({EventKind.MESSAGE, EventKind.STATE, EventKind.ASSIGNEE})


@dataclass(frozen=True)
class VisitorAudience:
    """A visitor hears their conversation's ticket: messages that are not internal notes, a
    state change (closing), a new assignee (who answers), and the agents' presence on it
    (typing). Nothing about any other ticket."""

    ticket_id: int

    def admits(self, item: Item) -> bool:
        if item.ticket is None or item.ticket.id != self.ticket_id:
            return False
        if item.kind in ("presence", "read"):
            return True
        if item.kind != "ticket" or item.agents_only:
            return False
        return item.data.get("kind") in VISITOR_EVENTS and item.data.get("message") != (
            MessageKind.NOTE
        )


SEEN_FLUSH_SECONDS = 10.0
_seen: dict[int, datetime] = {}  # session -> when its stream was last found open (unwritten)
_flushed = 0.0


def still_valid(session_id: int) -> VisitorAudience | None:
    """Asked every minute while a visitor's stream is open (in the hub's database thread).

    That the visitor is still on the page (what arrives now is read live, not mailed) is
    written for all the process's streams together, at most every ``SEEN_FLUSH_SECONDS``,
    with one UPDATE: a write per stream per minute (500 streams: 8 a second, each a
    transaction on SQLite's one writer lock) held up the hub's thread and everybody's events.
    The time written is the oldest of the batch, so it never claims more than was seen."""
    now = timezone.now()
    row = (
        ChatSession.objects.filter(pk=session_id, expires_at__gt=now)
        .values_list("ticket_id", flat=True)
        .first()
    )
    if row is None:
        _seen.pop(session_id, None)
        return None
    _seen.setdefault(session_id, now)
    flush_seen()
    return VisitorAudience(row)


def flush_seen(*, force: bool = False) -> int:
    """Writes the pending "still on the page" marks; returns how many sessions it touched."""
    global _flushed
    clock = time.monotonic()
    if not _seen or (not force and clock - _flushed < SEEN_FLUSH_SECONDS):
        return 0
    _flushed = clock
    oldest = min(_seen.values())
    ids = list(_seen)
    _seen.clear()
    return ChatSession.objects.filter(pk__in=ids, last_seen_at__lt=oldest).update(
        last_seen_at=oldest
    )


def seen_in_chat(message: Message) -> bool:
    """The visitor was on the chat after ``message`` arrived (their stream or the widget
    asked for the conversation since), so it need not be mailed."""
    return ChatSession.objects.filter(
        ticket_id=message.ticket_id, last_seen_at__gte=message.created_at
    ).exists()


def _typing(arguments: list[str]) -> list[Item]:
    ids = {int(a) for a in arguments if a.isdigit()}
    refs = ticket_refs(ids)
    return [
        Item(kind="chat", data={"ticket": pk}, ticket=ref, agents_only=True)
        for pk, ref in sorted(refs.items())
    ]


def _read(arguments: list[str]) -> list[Item]:
    """``read:<ticket>``: how far each side has read (the newest message id seen)."""
    ids = {int(a) for a in arguments if a.isdigit()}
    refs = ticket_refs(ids)
    marks = {
        ticket: (visitor, agent)
        for ticket, visitor, agent in ChatSession.objects.filter(ticket_id__in=ids).values_list(
            "ticket_id", "visitor_read_upto", "agent_read_upto"
        )
    }
    return [
        Item(
            kind="read",
            data={"ticket": pk, "visitor": marks[pk][0], "agent": marks[pk][1]},
            ticket=ref,
        )
        for pk, ref in sorted(refs.items())
        if pk in marks
    ]


register_signal("chat", _typing)
register_signal("read", _read)
