"""Mail work for the worker: polling mailboxes (default queue) and sending (mail queue)."""

from __future__ import annotations

import logging

from django_tasks import task

from loket.jobs.retry import retrying
from loket.mail.models import Mailbox

log = logging.getLogger(__name__)


@task(queue_name="default")
def poll_mailboxes() -> int:
    """Polls every enabled IMAP mailbox; one failing mailbox does not stop the others."""
    from loket.mail.imap import poll

    fetched = 0
    for mailbox in Mailbox.objects.filter(enabled=True).exclude(host=""):
        try:
            fetched += poll(mailbox).fetched
        except Exception:  # recorded on the mailbox (health) by poll itself
            log.warning("polling %s failed", mailbox, exc_info=True)
    return fetched


@task(queue_name="mail")
@retrying(attempts=6)
def acknowledge_ticket(ticket_id: int) -> None:
    """The automatic "we received your mail" for a ticket opened by mail."""
    from loket.mail.send import send_acknowledgement

    send_acknowledgement(ticket_id)


@task(queue_name="mail")
@retrying(attempts=6)
def closing_notice(ticket_id: int, event_id: int) -> None:
    """The automatic "your ticket is solved; reply to reopen it" for a ticket opened by mail."""
    from loket.mail.send import send_closing_notice

    send_closing_notice(ticket_id, event_id)


@task(queue_name="mail")
@retrying(attempts=6)
def acknowledge_tickets(ticket_ids: list[int]) -> None:
    """``acknowledge_ticket`` for the tickets a mail import opened, in one task per batch (a
    retry after a failure skips those already acknowledged)."""
    from loket.mail.send import send_acknowledgement

    for ticket_id in ticket_ids:
        send_acknowledgement(ticket_id)
