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
