"""Side effects of ticket changes, run by the worker."""

from __future__ import annotations

from django_tasks import task

from loket.jobs.retry import retrying


@task(queue_name="mail")
@retrying(attempts=6)
def notify_customer_of_reply(message_id: int) -> None:
    """Mails an agent's public reply to the customer, signed with the agent's own name, with
    Loket's own Message-ID and the thread's headers (see ``loket.mail.send``)."""
    from loket.mail.send import send_reply
    from loket.tickets.delivery import seen_live
    from loket.tickets.models import Message

    message = Message.objects.select_related("ticket").filter(pk=message_id).first()
    if message is not None and seen_live(message):
        return  # read on the chat while the visitor was there
    send_reply(message_id)


@task(queue_name="mail")
@retrying(attempts=6)
def release_reply(message_id: int) -> bool:
    """A reply's undo window has ended: it goes out (``loket.tickets.actions.undo``)."""
    from loket.tickets.actions.undo import release

    return release(message_id)


@task()
def fold_queue_counts() -> int:
    """Sums the inbox badge counters' delta rows into one row per queue, team and assignee."""
    from loket.tickets.queue_counts import fold

    return fold()
