"""``{% load chat %}``, then ``{% chat_read m %}`` on an agent's reply in a website chat:
"Read by the visitor" once the widget showed it (kept current by ``chat-desk.js``)."""

from __future__ import annotations

from typing import Any

from django import template

from loket.chat.models import ChatSession
from loket.tickets.models import Channel, Message, MessageKind

register = template.Library()


@register.inclusion_tag("chat/read_mark.html")
def chat_read(message: Message) -> dict[str, Any]:
    if message.kind != MessageKind.REPLY or message.ticket.channel != Channel.CHAT:
        return {"message": None}
    upto = (
        ChatSession.objects.filter(ticket_id=message.ticket_id)
        .values_list("visitor_read_upto", flat=True)
        .first()
    )
    return {"message": message, "read": upto is not None and upto >= message.pk}
