"""Mail that follows ticket events: the acknowledgement of a new ticket from the portal, the
API or the chat (a mail ticket's is queued by the mail import), and the closing notice when a
mail ticket is marked solved.

The task is enqueued from a ``post_save`` receiver on the ticket's ``Event``, inside the
action's transaction (an outbox: the notice exists exactly when the change committed).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from loket.mail import conf
from loket.tickets.models import Channel, Event, EventKind, State


@receiver(post_save, sender=Event, dispatch_uid="loket.mail.closing_notice")
def _on_event(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    if not created or raw or instance.kind != EventKind.STATE:
        return
    if instance.after != State.RESOLVED or not conf.closing_notice():
        return
    ticket = instance.ticket
    if ticket.channel != Channel.EMAIL or ticket.customer_id is None:
        return
    from loket.mail.tasks import closing_notice

    closing_notice.enqueue(ticket.pk, instance.pk)


@receiver(post_save, sender=Event, dispatch_uid="loket.mail.acknowledge_new_ticket")
def _on_created(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    """A new ticket a customer opened themselves (or an integration through the API, for
    them) is acknowledged with its number; one an agent wrote down in the desk is not.
    The loop rules are checked again when the task sends (``send_acknowledgement``)."""
    if not created or raw or instance.kind != EventKind.CREATED or not conf.acknowledge():
        return
    after = instance.after if isinstance(instance.after, dict) else {}
    channel = after.get("channel")
    if channel not in (Channel.WEB, Channel.API, Channel.CHAT):
        return
    actor = instance.actor
    if actor is not None and actor.is_agent and channel != Channel.API:
        return
    ticket = instance.ticket
    if ticket.customer_id is None or ticket.sender_unconfirmed:
        return
    from loket.mail.tasks import acknowledge_ticket

    acknowledge_ticket.enqueue(ticket.pk)
