"""Sending agent replies to messengers, on the worker's "notify" queue."""

from __future__ import annotations

from django_tasks import task

from loket.jobs.retry import retrying
from loket.messengers.outbound import MAX_ATTEMPTS


@task(queue_name="notify")
@retrying(attempts=MAX_ATTEMPTS, base=15)
def deliver(message_id: int) -> str:
    """One agent reply to Telegram or WhatsApp (retried; a 429 waits its ``retry_after``)."""
    from loket.messengers.outbound import send

    return send(message_id)


@task(queue_name="default")  # beside the agents' replies, not in their queue
@retrying(attempts=MAX_ATTEMPTS, base=15)
def acknowledge(conversation_id: int, ticket_id: int) -> bool:
    """A new messenger ticket's number, sent back in its chat (``loket.messengers.acks``)."""
    from loket.messengers.acks import send

    return send(conversation_id, ticket_id)
