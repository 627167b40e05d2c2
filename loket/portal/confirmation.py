"""The contact form's confirmation: a signed, expiring link mailed to the address a visitor
typed in. Until it is clicked the ticket stays out of every customer's portal."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from loket.tickets.models import Ticket

SALT = "loket.portal.contact-confirm"


def token_for(ticket: Ticket) -> str:
    return signing.dumps({"t": ticket.pk, "c": ticket.customer_id}, salt=SALT)


def ticket_for(token: str) -> Ticket | None:
    """The ticket a link names, if its signature holds and it is younger than
    ``CONTACT_CONFIRM_DAYS``."""
    try:
        data = signing.loads(
            token, salt=SALT, max_age=timedelta(days=settings.CONTACT_CONFIRM_DAYS)
        )
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        return None
    return Ticket.objects.filter(pk=data["t"], customer_id=data.get("c")).first()


def link_for(ticket: Ticket) -> str:
    return settings.BASE_URL.rstrip("/") + reverse("contact:confirm", args=[token_for(ticket)])


def send(ticket: Ticket) -> bool:
    """Mails the confirmation link to the ticket's customer; ``False`` when there is nothing
    to confirm (any more)."""
    customer = ticket.customer
    if customer is None or not ticket.sender_unconfirmed:
        return False
    language = customer.language or ticket.language or settings.LANGUAGE_CODE
    with translation.override(language):
        values = {
            "n": ticket.pk,
            "subject": ticket.subject,
            "site": settings.SITE_NAME,
            "link": link_for(ticket),
            "days": settings.CONTACT_CONFIRM_DAYS,
        }
        subject = _("Please confirm your question #%(n)s") % values
        body = (
            _(
                "Hello,\n\n"
                "Someone sent %(site)s a question through the contact form with this e-mail "
                "address:\n\n#%(n)s %(subject)s\n\n"
                "If that was you, confirm it with this link (it works for %(days)s days); the "
                "question then shows in your portal:\n\n%(link)s\n\n"
                "If it was not you, ignore this mail: the question stays out of your portal."
            )
            % values
        )
    mail = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [customer.email])
    mail.extra_headers["Auto-Submitted"] = "auto-generated"
    mail.send()
    return True
