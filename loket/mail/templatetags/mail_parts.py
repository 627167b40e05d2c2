"""``{% load mail_parts %}``, then ``{% message_body m %}``: a message's text, and a mail that
forwards one shows the forwarded mail as its own "Forwarded message" section below the
customer's note (its From, Date, To and Subject lines, then its text; open, and foldable).

Which messages forward a mail is read once per ticket and page (one query); a message whose
text no longer fits the stored line (``loket.mail.forwarded.split_body``) is shown whole.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import pgettext_lazy

from loket.mail import forwarded
from loket.mail.models import MailRecord
from loket.tickets.models import Channel, Message

register = template.Library()

_LABELS = {
    "from": pgettext_lazy("mail header", "From"),
    "date": pgettext_lazy("mail header", "Date"),
    "to": pgettext_lazy("mail header", "To"),
    "subject": pgettext_lazy("mail header", "Subject"),
}


def _lines(rows: Any) -> dict[int, int]:
    return {pk: line for pk, line in rows.values_list("ticket_message_id", "forwarded_line")}


def _forwarded_lines(request: Any, message: Message) -> dict[int, int]:
    """Message id → line of its forwarded mail, for the message's ticket."""
    records = MailRecord.objects.filter(forwarded_line__isnull=False)
    if request is None:
        return _lines(records.filter(ticket_message=message))
    cache: dict[int, dict[int, int]] = getattr(request, "_loket_forwarded_lines", {})
    if message.ticket_id not in cache:
        cache[message.ticket_id] = _lines(
            records.filter(ticket_message__ticket_id=message.ticket_id)
        )
        request._loket_forwarded_lines = cache
    return cache[message.ticket_id]


@register.inclusion_tag("mail/_message_body.html", takes_context=True)
def message_body(context: dict[str, Any], message: Message) -> dict[str, Any]:
    parts = None
    if message.channel == Channel.EMAIL:
        line = _forwarded_lines(context.get("request"), message).get(message.pk)
        parts = forwarded.split_body(message.body, line)
    if parts is None:
        return {"m": message, "own": message.body, "forwarded": None}
    own, rest = parts
    read = forwarded.read(rest)
    return {
        "m": message,
        "own": own,
        "forwarded": read,
        "headers": [(_LABELS[kind], value) for kind, value in read.shown],
    }
