"""Every inbound customer message is read, on every channel: the ticket events that carry a
new customer message (the ticket's first one, or one added later) lead here. ``tickets``
knows nothing of this; it only writes the events."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from loket.assist.actions import read_message, read_messages
from loket.tickets import eventlog
from loket.tickets.models import Event, EventKind, Message, MessageKind


def _carries_customer_message(event: Event) -> bool:
    if event.kind != EventKind.MESSAGE or event.message_id is None:
        return False
    after = event.after if isinstance(event.after, dict) else {}
    return after.get("kind") in (None, MessageKind.CUSTOMER)


def _customer_message(event: Event) -> Message | None:
    """The new customer message an event carries (every channel writes one ``message``
    event for it, the ticket's first message included)."""
    if not _carries_customer_message(event) or event.message_id is None:
        return None
    message = Message.objects.select_related("ticket", "author").filter(pk=event.message_id).first()
    if message is None or message.kind != MessageKind.CUSTOMER:
        return None
    return message


def handle(event: Event, *, in_batch: bool = False) -> None:
    # The action that wrote the event hands over the message it made, its ticket and author
    # with it: no need to read it back.
    handed = Event.message.is_cached(event) and _carries_customer_message(event)
    message = event.message if handed else _customer_message(event)
    if message is not None and message.kind != MessageKind.CUSTOMER:
        message = None
    if message is not None:
        read_message(message, learn_after_commit=in_batch)


def handle_batch(events: list[Event]) -> None:
    """A bulk import's events: their customer messages read together (``read_messages``).
    Each event carries the message it was recorded with, so none is read back."""
    messages: list[Message] = []
    for event in events:
        if not _carries_customer_message(event):
            continue
        cached = Event.message.is_cached(event)
        message = event.message if cached else _customer_message(event)
        if message is not None and message.kind == MessageKind.CUSTOMER:
            messages.append(message)
    read_messages(messages)


@receiver(post_save, sender=Event, dispatch_uid="assist_read_message")
def on_event(sender: Any, instance: Event, created: bool, **kwargs: Any) -> None:
    if not created or eventlog.handled_in_batch(instance):
        return
    handle(instance)


eventlog.on_batch("assist", handle_batch, order=200)
