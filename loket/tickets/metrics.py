"""Resolution figures computed from the event log, never stored by hand.

* first-line resolution: resolved without ever being escalated;
* first-contact resolution: resolved without escalation, after exactly one public reply, with
  no further customer message between that reply and the resolution.

A reopened ticket is judged at its latest resolution (and is not resolved while it is open).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from loket.tickets.models import Event, EventKind, MessageKind, State, Ticket


@dataclass(frozen=True)
class Resolution:
    resolved: bool
    escalated: bool
    public_replies_before_resolution: int
    customer_messages_after_first_reply: int

    @property
    def first_line(self) -> bool:
        return self.resolved and not self.escalated

    @property
    def first_contact(self) -> bool:
        return (
            self.first_line
            and self.public_replies_before_resolution == 1
            and self.customer_messages_after_first_reply == 0
        )


def resolution_from_events(events: Iterable[Event]) -> Resolution:
    """Reads the events in order, judged at the ticket's latest resolution.

    A ticket that was reopened and is open now is not resolved; one that was reopened and
    resolved again is judged at that last resolution, so the customer's message that reopened
    it counts against first contact.
    """
    escalated = resolved = False
    replies = follow_ups = 0
    at_resolution = Resolution(False, False, 0, 0)
    for event in events:
        if event.kind == EventKind.ESCALATED:
            escalated = True
        elif event.kind == EventKind.MESSAGE and isinstance(event.after, dict):
            kind = event.after.get("kind")
            if kind == MessageKind.REPLY:
                replies += 1
            elif kind == MessageKind.CUSTOMER and replies > 0:
                follow_ups += 1
        elif event.kind == EventKind.STATE:
            if event.after == State.RESOLVED:
                resolved = True
                at_resolution = Resolution(True, escalated, replies, follow_ups)
            elif event.after != State.CLOSED:
                resolved = False
    if resolved:
        return at_resolution
    return Resolution(False, escalated, replies, follow_ups)


def resolution_of(ticket: Ticket) -> Resolution:
    return resolution_from_events(ticket.events.order_by("created_at", "id"))


@dataclass(frozen=True)
class ResolutionRates:
    resolved: int
    first_line: int
    first_contact: int

    @property
    def first_line_rate(self) -> float | None:
        return self.first_line / self.resolved if self.resolved else None

    @property
    def first_contact_rate(self) -> float | None:
        return self.first_contact / self.resolved if self.resolved else None


def resolution_rates(tickets: QuerySet[Ticket]) -> ResolutionRates:
    """One pass over the relevant events of every resolved ticket in ``tickets``."""
    kinds = [EventKind.ESCALATED, EventKind.MESSAGE, EventKind.STATE]
    events = (
        Event.objects.filter(ticket__in=tickets.filter(resolved_at__isnull=False), kind__in=kinds)
        .only("ticket_id", "kind", "after")
        .order_by("ticket_id", "created_at", "id")
    )
    by_ticket: dict[int, list[Event]] = {}
    for event in events.iterator(chunk_size=2000):
        by_ticket.setdefault(event.ticket_id, []).append(event)
    results = [resolution_from_events(evs) for evs in by_ticket.values()]
    resolved = [r for r in results if r.resolved]
    return ResolutionRates(
        resolved=len(resolved),
        first_line=sum(r.first_line for r in resolved),
        first_contact=sum(r.first_contact for r in resolved),
    )
