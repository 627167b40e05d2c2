"""``{% load messengers %}``, then ``{% messenger_panel ticket %}`` on the desk's ticket page
(the chat, the contact, WhatsApp's 24-hour window and its templates) and
``{% messenger_delivery m %}`` on a reply (sent, or why not, with "send again")."""

from __future__ import annotations

from typing import Any

from django import template

from loket.messengers import outbound, whatsapp
from loket.messengers.contacts import is_placeholder
from loket.messengers.models import Delivery, Kind
from loket.tickets.models import Message, Ticket

register = template.Library()


@register.inclusion_tag("messengers/panel.html", takes_context=True)
def messenger_panel(context: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
    if ticket.channel not in Kind.values:
        return {"conversation": None}
    conversation = outbound.conversation_for(ticket)
    data: dict[str, Any] = {
        "conversation": conversation,
        "ticket": ticket,
        "csrf_token": context.get("csrf_token"),
    }
    if conversation is not None:
        data["unlinked"] = is_placeholder(conversation.contact.customer)
        if conversation.kind == Kind.WHATSAPP and conversation.number is not None:
            data["whatsapp"] = True
            data["window_open"] = outbound.window_open(conversation)
            data["window_ends"] = conversation.last_inbound_at + whatsapp.WINDOW
            data["templates"] = conversation.number.template_choices()
    return data


@register.inclusion_tag("messengers/delivery.html", takes_context=True)
def messenger_delivery(context: dict[str, Any], message: Message) -> dict[str, Any]:
    delivery = None
    if message.channel in Kind.values and message.kind == "reply":
        delivery = Delivery.objects.filter(message=message).first()
    return {"delivery": delivery, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("messengers/reply_notice.html")
def messenger_reply_notice(ticket: Ticket) -> dict[str, Any]:
    """Above the reply form: WhatsApp's window is closed, so only a template can go out."""
    closed = False
    if ticket.channel == Kind.WHATSAPP:
        conversation = outbound.conversation_for(ticket)
        closed = conversation is not None and not outbound.window_open(conversation)
    return {"closed": closed}
