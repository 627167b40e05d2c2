"""Texts of Loket's own mails (acknowledgement, closing notice, the footer under agents'
replies), one template per language and form of address.

Dutch and Russian have a formal ("u", "вы") and an informal ("je", "ты") template; the
customer's setting chooses, formal when it is not known.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import select_template

from loket.accounts.models import Formality, User
from loket.tickets.models import Ticket

# Languages whose mails come in a formal and an informal form of address (u/je, вы/ты).
REGISTER_LANGUAGES = frozenset({"nl", "ru"})


def _template_names(kind: str, language: str, formality: str) -> list[str]:
    names = []
    if language in REGISTER_LANGUAGES:
        register = "informal" if formality == Formality.INFORMAL else "formal"
        names.append(f"mail/{kind}.{language}.{register}.txt")
    names.append(f"mail/{kind}.en.txt")
    return names


def render(kind: str, ticket: Ticket, customer: User) -> str:
    """The text of mail ``kind`` (acknowledgement, closing, reply_footer) for ``customer``."""
    language = (customer.language or ticket.language or settings.LANGUAGE_CODE)[:2]
    template = select_template(_template_names(kind, language, customer.formality))
    rendered: str = template.render(
        {
            "ticket": ticket,
            "customer": customer,
            "site": settings.SITE_NAME,
            "portal_url": f"{settings.BASE_URL}/portal/tickets/{ticket.pk}/",
        }
    )
    return rendered.strip()


def acknowledgement(ticket: Ticket, customer: User) -> str:
    return render("acknowledgement", ticket, customer)
