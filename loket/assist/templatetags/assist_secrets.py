"""``{% load assist_secrets %}``, then ``{% hidden_secrets m %}`` under a message: for agents, which
kinds of secret were masked in it and the reveal / redact buttons (one query per ticket)."""

from __future__ import annotations

from typing import Any

from django import template

from loket.assist.actions_secrets import can_reveal
from loket.assist.models_secrets import HiddenSecrets
from loket.assist.views_secrets import kind_labels
from loket.tickets.models import Message

register = template.Library()


def _hidden_on_ticket(request: Any, ticket_id: int) -> dict[int, list[str]]:
    cache: dict[int, dict[int, list[str]]] = getattr(request, "_loket_hidden_secrets", {})
    if ticket_id not in cache:
        cache[ticket_id] = dict(
            HiddenSecrets.objects.filter(message__ticket_id=ticket_id).values_list(
                "message_id", "kinds"
            )
        )
        request._loket_hidden_secrets = cache
    return cache[ticket_id]


@register.inclusion_tag("assist/_hidden_secrets.html", takes_context=True)
def hidden_secrets(context: dict[str, Any], message: Message) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not getattr(user, "is_agent", False):
        return {"kinds": None}
    kinds = _hidden_on_ticket(request, message.ticket_id).get(message.pk)
    if kinds is None:
        return {"kinds": None}
    return {
        "kinds": kind_labels(kinds),
        "m": message,
        "can_reveal": can_reveal(user),
        "csrf_token": context.get("csrf_token"),
    }
