"""What the hub passes to the streams: items (one change each), gathered in frames."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Frame:
    """Items in commit order and the hub's position after them. ``reset``: more changed at
    once than is worth telling one by one; pages reload what they show."""

    items: tuple[Item, ...]
    position: Cursor
    reset: bool = False
    closed_gaps: tuple[tuple[int, int], ...] = field(default=())


class Audience(Protocol):
    """Decides, per item, whether one stream passes it on."""

    def admits(self, item: Item) -> bool: ...
