"""Changes in the messenger app that people make: bots and numbers (admins), approved
templates sent outside WhatsApp's window, failed replies sent again, contacts linked to
customers (``loket.messengers.contacts.link``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.messengers import outbound
from loket.messengers.contacts import link as link_contact
from loket.messengers.models import (
    Delivery,
    DeliveryState,
    Kind,
    TelegramBot,
    WhatsAppNumber,
    new_secret,
)
from loket.tickets import actions as ticket_actions
from loket.tickets.actions import ActionError
from loket.tickets.models import Message, Ticket

__all__ = [
    "link_contact",
    "new_webhook_secret",
    "retry_delivery",
    "save_bot",
    "save_number",
    "send_template",
]


def _require_admin(by: User) -> None:
    if not by.is_admin:
        raise PermissionDenied(_("Only admins set up messenger channels."))


def save_bot(bot: TelegramBot, *, by: User) -> TelegramBot:
    _require_admin(by)
    bot.full_clean()
    bot.save()
    return bot


def new_webhook_secret(bot: TelegramBot, *, by: User) -> TelegramBot:
    """A new secret: register the webhook again (``loket telegram webhook``) after this."""
    _require_admin(by)
    bot.webhook_secret = new_secret()
    bot.save(update_fields=["webhook_secret"])
    return bot


def save_number(number: WhatsAppNumber, *, by: User) -> WhatsAppNumber:
    _require_admin(by)
    number.full_clean()
    number.save()
    return number


def send_template(ticket: Ticket, name: str, *, by: User) -> Message:
    """Sends the approved template ``name`` on a WhatsApp ticket (the only thing WhatsApp
    allows outside the 24-hour window); it is stored as the agent's reply."""
    conversation = outbound.conversation_for(ticket)
    if conversation is None or conversation.kind != Kind.WHATSAPP or conversation.number is None:
        raise ActionError(_("This ticket has no WhatsApp chat."))
    choices = {t[0]: t for t in conversation.number.template_choices()}
    if name not in choices:
        raise ActionError(_("Choose one of the approved templates."))
    _name, language, text = choices[name]
    body = _("[Template %(name)s] %(text)s") % {"name": name, "text": text}
    with outbound.sending_template(name, language):
        return ticket_actions.reply(ticket, body=body.strip(), by=by)


def retry_delivery(delivery: Delivery, *, by: User) -> None:
    if not by.is_agent:
        raise PermissionDenied(_("Only agents may do this."))
    if delivery.state != DeliveryState.FAILED:
        raise ActionError(_("Only a reply that was not sent can be sent again."))
    outbound.retry(delivery)
