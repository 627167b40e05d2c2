"""Portal mail sent by the worker."""

from __future__ import annotations

from django_tasks import task

from loket.jobs.retry import retrying


@task(queue_name="mail")
@retrying(attempts=6)
def send_contact_confirmation(ticket_id: int) -> bool:
    """The contact form's "was this you?" mail (enqueued with the ticket: an outbox)."""
    from loket.portal.confirmation import send
    from loket.tickets.models import Ticket

    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    return ticket is not None and send(ticket)
