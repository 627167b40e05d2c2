"""What a rule looks at: one ticket at one moment, its properties read once and remembered.

A ``Facts`` is made per ticket change (or per ticket in a dry run); properties that need a
query (the latest customer message, the tags, the organisation's tier) are read only when a
condition asks, and at most once. A dry run fills ``text`` and ``tag_names`` for 500 tickets
ahead with a few bulk queries instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from loket.tickets.models import Event, Message, MessageKind, Ticket


@dataclass
class Facts:
    ticket: Ticket
    trigger: str = ""
    event: Event | None = None
    now: datetime = field(default_factory=timezone.now)
    body: str | None = None
    tag_names: list[str] | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    more_events: list[Event] = field(default_factory=list)  # same trigger, same change

    def events(self) -> list[Event]:
        return ([self.event] if self.event is not None else []) + self.more_events

    def latest_customer_text(self) -> str:
        if self.body is None:
            message = self.event.message if self.event is not None else None
            if message is not None and message.kind == MessageKind.CUSTOMER:
                self.body = message.body
            else:
                found = (
                    Message.objects.filter(ticket_id=self.ticket.pk, kind=MessageKind.CUSTOMER)
                    .order_by("-created_at", "-id")
                    .values_list("body", flat=True)
                    .first()
                )
                self.body = found or ""
        return self.body

    def tags(self) -> list[str]:
        if self.tag_names is None:
            self.tag_names = list(self.ticket.tags.values_list("name", flat=True))
        return self.tag_names

    def after(self, ticket: Ticket, *, tags_changed: bool) -> Facts:
        """The facts once a rule changed ``ticket``: the customer's text stays, the tags are
        read again only if they may have changed."""
        return Facts(
            ticket,
            trigger=self.trigger,
            event=self.event,
            now=self.now,
            body=self.body,
            tag_names=None if tags_changed else self.tag_names,
            more_events=self.more_events,
        )

    def remember(self, key: str, compute: Any) -> Any:
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]
