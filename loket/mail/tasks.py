"""Mail work for the worker: polling mailboxes (default queue) and sending (mail queue)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from loket.jobs.retry import retrying
from loket.mail.models import Mailbox

log = logging.getLogger(__name__)


@task(queue_name="default")
def poll_mailboxes() -> int:
    """Polls every enabled IMAP mailbox; one failing mailbox does not stop the others."""
    fetched = 0
    for mailbox in Mailbox.objects.filter(enabled=True).exclude(host=""):
        fetched += _poll(mailbox, follow_up=True)
    return fetched


@task(queue_name="default")
def poll_mailbox(mailbox_id: int) -> int:
    """One mailbox again, once the lease that made an earlier poll skip it has run out."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id, enabled=True).exclude(host="").first()
    return _poll(mailbox, follow_up=False) if mailbox is not None else 0


def _poll(mailbox: Mailbox, *, follow_up: bool) -> int:
    """Polls one mailbox. A poll that finds the lease taken may be the redo of a task whose
    worker was killed (the stale-task sweep put it back while the dead poller's lease still
    runs): it comes back once when the lease runs out, instead of waiting a whole period.
    When the lease holder is alive, that one extra poll finds nothing new."""
    from loket.mail.imap import poll

    try:
        result = poll(mailbox)
    except Exception:  # recorded on the mailbox (health) by poll itself
        log.warning("polling %s failed", mailbox, exc_info=True)
        return 0
    if result.skipped and follow_up:
        lease_until = (
            Mailbox.objects.filter(pk=mailbox.pk).values_list("lease_until", flat=True).first()
        )
        when = max(lease_until or timezone.now(), timezone.now()) + timedelta(seconds=1)
        poll_mailbox.using(run_after=when).enqueue(mailbox.pk)
        log.info("%s is being polled elsewhere; polling it again at %s", mailbox, when)
    return result.fetched


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
