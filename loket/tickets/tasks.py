"""Side effects of ticket changes, run by the worker."""

from __future__ import annotations

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from loket.jobs.retry import retrying
from loket.tickets.models import Message


@task(queue_name="mail")
@retrying(attempts=6)
def notify_customer_of_reply(message_id: int) -> None:
    """Mails an agent's public reply to the customer, signed with the agent's own name."""
    message = (
        Message.objects.select_related("ticket__customer", "author").filter(pk=message_id).first()
    )
    if message is None or message.ticket.customer is None:
        return
    ticket = message.ticket
    customer = ticket.customer
    assert customer is not None
    with translation.override(customer.language or ticket.language or settings.LANGUAGE_CODE):
        author = message.author.name if message.author else settings.SITE_NAME
        signature = message.author.signature if message.author else ""
        body = message.body + (f"\n\n-- \n{signature}" if signature else "")
        body += "\n\n" + _("You can also read and answer this in the portal: %(url)s") % {
            "url": f"{settings.BASE_URL}/portal/tickets/{ticket.pk}/"
        }
        EmailMessage(
            subject=f"[#{ticket.pk}] {ticket.subject}",
            body=body,
            from_email=formataddr(
                (
                    _("%(author)s via %(site)s") % {"author": author, "site": settings.SITE_NAME},
                    settings.DEFAULT_FROM_EMAIL,
                )
            ),
            to=[customer.email],
        ).send()
