"""What the hub passes to the streams: items (one change each), gathered in frames."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from loket.live.cursor import Cursor
from loket.tickets.access import Viewer


@dataclass(frozen=True)
class TicketRef:
    """The fields of a ticket that decide who may see it (``Viewer.sees``)."""

    id: int
    team_id: int | None
    assignee_id: int | None
    organisation_id: int | None
    customer_id: int | None

    def seen_by(self, viewer: Viewer) -> bool:
        return viewer.sees(
            team_id=self.team_id,
            assignee_id=self.assignee_id,
            organisation_id=self.organisation_id,
            customer_id=self.customer_id,
        )


@dataclass(frozen=True)
class Item:
    """One thing to tell: ``kind`` is the SSE event name, ``data`` its JSON body.

    Ticket events carry their ``event_id`` (it moves the stream's position, and the SSE id is
    written from it); the others (presence, notifications) are signals that carry no id: a
    resumed stream does not repeat them, the page asks for the current state instead.
    """

    kind: str
    data: dict[str, Any]
    event_id: int | None = None
    ticket: TicketRef | None = None
    # Where the ticket was before this change (moved to another team, another assignee):
    # the people who saw it there hear that it left.
    previous: TicketRef | None = None
    recipient_id: int | None = None
    agents_only: bool = False

    @cached_property
    def body(self) -> str:
        """``data`` as JSON, written once however many streams send it."""
        return json.dumps(self.data, separators=(",", ":"))


@dataclass(frozen=True)
class Frame:
    """Items in commit order and the hub's position after them. ``reset``: more changed at
    once than is worth telling one by one; pages reload what they show.

    ``start`` is the hub's position before the frame (set by the hub). For a stream that
    stands there (nearly all), ``texts`` are its items as written on the wire, made once.
    """

    items: tuple[Item, ...]
    position: Cursor
    reset: bool = False
    closed_gaps: tuple[tuple[int, int], ...] = field(default=())
    start: Cursor | None = None

    @cached_property
    def texts(self) -> tuple[tuple[str, str | None], ...]:
        """Per item: its SSE text and the SSE id it carries (for a stream at ``start``)."""
        cursor = self.start or Cursor()
        out = []
        for item in self.items:
            event_id = None
            if item.event_id is not None:
                cursor = cursor.add(item.event_id)
                event_id = cursor.encode()
            out.append((sse_text(item.kind, item.body, event_id), event_id))
        return tuple(out)


def sse_text(kind: str | None, body: str | None, event_id: str | None) -> str:
    """One server-sent event: ``event:``, ``id:`` and ``data:`` lines and a blank line."""
    lines = []
    if kind:
        lines.append(f"event: {kind}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if body is not None:
        lines.append(f"data: {body}")
    return "\n".join(lines) + "\n\n"


class Audience(Protocol):
    """Decides, per item, whether one stream passes it on."""

    def admits(self, item: Item) -> bool: ...
