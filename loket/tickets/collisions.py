"""Two agents answering the same ticket without knowing it.

The ticket page puts the newest event id it showed into the reply form (``seen_event``).
When the reply comes in, :func:`reply_unless_answered` looks, with the ticket locked, for
customer messages and other people's public replies written after that event; if there are
any, nothing is sent and the agent sees them first (they may then "send anyway").
Events of one ticket are written with its row locked, so their ids follow their commits.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from loket.accounts.models import User
from loket.tickets import actions, locks
from loket.tickets.models import Event, EventKind, Message, MessageKind, Ticket


class AnsweredMeanwhile(Exception):
    def __init__(self, messages: list[Message]) -> None:
        super().__init__(f"{len(messages)} new message(s)")
        self.messages = messages


def latest_event_id(ticket: Ticket) -> int:
    return int(Event.objects.filter(ticket=ticket).aggregate(m=Max("pk"))["m"] or 0)


def answered_since(ticket: Ticket, seen_event_id: int, by: User) -> list[Message]:
    """Customer messages and public replies by anyone but ``by`` after ``seen_event_id``
    (a colleague's reply still inside its undo window too: it is about to go out)."""
    newer = Event.objects.filter(
        ticket=ticket,
        kind__in=[EventKind.MESSAGE, EventKind.REPLY_HELD],
        pk__gt=seen_event_id,
        message__isnull=False,
    ).values("message_id")
    return list(
        Message.objects.filter(pk__in=newer, kind__in=[MessageKind.CUSTOMER, MessageKind.REPLY])
        .exclude(kind=MessageKind.REPLY, author=by)
        .select_related("author")
        .order_by("created_at", "pk")
    )


@transaction.atomic
def reply_unless_answered(ticket: Ticket, *, seen_event_id: int, by: User, **reply: Any) -> Message:
    """``actions.reply``, unless the ticket was answered since ``seen_event_id``
    (``AnsweredMeanwhile``; nothing is written then)."""
    locks.lock(ticket.pk)
    newer = answered_since(ticket, seen_event_id, by)
    if newer:
        raise AnsweredMeanwhile(newer)
    return actions.reply(ticket, by=by, **reply)
