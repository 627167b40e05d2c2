"""The acknowledgement of a new messenger ticket, in the chat it came from: its number, in the
customer's language and register (the Telegram app's language, or the linked customer's).

Queued in the transaction that stored the first message (an outbox) and sent once by the
worker (``Conversation.acknowledged_at``). Loop rules: only for a person's message that opened
a ticket (Telegram never hands bots' messages to a bot; WhatsApp only delivers people's), only
while WhatsApp's reply window is open, and never twice for one ticket.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import pgettext

from loket.accounts.models import Formality
from loket.messengers import telegram, whatsapp
from loket.messengers.models import Conversation, Kind
from loket.tickets.models import Ticket


def text_for(ticket: Ticket) -> str:
    customer = ticket.customer
    language = (customer.language if customer else "") or ticket.language or settings.LANGUAGE_CODE
    # As in the mail templates: "je" only for whom the desk knows prefers it.
    formal = customer is None or customer.formality != Formality.INFORMAL
    values = {"n": ticket.pk, "site": settings.SITE_NAME}
    with translation.override(language):
        if formal:
            return (
                pgettext(
                    "formal",
                    "Thank you for your message. We have it as ticket #%(n)s and will answer "
                    "you here as soon as we can. (%(site)s, an automatic message)",
                )
                % values
            )
        return (
            pgettext(
                "informal",
                "Thanks for your message. We have it as ticket #%(n)s and will answer you "
                "here as soon as we can. (%(site)s, an automatic message)",
            )
            % values
        )


def queue(conversation: Conversation) -> None:
    """Call inside the transaction that opened the conversation's ticket."""
    from loket.messengers.tasks import acknowledge

    acknowledge.enqueue(conversation.pk, conversation.ticket_id)


def send(conversation_id: int, ticket_id: int) -> bool:
    """Sends the acknowledgement once; ``False`` when it is not (or no longer) due."""
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("bot", "number", "ticket__customer")
            .filter(pk=conversation_id, ticket_id=ticket_id, acknowledged_at__isnull=True)
            .first()
        )
        if conversation is None:
            return False
        if conversation.kind == Kind.WHATSAPP and (
            timezone.now() - conversation.last_inbound_at >= whatsapp.WINDOW
        ):
            return False
        text = text_for(conversation.ticket)
        if conversation.kind == Kind.TELEGRAM:
            assert conversation.bot is not None
            telegram.send_message(conversation.bot.token, conversation.chat_id, text)
        else:
            number = conversation.number
            assert number is not None
            whatsapp.send_text(
                number.phone_number_id, number.access_token, conversation.chat_id, text
            )
        conversation.acknowledged_at = timezone.now()
        conversation.save(update_fields=["acknowledged_at"])
    return True
