"""Mail that follows ticket events: the closing notice when a mail ticket is marked solved.

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
